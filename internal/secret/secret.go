// Package secret finds credentials in text (cloud keys, private key blocks,
// API tokens, passwords in URLs and assignments) so that they are neither
// indexed nor written into memory files, where every search, every agent's
// context window and, once memory is shared, every teammate would see them.
//
// It wraps gitleaks' maintained rule set (rules.toml extends the default
// rules of the gitleaks version in go.mod) rather than a handful of
// hand-written regexes. The rules are compiled on first use, not at start:
// compiling them costs about 85 ms and several megabytes, which a server that
// never sees a write or an index run should not pay.
package secret

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/rs/zerolog"
	"github.com/spf13/viper"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/logging"
	"github.com/zricethezav/gitleaks/v8/report"
)

// RuleSet names the rules in use, for documentation and status output.
const RuleSet = "gitleaks v8.30.1 default rules + basic-auth-url, password-assignment"

//go:embed rules.toml
var rulesTOML string

// Finding is one credential in a text.
type Finding struct {
	Rule string `json:"rule"` // the gitleaks rule id, e.g. "github-pat"
	Line int    `json:"line"` // 1-based line of the text where the match starts
	// secret is the matched value (what Redact replaces); never shown.
	secret string
	col    int
}

func (f Finding) String() string { return fmt.Sprintf("%s at line %d", f.Rule, f.Line) }

// rules is the configuration, its expressions compiled, read once on first
// use and shared by every detector (see restDetector).
var rules = sync.OnceValue(func() config.Config {
	// gitleaks logs to stderr at info level, and an MCP server's stderr is
	// its client's log: a scan must be silent.
	logging.Logger = zerolog.Nop()
	v := viper.New()
	v.SetConfigType("toml")
	if err := v.ReadConfig(strings.NewReader(rulesTOML)); err != nil {
		panic("secret: rules.toml: " + err.Error()) // embedded: a test loads it
	}
	var vc config.ViperConfig
	if err := v.Unmarshal(&vc); err != nil {
		panic("secret: rules.toml: " + err.Error())
	}
	// Translate pulls in gitleaks' default rules through a package-level
	// depth counter that is never reset: it extends correctly only the
	// first time it runs in a process, which is why this is the only call.
	cfg, err := vc.Translate()
	if err != nil {
		panic("secret: rules.toml: " + err.Error())
	}
	if _, ok := cfg.Rules["private-key"]; !ok {
		panic("secret: gitleaks' default rules were not loaded")
	}
	// The default rules were read through viper's global instance, which
	// nothing else here uses: drop its copy of them.
	viper.Reset()
	return cfg
})

// detector has all the rules at once: what Find must agree with (the tests
// compare them), and what scans a text should a rule without keywords ever
// be added. A detector is safe for concurrent use once built: DetectString
// only reads the compiled rules and the keyword trie (its byte counter is
// atomic), and the findings it returns are its own (TestConcurrentFind runs
// it from many goroutines under -race).
var detector = sync.OnceValue(func() *detect.Detector { return newDetector(rules()) })

func newDetector(cfg config.Config) *detect.Detector {
	d := detect.NewDetector(cfg)
	// A "gitleaks:allow" comment would let any text exempt itself: content
	// is never trusted to widen what is stored.
	d.IgnoreGitleaksAllow = true
	return d
}

// Rules returns the ids of the rules in use, sorted.
func Rules() []string {
	var ids []string
	for id := range rules().Rules {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Find lists the credentials in text, ordered by position then rule, one per
// rule and line. Nil when there is none.
func Find(text string) []Finding {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	p := scanPlan(text)
	if p.none() {
		return nil
	}
	return findings(scan(text, p))
}

// findWith is Find through one detector.
func findWith(d *detect.Detector, text string) []Finding {
	return findings(d.DetectString(text))
}

// findings is what gitleaks found, as Find reports it.
func findings(found []report.Finding) []Finding {
	var out []Finding
	for _, f := range found {
		out = append(out, Finding{Rule: f.RuleID, Line: f.StartLine + 1, secret: f.Secret, col: f.StartColumn})
	}
	// The rules live in a map, so gitleaks reports them in no fixed order.
	slices.SortFunc(out, func(a, b Finding) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		if a.col != b.col {
			return a.col - b.col
		}
		return strings.Compare(a.Rule, b.Rule)
	})
	return slices.CompactFunc(out, func(a, b Finding) bool { return a.Rule == b.Rule && a.Line == b.Line })
}

// Redact replaces every credential in text by "[REDACTED:<rule>]" and says
// what it replaced (as Find would have). The text is scanned again after
// each pass, so that a credential hidden inside another is caught too; a
// caller that must store nothing Find reports checks the result once more
// (no rule matches a replacement today, but the rules are not ours).
func Redact(text string) (string, []Finding) {
	var all []Finding
	for range 4 {
		found := Find(text)
		if len(found) == 0 {
			break
		}
		all = append(all, found...)
		for _, f := range found {
			if s := strings.TrimSpace(f.secret); s != "" {
				text = strings.ReplaceAll(text, s, "[REDACTED:"+f.Rule+"]")
			}
		}
	}
	return text, all
}
