// Package words owns what a word is for keyword search, on every backend
// and on both sides of a search: the text that is indexed and the query
// that looks for it.
//
// Outside Chinese, Japanese and Korean, a word is a run of letters and
// digits, lowercased, as SQLite FTS5's unicode61 tokenizer reads it. Those
// three languages do not put spaces between words, so a run of their
// characters is one long "word" to unicode61, and nothing inside it can be
// found: 東京 in 東京都の会議, or the Korean stem 배포 in 배포는 (with its
// particle). Here a run of CJK or Hangul characters becomes its overlapping
// character pairs (bigrams), as Lucene's CJK analyzer does, and the index
// also keeps the run's last character: 東京都 is indexed as 東京 京都 都,
// and 배포는 as 배포 포는 는. A query's run becomes its pairs alone, searched
// as a phrase, so a two-character word is found anywhere inside a longer run
// and a longer one only where its pairs stand in order. A run of one
// character stays one word; as a query it is a prefix (IsSingleCJK), which
// finds every place the character stands: each one begins a pair, or is the
// run's last.
//
// Which characters count as CJK is a fixed table of code-point blocks
// (cjk.go), not the Go release's Unicode tables: SQLite's index deletes a
// chunk's words by splitting its text again, so the split must give the
// same words forever. Changing Spaced or the table needs a schema step that
// rebuilds the keyword index (internal/store/sqlite/schema.go).
package words

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Index returns the words the keyword index holds of text: runs of letters
// and digits, lowercased, and for every CJK run its bigrams followed by its
// last character (a run of one character is itself). With Fold first, it is
// what PostgreSQL's index holds; Spaced gives SQLite the same words.
func Index(text string) []string {
	ws, _ := split(text)
	return ws
}

// Split returns the words of a query, to be searched as a phrase when there
// are several: Index's, except that a CJK run that ends the text leaves out
// its last character. The phrase then matches wherever its words stand in
// order in the index: 会議 inside 会議は (会議 議は は), and 東京2024
// (東京 京 2024) wherever that text stands, since the index puts the same
// last character between a run and the word after it.
func Split(text string) []string {
	ws, final := split(text)
	if final {
		ws = ws[:len(ws)-1]
	}
	return ws
}

// split returns Index's words and whether the last of them is the extra
// last character of a CJK run.
func split(text string) (out []string, final bool) {
	var run []rune // the current CJK run
	flush := func() {
		if len(run) > 0 {
			out = appendPairs(out, run, true)
			final = len(run) > 1
			run = run[:0]
		}
	}
	start := -1 // start of the current non-CJK word, or -1
	for i, r := range text {
		switch {
		case IsCJK(r):
			if start >= 0 {
				out = append(out, strings.ToLower(text[start:i]))
				final, start = false, -1
			}
			run = append(run, r)
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			flush()
			if start < 0 {
				start = i
			}
		default:
			flush()
			if start >= 0 {
				out = append(out, strings.ToLower(text[start:i]))
				final, start = false, -1
			}
		}
	}
	flush()
	if start >= 0 {
		out = append(out, strings.ToLower(text[start:]))
		final = false
	}
	return out, final
}

// appendPairs appends the words of one CJK run: its bigrams, and its last
// character when last is set; a run of one character is itself.
func appendPairs(out []string, run []rune, last bool) []string {
	switch len(run) {
	case 0:
		return out
	case 1:
		return append(out, string(run))
	}
	for i := 0; i+1 < len(run); i++ {
		out = append(out, string(run[i:i+2]))
	}
	if last {
		out = append(out, string(run[len(run)-1:]))
	}
	return out
}

// Spaced returns text as SQLite's keyword index is given it: every CJK run
// replaced by its index words (Index) with a space between and around them,
// every other byte unchanged. unicode61 then reads the pairs as
// words and the rest as it always did, so a text without CJK is indexed
// exactly as before. Spaced is a pure function of its input's bytes, which
// the index relies on (see the package comment).
func Spaced(text string) string {
	if !HasCJK(text) {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) * 2)
	var run []rune
	flush := func() {
		if len(run) == 0 {
			return
		}
		b.WriteByte(' ')
		for i, w := range appendPairs(nil, run, true) {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
		}
		b.WriteByte(' ')
		run = run[:0]
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if IsCJK(r) { // never utf8.RuneError: that is not in the table
			run = append(run, r)
		} else {
			flush()
			b.WriteString(text[i : i+size]) // the bytes as they were, valid or not
		}
		i += size
	}
	flush()
	return b.String()
}

// HasCJK reports whether text holds a CJK or Hangul character.
func HasCJK(text string) bool {
	for i := 0; i < len(text); i++ {
		if text[i] >= 0xE1 { // every character in the table is 3 or 4 bytes, led by 0xE1 or above
			r, _ := utf8.DecodeRuneInString(text[i:])
			if IsCJK(r) {
				return true
			}
		}
	}
	return false
}

// IsSingleCJK reports whether w is one CJK character: a word that, as a
// query, is searched as a prefix, so that 駅 also finds the pairs that begin
// with it (駅前) and the last characters of runs (東京駅), not only a run of
// that one character.
func IsSingleCJK(w string) bool {
	r, size := utf8.DecodeRuneInString(w)
	return size == len(w) && IsCJK(r)
}
