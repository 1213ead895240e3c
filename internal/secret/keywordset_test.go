package secret

import (
	"maps"
	"strings"
	"testing"

	ahocorasick "github.com/BobuSumisu/aho-corasick"
)

// counts is how often each keyword occurs in text, overlaps included, as
// set finds them.
func (s *keywordSet) counts(text string) map[string]int {
	out := map[string]int{}
	s.each(text, func(k string) { out[k]++ })
	return out
}

// trieCounts is the same through the Aho-Corasick trie gitleaks uses: the
// set must find what gitleaks would.
func trieCounts(keywords []string, text string) map[string]int {
	out := map[string]int{}
	for _, m := range ahocorasick.NewTrieBuilder().AddStrings(keywords).Build().MatchString(text) {
		out[string(m.Match())]++
	}
	return out
}

func TestKeywordSetFindsWhatTheTrieFinds(t *testing.T) {
	ks := keywordList()
	set := newKeywordSet(ks)
	texts := append(prefilterTexts(300, 7),
		"", "k", "ey", "they key", "sk-ant-api03-xyz and ghp_ and AKIA", strings.Repeat("eyeyey", 50),
		"https://user:pass@host", "-----begin rsa private key-----")
	for _, text := range texts {
		low := strings.ToLower(text)
		if got, want := set.counts(low), trieCounts(ks, low); !maps.Equal(got, want) {
			t.Fatalf("in %q the set finds %v, the trie %v", low, got, want)
		}
	}
}

// Keywords of one byte and keywords inside others are found each time
// they occur.
func TestKeywordSetShortAndNested(t *testing.T) {
	ks := []string{"a", "ab", "abc", "b", "bc", "zz"}
	set := newKeywordSet(ks)
	for _, text := range []string{"", "a", "abc", "ababc", "zzz", "cba", "xabcx"} {
		if got, want := set.counts(text), trieCounts(ks, text); !maps.Equal(got, want) {
			t.Errorf("in %q the set finds %v, the trie %v", text, got, want)
		}
	}
}

// FuzzKeywordSet compares the set with gitleaks' trie on the rules'
// keywords and on keyword lists of the fuzzer's own (separated by '|').
func FuzzKeywordSet(f *testing.F) {
	f.Add("they key token", "")
	f.Add("aaaa", "a|aa|aaa")
	f.Add("ghp_x sk-ant-api03 eyJ", "gh|ghp_|p_")
	rules := keywordList()
	f.Fuzz(func(t *testing.T, text, list string) {
		ks := rules
		if list != "" {
			ks = nil
			for _, k := range strings.Split(list, "|") {
				if k != "" {
					ks = append(ks, k)
				}
			}
			if len(ks) == 0 {
				return
			}
		}
		ks = dedupe(ks)
		if got, want := newKeywordSet(ks).counts(text), trieCounts(ks, text); !maps.Equal(got, want) {
			t.Fatalf("keywords %q in %q: the set finds %v, the trie %v", ks, text, got, want)
		}
	})
}

// keywordList is every rule keyword once.
func keywordList() []string {
	var ks []string
	for _, rks := range ruleKeywords {
		ks = append(ks, rks...)
	}
	return dedupe(ks)
}

func dedupe(ks []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range ks {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
