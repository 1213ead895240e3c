package words

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold lowercases text and drops accents ("Café" → "cafe") as SQLite's
// index does with remove_diacritics, for a backend whose index is built
// from Split's words (PostgreSQL). A mark on a CJK character stays: the
// voiced sound mark makes が another syllable than か, not an accented one.
func Fold(text string) string {
	text = strings.ToLower(text)
	ascii := true
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	onCJK := false // the last character that was not a mark is CJK
	for _, r := range norm.NFD.String(text) {
		if unicode.Is(unicode.Mn, r) {
			if onCJK {
				b.WriteRune(r)
			}
			continue
		}
		onCJK = IsCJK(r)
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}
