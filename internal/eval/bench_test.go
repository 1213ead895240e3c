package eval

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/search"
	"github.com/memtomem/memtomem/internal/store"
)

// evalDir is where the shared evaluation sets live (licensed for evaluation
// only, so they are never copied into the repository). Override with
// MEMTOMEM_EVAL_DATA.
func evalDir(b *testing.B, name string) string {
	dir := os.Getenv("MEMTOMEM_EVAL_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "eval-data")
	}
	dir = filepath.Join(dir, name)
	if _, err := os.Stat(dir); err != nil {
		b.Skipf("evaluation data not found at %s (set MEMTOMEM_EVAL_DATA)", dir)
	}
	return dir
}

// BenchmarkSciFactIndex measures indexing the SciFact corpus into a fresh store.
func BenchmarkSciFactIndex(b *testing.B) {
	ds, err := Load(evalDir(b, "scifact"), "train")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db, err := OpenCorpus(ctx, store.Location{Path: filepath.Join(b.TempDir(), "bench.db")}, ds.Docs, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
	b.ReportMetric(float64(len(ds.Docs)*b.N)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkSciFactSearch runs the train queries round-robin and reports the
// latency distribution of single searches (top 10, as an agent asks).
func BenchmarkSciFactSearch(b *testing.B) {
	ds, err := Load(evalDir(b, "scifact"), "train")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	db, err := OpenCorpus(ctx, store.Location{Path: filepath.Join(b.TempDir(), "bench.db")}, ds.Docs, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	engine := &search.Engine{Store: db}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := ds.Queries[i%len(ds.Queries)]
		start := time.Now()
		if _, err := engine.Search(ctx, search.Request{Query: q.Text, TopK: 10}); err != nil && err != search.ErrEmptyQuery {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
