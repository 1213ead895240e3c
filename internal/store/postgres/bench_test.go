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

// BenchmarkProjectView is a keyword search in the default view inside a
// project (other projects hidden) on a store of 20,000 chunks: 19,000 in
// the default namespace, 1,000 in this project and none in another, so the
// view hides nothing. "none" is the same search without a project.
//
//	go test -run '^$' -bench BenchmarkProjectView -benchtime 300x -count 3 ./internal/store/postgres/
func BenchmarkProjectView(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, store.Location{Backend: postgres.Name, URL: pgtest.New(b)}, store.OpenOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	// 600 words, 6 a chunk: a word is in about 200 chunks, so the search
	// itself is cheap and what the filter costs shows.
	var words []string
	for i := range 600 {
		words = append(words, fmt.Sprintf("w%03dx", i))
	}
	word := func(k, j int) string { return words[(k*7919+j*104729+k*j)%len(words)] }
	for f := range 20 {
		ns := "default"
		if f == 0 {
			ns = "project:lark"
		}
		var cs []store.Chunk
		for i := range 1000 {
			k := f*1000 + i
			c := storetest.Chunk(fmt.Sprintf("note %d: %s %s %s %s %s %s", k, word(k, 0), word(k, 1), word(k, 2), word(k, 3), word(k, 4), word(k, 5)))
			c.Namespace, c.StartLine = ns, i
			cs = append(cs, c)
		}
		if _, _, err := storetest.Replace(db, store.File{Path: fmt.Sprintf("/n/%d.md", f), Namespace: ns, SHA256: fmt.Sprint(f)}, cs...); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.MergeKeywordIndex(ctx); err != nil { // as mm index does after a walk: vacuum and analyze
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    store.Filter
	}{{"none", store.Filter{}}, {"project", store.Filter{Project: "project:lark"}}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				q := store.KeywordQuery{Phrases: storetest.Words(words[i%len(words)], words[(i*31+7)%len(words)]), Filter: c.f, Limit: 10}
				if hits, err := db.KeywordSearch(ctx, q); err != nil || len(hits) != 10 {
					b.Fatalf("%d hits, %v", len(hits), err)
				}
			}
		})
	}
}
