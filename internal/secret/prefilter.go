package secret

import (
	"slices"
	"strings"
	"sync"

	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/report"
)

// gitleaks runs a rule's regular expression on the whole text whenever one
// of the rule's keywords occurs anywhere in it. For three rules that is
// nearly every note, and their expressions are the slow ones: "key",
// "token", "access", "auth" are everyday words (generic-api-key), "ey" is
// in "key", "they" and "survey" (jwt), and notes speak of passwords
// (password-assignment). Each prefilter below says false only when its
// rule's expression cannot match the text; Find then leaves that rule's
// detector out, which finds exactly the same (see scan).
// TestPrefiltersExact and FuzzPrefilters check the "cannot".

// prefilter stands in for one rule; regex is the expression it was written
// against, and TestPrefilterRegexes fails if a gitleaks upgrade (or an edit
// of rules.toml) changes it, so that the prefilter is looked at again.
type prefilter struct {
	rule  string
	regex string
	may   func(text, folded string) bool // folded: text with ASCII letters lower-cased
}

var prefilters = []prefilter{
	{
		rule:  "generic-api-key",
		regex: `(?i)[\w.-]{0,50}?(?:access|auth|(?-i:[Aa]pi|API)|credential|creds|key|passw(?:or)?d|secret|token)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([\w.=-]{10,150}|[a-z0-9][a-z0-9+/]{11,}={0,3})(?:[\x60'"\s;]|\\[nr]|$)`,
		may: assignment{
			// Every keyword starts with one of the stems, in lower case
			// ([Aa]pi|API is looked for in any case).
			stems: []string{"access", "api", "auth", "cred", "key", "passw", "secret", "token"},
			// The rest of the longest keyword ("ential" of "credential"),
			// then [ \t\w.-]{0,20} and [\s'"]{0,3}.
			slack:    6 + 20 + 3,
			between:  func(c byte) bool { return isWord(c) || isSpace(c) || strings.IndexByte(".-'\"", c) >= 0 },
			ops:      "=>:|?,",
			skip:     3 + 5, // the rest of ":::=", then [\x60'"\s=]{0,5}
			skipped:  func(c byte) bool { return isSpace(c) || strings.IndexByte(":=>|`'\"", c) >= 0 },
			value:    func(c byte) bool { return isWord(c) || strings.IndexByte(".=+/-", c) >= 0 },
			minValue: 10, // [\w.=-]{10,150} or [a-z0-9][a-z0-9+/]{11,}
		}.may,
	},
	{
		rule:  "password-assignment",
		regex: `(?i)\b(?:passw(?:or)?d|passphrase|pwd)[\w.-]{0,20}[ \t]{0,3}(?:=|:=|:|=>)[ \t]{0,3}["'\x60]?([^\s"'\x60]{8,128}?)["'\x60]?(?:[\s,;]|$)`,
		may: assignment{
			stems:    []string{"passw", "passphrase", "pwd"},
			slack:    3 + 20 + 3, // "ord" of "password", [\w.-]{0,20}, [ \t]{0,3}
			between:  func(c byte) bool { return isWord(c) || strings.IndexByte(".- \t", c) >= 0 },
			ops:      "=:",
			skip:     1 + 3 + 1, // the rest of ":=" or "=>", [ \t]{0,3}, a quote
			skipped:  func(c byte) bool { return strings.IndexByte("=> \t\"'`", c) >= 0 },
			value:    func(c byte) bool { return !isSpace(c) && strings.IndexByte("\"'`", c) < 0 },
			minValue: 8, // [^\s"'\x60]{8,128}: 8 characters are at least 8 bytes
		}.may,
	},
	{
		rule:  "jwt",
		regex: `\b(ey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9\/\\_-]{17,}\.(?:[a-zA-Z0-9\/\\_-]{10,}={0,2})?)(?:[\x60'"\s;]|\\[nr]|$)`,
		// Case-sensitive, and every match holds ".ey".
		may: func(text, _ string) bool { return strings.Contains(text, ".ey") },
	},
}

