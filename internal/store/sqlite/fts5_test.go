package sqlite

import (
	"testing"

	"github.com/memtomem/memtomem/internal/search"
)

// The store renders the phrases the search package parsed; the expression
// must be the one the search package has always sent.
func FuzzFTS5MatchSameAsSearch(f *testing.F) {
	for _, s := range []string{`blue-green deploy`, `"say ""hi"" now" deplo`, `to be or not`, `a "b c`, `v1.2 é "x"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		q, err := search.ParseQuery(text)
		if err != nil {
			return
		}
		if got, want := fts5Match(q.Store()), q.FTS5(); got != want {
			t.Fatalf("%q: store renders %s, search %s", text, got, want)
		}
	})
}
