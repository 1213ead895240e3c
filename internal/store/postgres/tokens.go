package postgres

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// words splits text as SQLite's index does (the unicode61 tokenizer with
// diacritics removed): runs of letters and digits, lowercased, accents
// dropped ("Café" → "cafe"). The keyword index and the queries both go
// through it, so PostgreSQL's own parser, which would keep "blue-green"
// whole or read "v1.2" as a version, never decides what a word is.
func words(text string) []string {
	folded := foldDiacritics(strings.ToLower(text))
	return strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// foldDiacritics drops combining marks after canonical decomposition.
func foldDiacritics(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// indexText is what the keyword index holds of a chunk: its heading path,
// text and file name (the three columns of SQLite's index), as words. The
// heading's words come apart from the rest, so that they can be marked
// (weight A in the tsvector) and count headingWeight times in a word's
// frequency, as FTS5's column weights count them.
func indexText(hierarchy []string, content, source string) (heading, body string, count int) {
	base := source
	if i := strings.LastIndexByte(base, '/'); i >= 0 {
		base = base[i+1:]
	}
	hs := words(strings.Join(hierarchy, " "))
	bs := words(content + "\n" + base)
	return strings.Join(hs, " "), strings.Join(bs, " "), len(hs) + len(bs)
}
