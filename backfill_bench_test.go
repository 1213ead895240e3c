package memtomem_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/embed/embedtest"
)

// benchSections is how many chunks each generated file holds.
const benchSections = 50

// writeCorpus writes markdown files holding about n chunks (benchSections
// sections of ~300 bytes each, every one its own chunk) under dir.
func writeCorpus(tb testing.TB, dir string, n int) {
	tb.Helper()
	words := strings.Fields("release checklist deploy runbook build breaks postgres vacuum nightly garage winter " +
		"sedan cache eviction latency budget rollout canary metrics alert pager rotation schema migration index " +
		"backfill vector embedding keyword search ranking quality")
	for f := 0; f*benchSections < n; f++ {
		var sb strings.Builder
		fmt.Fprintf(&sb, "# Notes %d\n\n", f)
		for s := 0; s < benchSections && f*benchSections+s < n; s++ {
			k := f*benchSections + s
			fmt.Fprintf(&sb, "## Topic %d\n\n", k)
			for w := 0; w < 40; w++ {
				sb.WriteString(words[(k*7+w*13+w*w)%len(words)])
				sb.WriteByte(' ')
			}
			fmt.Fprintf(&sb, "item %d.\n\n", k)
		}
		sub := filepath.Join(dir, fmt.Sprintf("d%02d", f%20))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("n%05d.md", f)), []byte(sb.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// hashEmbedder is a cheap deterministic embedder: each word adds to one
// dimension picked by its hash. It keeps the provider's share of a
// backfill small, so the benchmark measures the store's.
func hashEmbedder(dim int) func(string) []float32 {
	return func(text string) []float32 {
		v := make([]float32, dim)
		for _, w := range strings.Fields(text) {
			h := fnv.New32a()
			h.Write([]byte(w))
			v[h.Sum32()%uint32(dim)]++
		}
		var ss float64
		for _, x := range v {
			ss += float64(x) * float64(x)
		}
		if ss > 0 {
			for i := range v {
				v[i] /= float32(math.Sqrt(ss))
			}
		}
		return v
	}
}

// BenchmarkIndexKeyword measures `mm index` of a fresh corpus keyword-only
// (no provider), reporting chunks/s:
//
//	go test -run '^$' -bench 'BenchmarkIndexKeyword' -benchtime 1x -count 5 .
func BenchmarkIndexKeyword(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			corpus := b.TempDir()
			writeCorpus(b, corpus, n)
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				m, err := memtomem.Open(ctx, config.Default(b.TempDir()))
				if err != nil {
					b.Fatal(err)
				}
				cpu := cpuTime()
				b.StartTimer()
				st, err := m.Index(ctx, memtomem.IndexRequest{Paths: []string{corpus}, Recursive: true})
				b.StopTimer()
				if err != nil || st.ChunksIndexed < n || len(st.Errors) > 0 {
					b.Fatalf("index: %d chunks, %v %v", st.ChunksIndexed, st.Errors, err)
				}
				b.ReportMetric(float64(st.ChunksIndexed)/st.Duration.Seconds(), "chunks/s")
				// On a loaded machine wall time says more about the neighbours
				// than about mm; the CPU time it took does not.
				b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(st.ChunksIndexed), "cpu-µs/chunk")
				m.Close()
				b.StartTimer()
			}
		})
	}
}

// BenchmarkBackfill measures `mm embedding-reset --mode apply-current` on
// a store of n chunks, with the test embedder over real HTTP (384
// dimensions). Each iteration switches to the other of two models, so
// every chunk is embedded again:
//
//	go test -run '^$' -bench 'BenchmarkBackfill' -benchtime 1x -count 3 .
func BenchmarkBackfill(b *testing.B) {
	for _, n := range []int{10_000, 30_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ctx := context.Background()
			srv := embedtest.NewOpenAIServer(b, hashEmbedder(384))
			corpus, home := b.TempDir(), b.TempDir()
			writeCorpus(b, corpus, n)
			m, err := memtomem.Open(ctx, config.Default(home))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.Index(ctx, memtomem.IndexRequest{Paths: []string{corpus}, Recursive: true}); err != nil {
				b.Fatal(err)
			}
			m.Close()
			i := 0
			for b.Loop() {
				b.StopTimer()
				cfg := config.Default(home)
				cfg.Embedding = config.EmbeddingConfig{Provider: "openai", Model: fmt.Sprint("hash", i%2), Dimension: 384, BaseURL: srv.URL + "/v1"}
				i++
				m, err := memtomem.Open(ctx, cfg)
				if err != nil {
					b.Fatal(err)
				}
				cpu := cpuTime()
				b.StartTimer()
				st, err := m.ApplyCurrentEmbedding(ctx, nil)
				b.StopTimer()
				if err != nil || st.WithVector < n || st.Missing != 0 {
					b.Fatalf("apply-current: %+v %v", st, err)
				}
				// The process's CPU time, the test server's included.
				b.ReportMetric(float64((cpuTime() - cpu).Milliseconds()), "cpu-ms/op")
				m.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "chunks/s")
		})
	}
}
