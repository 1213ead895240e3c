package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Prefix keeps within its bound, never splits a character, and keeps as
// much as it can.
func FuzzPrefix(f *testing.F) {
	for _, s := range []string{"", "abc", "héllo", "東京都の会議", "a\xffb", "🙂🙂"} {
		for n := -1; n < 8; n++ {
			f.Add(s, n)
		}
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		got := Prefix(s, n)
		if !strings.HasPrefix(s, got) {
			t.Fatalf("Prefix(%q, %d) = %q: not a prefix", s, n, got)
		}
		if len(s) <= n {
			if got != s {
				t.Fatalf("Prefix(%q, %d) = %q: cut a string within the bound", s, n, got)
			}
			return
		}
		if len(got) > max(n, 0) {
			t.Fatalf("Prefix(%q, %d) = %q: over the bound", s, n, got)
		}
		if rest := s[len(got):]; got != "" && !utf8.RuneStart(rest[0]) {
			t.Fatalf("Prefix(%q, %d) = %q: ends inside a character", s, n, got)
		}
		// Maximal: every byte between the cut and the bound continues the
		// character the cut stopped before.
		for i := len(got) + 1; i <= n; i++ {
			if utf8.RuneStart(s[i]) {
				t.Fatalf("Prefix(%q, %d) = %q: a character boundary at %d was within the bound", s, n, got, i)
			}
		}
	})
}
