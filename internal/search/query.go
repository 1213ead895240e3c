// Package search turns what a person or agent typed into store queries and
// ranks what comes back.
package search

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/words"
)

// ErrEmptyQuery is returned for a query with no searchable words.
var ErrEmptyQuery = errors.New("query is empty: give at least one word to search for")

// Limits of one query. A search ranks by a handful of words; thousands of
// distinct words cost seconds of CPU (an OR of every term over the index)
// and say nothing a shorter query would not.
const (
	MaxQueryBytes = 4096
	MaxQueryTerms = 64 // distinct words and phrases, after stopwords
)

// ErrQueryTooLong is returned (wrapped, with the figures) for a query past
// MaxQueryBytes or MaxQueryTerms.
var ErrQueryTooLong = errors.New("query too long")

// Query is a parsed keyword query.
type Query struct {
	// Terms are single lowercase words, stopwords removed.
	Terms []string
	// Phrases are runs of words that must appear together: quoted text, and
	// words joined by '.', '/', '_' or an apostrophe ("v1.2", "a/b.go",
	// "Caroline's"), and numbers joined by hyphens ("2026-11-01", "10-20").
	// Hyphenated words ("blue-green", "TNF-alpha", "COVID-19") are terms of
	// their own: such a compound is also written apart, in another order or
	// as one word, and demanding the phrase cost SciFact 0.010 nDCG@10
	// (docs/benchmarks.md, "Keyword ranking variants").
	Phrases [][]string
	// Prefix is set when the last word may match as a prefix ("deplo" finds
	// "deployment"): the query did not end with a space or a closing quote.
	Prefix bool
}

// ParseQuery splits text into terms and phrases. It never fails on odd input;
// it reports ErrEmptyQuery when nothing searchable is left.
func ParseQuery(text string) (Query, error) {
	var q Query
	if len(text) > MaxQueryBytes {
		return q, fmt.Errorf("%w: %d bytes, over the %d limit: search for the few words that matter most", ErrQueryTooLong, len(text), MaxQueryBytes)
	}
	var words [][]string // each item: a term (len 1) or a phrase
	rest := text
	for rest != "" {
		i := strings.IndexByte(rest, '"')
		if i < 0 {
			words = append(words, splitLoose(rest)...)
			break
		}
		words = append(words, splitLoose(rest[:i])...)
		rest = rest[i+1:]
		j := strings.IndexByte(rest, '"')
		quoted := rest
		if j >= 0 {
			quoted, rest = rest[:j], rest[j+1:]
		} else {
			rest = ""
		}
		if p := tokens(quoted); len(p) > 0 {
			words = append(words, p)
		}
	}
	trimmed := strings.TrimRightFunc(text, unicode.IsSpace)
	lastIsWord := len(words) > 0 && len(words[len(words)-1]) == 1 &&
		trimmed == text && !strings.HasSuffix(trimmed, `"`)

	// Stopwords go, unless the query is nothing but stopwords ("to be or
	// not to be" still deserves an answer).
	var kept [][]string
	for _, w := range words {
		if len(w) == 1 && stopwords[w[0]] {
			continue
		}
		kept = append(kept, w)
	}
	if len(kept) == 0 {
		kept = words
	}
	if len(kept) == 0 {
		return q, ErrEmptyQuery
	}
	seen := map[string]bool{}
	for _, w := range kept {
		key := strings.Join(w, " ")
		if seen[key] {
			continue
		}
		seen[key] = true
		if len(w) == 1 {
			q.Terms = append(q.Terms, w[0])
		} else {
			q.Phrases = append(q.Phrases, w)
		}
	}
	if n := len(q.Terms) + len(q.Phrases); n > MaxQueryTerms {
		return Query{}, fmt.Errorf("%w: %d distinct words and phrases, over the %d limit: search for the few that matter most", ErrQueryTooLong, n, MaxQueryTerms)
	}
	last := kept[len(kept)-1]
	q.Prefix = lastIsWord && len(last) == 1 && words[len(words)-1][0] == last[0] && len([]rune(last[0])) >= 3
	if q.Prefix {
		// Keep the prefix term last so FTS5 rendering can mark it.
		for i, t := range q.Terms {
			if t == last[0] {
				q.Terms = append(append(q.Terms[:i:i], q.Terms[i+1:]...), t)
				break
			}
		}
	}
	return q, nil
}

// splitLoose splits unquoted text on whitespace; a word that joins parts with
// punctuation ("v1.2") becomes a phrase of its parts, except that hyphens
// split a word with letters ("blue-green" is the terms blue and green; see
// Query.Phrases).
func splitLoose(s string) [][]string {
	var out [][]string
	for _, field := range strings.Fields(s) {
		parts := []string{field}
		if compound(field) {
			parts = strings.Split(field, "-")
		}
		for _, p := range parts {
			if t := tokens(p); len(t) > 0 {
				out = append(out, t)
			}
		}
	}
	return out
}

// compound reports whether field is parts joined by hyphens of which at
// least one holds a letter: "blue-green", "TNF-alpha", "COVID-19", but not
// "2026-11-01" or "10-20", numbers that stay a phrase.
func compound(field string) bool {
	n, letters := 0, false
	for _, p := range strings.Split(field, "-") {
		if p == "" {
			continue
		}
		letters = letters || strings.ContainsFunc(p, unicode.IsLetter)
		n++
	}
	return n > 1 && letters
}

// tokens splits s into words as the keyword index does (internal/words):
// lowercased runs of letters and digits, a CJK run as its bigrams.
func tokens(s string) []string {
	return words.Split(s)
}

// prefixAt reports whether term i is searched as a prefix: the last term
// when the query is still being typed, and a term of one CJK character,
// whose index words are the pairs that begin with it.
func (q Query) prefixAt(i int) bool {
	return q.Prefix && i == len(q.Terms)-1 || words.IsSingleCJK(q.Terms[i])
}

// FTS5 renders the query as an FTS5 MATCH expression: every term and phrase
// OR-ed, so that BM25 ranks documents by how much of the query they contain
// rather than requiring all of it.
func (q Query) FTS5() string {
	var parts []string
	for i, t := range q.Terms {
		s := quote(t)
		if q.prefixAt(i) {
			s += "*"
		}
		parts = append(parts, s)
	}
	for _, p := range q.Phrases {
		parts = append(parts, quote(strings.Join(p, " ")))
	}
	return strings.Join(parts, " OR ")
}

// Store gives the query as the store takes it: every term and phrase, the
// prefix term marked.
func (q Query) Store() []store.Phrase {
	out := make([]store.Phrase, 0, len(q.Terms)+len(q.Phrases))
	for i, t := range q.Terms {
		out = append(out, store.Phrase{Words: []string{t}, Prefix: q.prefixAt(i)})
	}
	for _, p := range q.Phrases {
		out = append(out, store.Phrase{Words: p})
	}
	return out
}

// quote makes s an FTS5 string: inside double quotes every character is
// literal, and a double quote is written twice.
func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
