package secret

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/memtomem/memtomem/internal/secret/secrettest"
)

// Each prefilter was written against its rule's expression: a gitleaks
// upgrade or an edit of rules.toml that changes one must be looked at again.
func TestPrefilterRegexes(t *testing.T) {
	for i, pf := range prefilters {
		r, ok := detector().Config.Rules[pf.rule]
		if !ok || r.Regex.String() != pf.regex {
			t.Errorf("rule %s is now\n%v\nnot the expression its prefilter was written against: check the prefilter, then update its regex", pf.rule, r.Regex)
		}
		if _, ok := restDetector().Config.Rules[pf.rule]; ok || len(restDetector().Config.Rules) != len(detector().Config.Rules)-len(prefilters) {
			t.Errorf("the detector without the prefiltered rules must hold every other rule, and not %s", pf.rule)
		}
		if d := ruleDetector(i); len(d.Config.Rules) != 1 || d.Config.Rules[pf.rule].Regex.String() != pf.regex {
			t.Errorf("the detector of %s must hold that rule alone", pf.rule)
		}
	}
	if !keywords().decide {
		t.Error("a rule without keywords now looks at text: scanner must not skip texts without keywords")
	}
}

// The assignment prefilters let through texts with the two non-ASCII runes
// that fold to ASCII letters under (?i); there must be no others.
func TestOnlyTwoRunesFoldToASCII(t *testing.T) {
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < 0x80 && r != '\u212a' && r != '\u017f' {
				t.Errorf("%U folds to %q: the prefilters must let texts holding it through", r, f)
			}
		}
	}
}

// prefilterPieces are what the generated texts are made of: the rules'
// keywords in several cases, what follows them in prose and in config, the
// operators, quotes, spaces, values of each form around the length limits,
// pieces of tokens, and a few non-ASCII characters.
var prefilterPieces = []string{
	"key", "KEY", "Key", "api", "Api", "API", "aPi", "auth", "AUTH", "access", "credential", "creds", "cred",
	"passwd", "password", "PassWord", "passw", "passphrase", "pwd", "PWD", "secret", "Secret", "token", "TOKEN",
	"tokens", "keyword", "monkey", "they", "ey", "eyJhbGciOiJIUzI1NiJ9", ".ey", ".eyJzdWIiOiIxMjM0NTY3ODkwIn0.",
	"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w",
	"_", ".", "-", " ", "  ", "\t", "\n", "\r\n", "'", "\"", "`", ";", "\\n", "\\r",
	"=", ":", ":=", "::=", ":::=", "||", "=>", "?=", ",", ">", "|", "?", "::", "==",
	"abcdefghij", "abcdefghi", "0123456789ab", "A1b2C3d4E5f6", "x/y+z/w+q/ab", "a.b.c.d.e.f", "a=b=c=d=e=f",
	"p@ss!w0rd#9", "s3cr3t!", "deploy", "the", "value", "é", "—", "\u212a", "\u017f", "日本", "\x00", "\xff",
}

func prefilterTexts(n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 1))
	var out []string
	for range n {
		var sb strings.Builder
		for range 2 + rng.IntN(14) {
			sb.WriteString(prefilterPieces[rng.IntN(len(prefilterPieces))])
		}
		out = append(out, sb.String())
	}
	return out
}

// checkPrefilters fails when a rule's expression matches text but its
// prefilter says it cannot.
func checkPrefilters(t *testing.T, text string) {
	t.Helper()
	for _, pf := range prefilters {
		if detector().Config.Rules[pf.rule].Regex.MatchString(text) && !pf.may(text, asciiLower(text)) {
			t.Fatalf("%s matches %q but its prefilter says it cannot", pf.rule, text)
		}
	}
}

// Generated texts dense with keywords, operators and values: wherever an
// expression matches, its prefilter lets it run, and Find finds what the
// full rule set finds.
func TestPrefiltersExact(t *testing.T) {
	texts := prefilterTexts(1000, 1)
	for _, c := range credentials() {
		texts = append(texts, c.text, "Notes.\n\n"+c.text+"\n\nDone.")
	}
	texts = append(texts, prose, `api_key = "`+secrettest.Fake(1, "", 24, secrettest.Alnum)+`"`,
		"token:\n\t'"+secrettest.Fake(2, "", 32, secrettest.Alnum)+"'", "Password ::= "+secrettest.Fake(3, "", 12, secrettest.Alnum))
	matched, skipped := make([]int, len(prefilters)), make([]int, len(prefilters))
	for _, text := range texts {
		checkPrefilters(t, text)
		if got, want := Find(text), findWith(detector(), text); !slices.Equal(got, want) {
			t.Fatalf("Find(%q) = %v, the full rule set finds %v", text, got, want)
		}
		for i, pf := range prefilters {
			if detector().Config.Rules[pf.rule].Regex.MatchString(text) {
				matched[i]++
			}
			if !pf.may(text, asciiLower(text)) {
				skipped[i]++
			}
		}
	}
	// Both sides must be well represented for the check to mean anything.
	for i, pf := range prefilters {
		t.Logf("%s: of %d texts %d match, %d skipped", pf.rule, len(texts), matched[i], skipped[i])
		if matched[i] < 20 || skipped[i] < 100 {
			t.Errorf("%s: the generated texts no longer test its prefilter", pf.rule)
		}
	}
}

// The prefilters skip ordinary prose that holds the keywords (that is what
// they are for), and a text without any keyword is not scanned at all.
func TestPrefiltersSkipProse(t *testing.T) {
	for _, text := range []string{
		prose,
		"The key, which opens the garage, hangs by the door. Auth: see the wiki. They said so.",
		"keyword search ranking quality: backfill vector embedding",
	} {
		if p := scanPlan(text); p.full || p.slow != 0 {
			t.Errorf("scanner(%q) runs some of the slow rules", text)
		}
	}
	if !scanPlan("## Topic 1234").none() {
		t.Error("a heading with no keyword of any rule is scanned")
	}
}

// go test -fuzz FuzzPrefilters ./internal/secret/ searches for a text a
// prefilter wrongly skips; without -fuzz it runs the seeds.
func FuzzPrefilters(f *testing.F) {
	for _, text := range prefilterTexts(100, 2) {
		f.Add(text)
	}
	f.Fuzz(checkPrefilters)
}
