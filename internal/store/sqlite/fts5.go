package sqlite

import (
	"strings"

	"github.com/memtomem/memtomem/internal/store"
)

// fts5Match renders a keyword query as an FTS5 MATCH expression: every
// phrase OR-ed, so bm25() ranks chunks by how much of the query they hold
// rather than requiring all of it. Inside double quotes every character is
// literal (a quote is written twice), so no text can inject FTS5 syntax.
func fts5Match(phrases []store.Phrase) string {
	parts := make([]string, 0, len(phrases))
	for _, p := range phrases {
		s := `"` + strings.ReplaceAll(strings.Join(p.Words, " "), `"`, `""`) + `"`
		if p.Prefix {
			s += "*"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " OR ")
}
