package search

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/embed"
	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/store/sqlite"
)

// randomEmbedder gives every text a fixed pseudo-random unit vector: the
// cost of the dense leg does not depend on what the vectors mean.
type randomEmbedder struct{ dim int }

func (r randomEmbedder) Generation() embed.Generation {
	return embed.Generation{Provider: "bench", Model: "random", Dimension: r.dim}
}

func (r randomEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		h := fnv.New64a()
		h.Write([]byte(t))
		out[i] = unitVector(rand.New(rand.NewPCG(h.Sum64(), 1)), r.dim)
	}
	return out, nil
}

// providerEmbedder is randomEmbedder behind a provider's round trip: the
// time a local model (or a network hop) takes to embed the query, during
// which the keyword leg can run.
type providerEmbedder struct {
	randomEmbedder
	delay time.Duration
}

func (p providerEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	select {
	case <-time.After(p.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return p.randomEmbedder.Embed(ctx, texts)
}

func unitVector(rng *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	var n float64
	for i := range v {
		v[i] = float32(rng.NormFloat64())
		n += float64(v[i]) * float64(v[i])
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}

// benchStore builds a store of n chunks of 40 words from a 5,000-word
// vocabulary, each with a 384-dimensional vector.
func benchStore(b *testing.B, n int) (*sqlite.DB, []string) {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 5000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%dx%c", i, 'a'+rune(i%26))
	}
	emb := randomEmbedder{dim: 384}
	gen := emb.Generation().String()
	const perFile = 200
	for f := 0; f < n/perFile; f++ {
		chunks := make([]store.Chunk, perFile)
		for i := range chunks {
			words := make([]string, 40)
			for j := range words {
				words[j] = vocab[int(rng.ExpFloat64()*600)%len(vocab)]
			}
			text := strings.Join(words, " ")
			chunks[i] = store.Chunk{Content: text, ContentHash: fmt.Sprint(f, "/", i), Namespace: []string{"default", "work"}[i%2]}
		}
		_, chunks, err := db.ReplaceFile(ctx, store.Always, func() (store.File, []store.Chunk, error) {
			return store.File{Path: fmt.Sprintf("/bench/%d.md", f), Namespace: "default"}, chunks, nil
		})
		if err != nil {
			b.Fatal(err)
		}
		vecs := make([]store.ChunkVector, len(chunks))
		for i, c := range chunks {
			vecs[i] = store.ChunkVector{ChunkID: c.ID, ContentHash: c.ContentHash, Vector: unitVector(rng, 384)}
		}
		if _, err := db.PutVectors(ctx, gen, vecs); err != nil {
			b.Fatal(err)
		}
	}
	queries := make([]string, 200)
	for i := range queries {
		queries[i] = strings.Join([]string{vocab[rng.IntN(800)], vocab[rng.IntN(800)], vocab[rng.IntN(2000)]}, " ")
	}
	return db, queries
}

func sizes(b *testing.B) []int {
	if os.Getenv("MEMTOMEM_BENCH_LARGE") != "" {
		return []int{10_000, 100_000}
	}
	return []int{10_000}
}

// BenchmarkSearch measures one search (top 10) per leg setup at 10k chunks,
// and 100k with MEMTOMEM_BENCH_LARGE=1, reporting p50/p99 latency and the
// Go heap in use afterwards.
//
//	go test -run=^$ -bench=BenchmarkSearch -benchtime=200x ./internal/search/
func BenchmarkSearch(b *testing.B) {
	for _, n := range sizes(b) {
		db, queries := benchStore(b, n)
		emb := randomEmbedder{dim: 384}
		one, zero := 1.0, 0.0
		for _, leg := range []struct {
			name    string
			bm, dns *float64
			filter  store.Filter
			emb     embed.Embedder
		}{
			{"bm25", &one, &zero, store.Filter{}, emb},
			{"dense", &zero, &one, store.Filter{}, emb},
			{"fused", &one, &one, store.Filter{}, emb},
			{"fused-filtered", &one, &one, store.Filter{Namespaces: []string{"work"}}, emb},
			// A provider that takes 10 ms to embed the query (a small
			// local model on this machine's cores takes about that).
			{"fused-provider", &one, &one, store.Filter{}, providerEmbedder{emb, 10 * time.Millisecond}},
		} {
			b.Run(fmt.Sprintf("%s/%dk", leg.name, n/1000), func(b *testing.B) {
				e := &Engine{Store: db, Embedder: leg.emb, Generation: leg.emb.Generation().String()}
				lat := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					start := time.Now()
					if _, err := e.Search(context.Background(), Request{Query: queries[i%len(queries)], TopK: 10,
						BM25Weight: leg.bm, DenseWeight: leg.dns, Filter: leg.filter}); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
				}
				b.StopTimer()
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
				// SQLite's page cache lives outside the Go heap: RSS shows it.
				if rss := residentMiB(); rss > 0 {
					b.ReportMetric(rss, "rss-MiB")
				}
			})
		}
	}
}

// residentMiB reads this process's resident set size (Linux; 0 elsewhere).
func residentMiB() float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			var kb float64
			fmt.Sscan(f[1], &kb)
			return kb / 1024
		}
	}
	return 0
}
