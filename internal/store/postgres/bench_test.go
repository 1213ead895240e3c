package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/memtomem/memtomem/internal/pgtest"
	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/store/postgres"
	"github.com/memtomem/memtomem/internal/store/storetest"
)

// backendsFor opens an empty store of each backend, for benchmarks that run
// the same work on both side by side.
func backendsFor(b *testing.B) map[string]store.Location {
	return map[string]store.Location{
		"sqlite":   {Backend: "sqlite", Path: filepath.Join(b.TempDir(), "bench.db")},
		"postgres": {Backend: postgres.Name, URL: pgtest.New(b)},
	}
}

// BenchmarkAdd is one added memory's write: a new file of one chunk indexed
// in its own write transaction, in a store already holding 2000 chunks.
//
//	go test -run '^$' -bench BenchmarkAdd -count 5 ./internal/store/postgres/
func BenchmarkAdd(b *testing.B) {
	ctx := context.Background()
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			db, err := store.Open(ctx, backendsFor(b)[name], store.OpenOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			var base []store.Chunk
			for i := range 2000 {
				base = append(base, store.Chunk{Content: fmt.Sprintf("note %d about deploys, reviews and the on-call rota", i),
					ContentHash: fmt.Sprint(i), StartLine: i})
			}
			if _, _, err := storetest.Replace(db, store.File{Path: "/base.md", Namespace: "default", SHA256: "b"}, base...); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				f := store.File{Path: fmt.Sprintf("/m/%d.md", i), Namespace: "default", SHA256: fmt.Sprint(i)}
				c := storetest.Chunk(fmt.Sprintf("remember: the staging database moved to host %d, ask the platform team", i))
				if _, _, err := storetest.Replace(db, f, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