// The rules are split among detectors, each with the keyword trie gitleaks
// builds for it (2.6 MiB for all the rules' keywords): one for every rule
// but the prefiltered ones, and one for each prefiltered rule alone (tens
// of KiB), run only when its prefilter lets it. One detector per set of rules
// left out, as before, held up to eight tries.
var (
	restOnce sync.Once
	rest     *detect.Detector
	single   = make([]struct {
		once sync.Once
		d    *detect.Detector
	}, len(prefilters))
)

// restDetector has every rule but the prefiltered ones.
func restDetector() *detect.Detector {
	restOnce.Do(func() {
		rest = detectorOf(func(id string) bool {
			return !slices.ContainsFunc(prefilters, func(pf prefilter) bool { return pf.rule == id })
		})
	})
	return rest
}

// ruleDetector has prefilters[i]'s rule alone.
func ruleDetector(i int) *detect.Detector {
	e := &single[i]
	e.once.Do(func() { e.d = detectorOf(func(id string) bool { return id == prefilters[i].rule }) })
	return e.d
}

// detectorOf builds a detector of the rules keep says yes to, sharing their
// compiled expressions; its keywords are theirs alone.
func detectorOf(keep func(id string) bool) *detect.Detector {
	full := rules()
	cfg := full
	cfg.Rules = map[string]config.Rule{}
	cfg.Keywords = map[string]struct{}{}
	cfg.OrderedRules = nil
	for id, r := range full.Rules {
		if keep(id) {
			cfg.Rules[id] = r
			for _, k := range r.Keywords {
				cfg.Keywords[strings.ToLower(k)] = struct{}{}
			}
		}
	}
	for _, id := range full.OrderedRules {
		if _, ok := cfg.Rules[id]; ok {
			cfg.OrderedRules = append(cfg.OrderedRules, id)
		}
	}
	return newDetector(cfg)
}

// scan lists what gitleaks finds in text as its full rule set would: the
// detectors plan calls for, their findings merged, and the one step that
// looks across rules done again over all of them (gitleaks drops a generic
// rule's finding when a specific rule found a secret holding it on the
// same line; a detector saw only its own rules' findings). Every other
// step is per rule, so the union is what one detector of all the rules
// finds. TestPrefiltersExact and FuzzPrefilters check it.
func scan(text string, p plan) []report.Finding {
	if p.full {
		return detector().DetectString(text)
	}
	var found []report.Finding
	if p.rest {
		found = append(found, restDetector().DetectString(text)...)
	}
	for i := range prefilters {
		if p.slow&(1<<i) != 0 {
			found = append(found, ruleDetector(i).DetectString(text)...)
		}
	}
	return dropGenericRepeats(found)
}

// dropGenericRepeats is gitleaks' filter (detect/utils.go) without its
// logging and redaction.
func dropGenericRepeats(found []report.Finding) []report.Finding {
	generic := func(id string) bool { return strings.Contains(strings.ToLower(id), "generic") }
	out := found[:0:0]
	for _, f := range found {
		dup := generic(f.RuleID) && slices.ContainsFunc(found, func(g report.Finding) bool {
			return f.StartLine == g.StartLine && f.Commit == g.Commit && f.RuleID != g.RuleID &&
				strings.Contains(g.Secret, f.Secret) && !generic(g.RuleID)
		})
		if !dup {
			out = append(out, f)
		}
	}
	return out
}

// keywordIndex is how gitleaks picks the rules to run on a text (see
// scanPlan): the same keywords, found as its trie finds them, and for each
// keyword the rules it lets run (the prefilter's index, or -1 for any other
// rule).
type keywordIndex struct {
	set   *keywordSet
	rules map[string][]int
	// decide is false should a rule without keywords look at text: every
	// text would then be scanned in full.
	decide bool
}

var keywords = sync.OnceValue(func() keywordIndex {
	// From the generated table, not from the compiled rules: a text none
	// of whose keywords is there is answered without building the
	// detector at all (TestKeywordTable keeps the two the same).
	ix := keywordIndex{rules: map[string][]int{}, decide: keywordsDecide}
	seen := map[string]bool{}
	var ks []string
	for id, rks := range ruleKeywords {
		n := -1
		for i, pf := range prefilters {
			if pf.rule == id {
				n = i
			}
		}
		for _, k := range rks {
			ix.rules[k] = append(ix.rules[k], n)
			if !seen[k] {
				seen[k] = true
				ks = append(ks, k)
			}
		}
	}
	ix.set = newKeywordSet(ks)
	return ix
})

