package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/store"
)

// BenchmarkDenseRSS measures what the dense index costs in memory, in a
// process of its own that only searches (as `mm serve` does): resident
// size after opening the store and a keyword search, after the first dense
// query (which builds the index), and after many searches of both legs;
// and the latency of the first dense query (the lazy load) and of the
// rest: both legs' store calls (p50/p99-ms) and the dense one alone.
//
//	MEMTOMEM_BENCH_LARGE=1 go test -run='^$' -bench=DenseRSS -benchtime=1x -timeout=30m ./internal/store/sqlite/
//
// Each mode (index; sqlscan, the search before the index) runs in its own
// child on the same fixture.
func BenchmarkDenseRSS(b *testing.B) {
	n := 10_000
	if os.Getenv("MEMTOMEM_BENCH_LARGE") != "" {
		n = 100_000
	}
	fx := buildDenseFixture(b, n)
	path := fx.db.Path()
	// "sqlscan" is the dense search before the index (denseSQLScan), in
	// the same harness, for the figures side by side.
	for _, mode := range []string{"index", "sqlscan"} {
		b.Run(mode, func(b *testing.B) { denseRSSChild(b, path, mode) })
	}
}

func denseRSSChild(b *testing.B, path, mode string) {
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDenseRSSChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "MEMTOMEM_DENSE_RSS_CHILD="+path, "MEMTOMEM_DENSE_RSS_MODE="+mode)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("child: %v\n%s", err, out)
		}
		var r rssReport
		for _, line := range slices.Collect(splitLines(out)) {
			if json.Unmarshal(line, &r) == nil && r.Queries > 0 {
				break
			}
		}
		if r.Queries == 0 {
			b.Fatalf("child reported nothing:\n%s", out)
		}
		b.ReportMetric(r.OpenMiB, "open-rss-MiB")
		b.ReportMetric(r.LoadedMiB, "loaded-rss-MiB")
		b.ReportMetric(r.AfterMiB, "after-rss-MiB")
		b.ReportMetric(r.FirstMS, "first-dense-ms")
		b.ReportMetric(r.P50MS, "p50-ms")
		b.ReportMetric(r.P99MS, "p99-ms")
		b.ReportMetric(r.DenseP50MS, "dense-p50-ms")
		b.ReportMetric(r.DenseP99MS, "dense-p99-ms")
	}
}

type rssReport struct {
	OpenMiB, LoadedMiB, AfterMiB float64
	FirstMS, P50MS, P99MS        float64
	DenseP50MS, DenseP99MS       float64
	Queries                      int
}

func splitLines(b []byte) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			i := slices.Index(b, '\n')
			if i < 0 {
				i = len(b)
			}
			if !yield(b[:i]) {
				return
			}
			b = b[min(i+1, len(b)):]
		}
	}
}

// TestDenseRSSChild is BenchmarkDenseRSS's child process; it does nothing
// unless started by it.
func TestDenseRSSChild(t *testing.T) {
	path := os.Getenv("MEMTOMEM_DENSE_RSS_CHILD")
	if path == "" {
		t.Skip("started only by BenchmarkDenseRSS")
	}
	ctx := context.Background()
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	denseSearch := db.DenseSearch
	if os.Getenv("MEMTOMEM_DENSE_RSS_MODE") == "sqlscan" {
		denseSearch = func(ctx context.Context, q store.DenseQuery) ([]store.Hit, error) { return denseSQLScan(ctx, db, q) }
	}
	if _, err := db.KeywordSearch(ctx, store.KeywordQuery{Phrases: []store.Phrase{{Words: []string{"memory"}}}, Limit: 40}); err != nil {
		t.Fatal(err)
	}
	var r rssReport
	r.OpenMiB = rssMB()
	fx := &denseFixture{db: db}
	queries := benchQueries(64)
	start := time.Now()
	if _, err := denseSearch(ctx, store.DenseQuery{Generation: benchGen, Vector: queries[0], Limit: 40}); err != nil {
		t.Fatal(err)
	}
	r.FirstMS = float64(time.Since(start).Microseconds()) / 1000
	r.LoadedMiB = rssMB()
	var lat, dlat []time.Duration
	for i := range 100 {
		t0 := time.Now()
		// A hybrid search's two store calls, at the depth the engine asks.
		if _, err := fx.db.KeywordSearch(ctx, store.KeywordQuery{Phrases: []store.Phrase{{Words: []string{benchWords[i%len(benchWords)]}}}, Limit: 40}); err != nil {
			t.Fatal(err)
		}
		t1 := time.Now()
		if _, err := denseSearch(ctx, store.DenseQuery{Generation: benchGen, Vector: queries[i%len(queries)], Limit: 40}); err != nil {
			t.Fatal(err)
		}
		lat, dlat = append(lat, time.Since(t0)), append(dlat, time.Since(t1))
	}
	slices.Sort(dlat)
	r.DenseP50MS = float64(dlat[len(dlat)/2].Microseconds()) / 1000
	r.DenseP99MS = float64(dlat[len(dlat)*99/100].Microseconds()) / 1000
	r.AfterMiB = rssMB()
	slices.Sort(lat)
	r.P50MS = float64(lat[len(lat)/2].Microseconds()) / 1000
	r.P99MS = float64(lat[len(lat)*99/100].Microseconds()) / 1000
	r.Queries = len(lat)
	line, _ := json.Marshal(r)
	fmt.Println(string(line))
}

// benchQueries are n random unit query vectors, the same in every process.
func benchQueries(n int) [][]float32 {
	r := rand.New(rand.NewPCG(benchSeed, 2))
	out := make([][]float32, n)
	for i := range out {
		out[i] = randUnit(r, benchDim)
	}
	return out
}
