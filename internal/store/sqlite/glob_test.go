package sqlite

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/memtomem/memtomem/internal/store"
)

// store.Glob defines the pattern dialect and this backend hands patterns to
// SQLite's GLOB unchanged: the two must agree on every pattern and text.
func FuzzGlobSameAsSQLite(f *testing.F) {
	for _, s := range [][2]string{{"proj:*", "proj:web"}, {"[a-c-e]?*", "-xyz"}, {"[^]a]*[", "b"}, {"*é[é-ê]", "aéê"},
		{"[z-a]", "m"}, {"[]-a]", "-"}, {"*/notes/*", "/h/notes/x"}, {"a*b*c", "aXbYbc"}, {"[^", "x"}, {"[-a]", "-"}} {
		f.Add(s[0], s[1])
	}
	db, _ := openTemp(f)
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) || strings.ContainsRune(pattern+s, 0) {
			t.Skip("patterns and paths are UTF-8 without NUL")
		}
		var sql bool
		if err := db.reader.QueryRowContext(context.Background(), `SELECT ? GLOB ?`, s, pattern).Scan(&sql); err != nil {
			t.Fatal(err)
		}
		if got := store.ParseGlob(pattern).Match(s); got != sql {
			t.Fatalf("%q GLOB %q: SQLite %v, store.Glob %v", s, pattern, sql, got)
		}
	})
}