// plan is which detectors look at a text.
type plan struct {
	full bool // all rules at once (a rule without keywords would look at any text)
	rest bool // the rules other than the prefiltered ones
	slow int  // bit i: prefilters[i]'s rule
}

// none reports whether no rule can find anything.
func (p plan) none() bool { return !p.full && !p.rest && p.slow == 0 }

// scanPlan picks the detectors for text. Like gitleaks, it looks for the
// rules' keywords in the lower-cased text; a rule with none of its
// keywords there would not run, and a prefiltered rule that cannot match
// is left out. Should no rule remain, gitleaks would run none: it is not
// called at all (a heading, a tag, a chunk of prose that mentions keys is
// a few microseconds, not the tens gitleaks spends picking rules).
func scanPlan(text string) plan {
	kw := keywords()
	if !kw.decide {
		return plan{full: true}
	}
	low := strings.ToLower(text)
	var p plan
	wanted := 0
	kw.set.each(low, func(k string) {
		for _, n := range kw.rules[k] {
			if n < 0 {
				p.rest = true
			} else {
				wanted |= 1 << n
			}
		}
	})
	if wanted == 0 {
		return p
	}
	folded := low
	if len(folded) != len(text) || !isASCII(text) {
		folded = asciiLower(text) // the prefilters need the text's offsets
	}
	for i, pf := range prefilters {
		if wanted&(1<<i) != 0 && pf.may(text, folded) {
			p.slow |= 1 << i
		}
	}
	return p
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// asciiLower lower-cases the ASCII letters of s, and nothing else.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lower(c)
	}
	return string(b)
}

// assignment is the shape of an expression that finds a value assigned to
// a keyword: a stem, a short run of name characters and spaces, an
// operator, a few quotes or spaces, a value. may is an exact prefilter
// for such an expression under (?i): Go folds the Kelvin sign (U+212A) to
// k and the long s (U+017F) to s, in literals and in \w alike, and every
// other character these expressions can match is ASCII. A text with
// either rune is let through; otherwise bytes are compared with ASCII case
// folded (a byte of a multi-byte character matches none of the ASCII
// classes, as its rune does not).
type assignment struct {
	stems    []string        // lower case; every keyword starts with one
	slack    int             // the most characters between a stem and the operator
	between  func(byte) bool // what those may be
	ops      string          // an operator's first characters (none is in between)
	skip     int             // the most characters between an operator's first and the value
	skipped  func(byte) bool // what those may be
	value    func(byte) bool // what the value is made of
	minValue int             // the fewest bytes a value has
}

// may reports whether the expression could match text; folded is text
// with its ASCII letters lower-cased (and nothing else).
func (a assignment) may(text, folded string) bool {
	if strings.Contains(text, "\u212a") || strings.Contains(text, "\u017f") {
		return true
	}
	for _, stem := range a.stems {
		for off := 0; ; {
			j := strings.Index(folded[off:], stem)
			if j < 0 {
				break
			}
			if a.assigns(text, off+j+len(stem)) {
				return true
			}
			off += j + 1
		}
	}
	return false
}

// assigns reports whether the text from e, just past a stem, can go on as
// an operator and a value.
func (a assignment) assigns(text string, e int) bool {
	o := e // the operator is the first character past the stem not in between
	for o < len(text) && a.between(text[o]) {
		if o++; o-e > a.slack {
			return false
		}
	}
	if o >= len(text) || strings.IndexByte(a.ops, text[o]) < 0 {
		return false
	}
	for s := o + 1; s <= o+1+a.skip && s < len(text); s++ {
		n := 0
		for s+n < len(text) && n < a.minValue && a.value(text[s+n]) {
			n++
		}
		if n >= a.minValue {
			return true
		}
		if !a.skipped(text[s]) {
			return false
		}
	}
	return false
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isWord(c byte) bool {
	c = lower(c)
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_'
}

// isSpace is Go's \s: [\t\n\f\r ].
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}
