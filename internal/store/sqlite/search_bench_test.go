package sqlite

// BM25 search on a generated corpus with a Zipf vocabulary, so that, as in
// real text, a 3-word query mixes common words (matching a third of the
// chunks) with rare ones. The corpus is built once per run and shared by
// every sub-benchmark. Each query runs twice, alternately: the query
// KeywordSearch ran before issue 9 (every match joined to chunks and
// sorted with its row; join-p50/p99) and KeywordSearch as shipped
// (p50/p99). Both must return the same top k, which is checked each time.
//
//	go test -run='^$' -bench=BM25 -benchtime=1x -timeout=40m -v ./internal/store/sqlite/
//
// MEMTOMEM_BENCH_BM25_N sets the corpus size (default 100000; building it
// takes 1–2 minutes on a 2-core machine); MEMTOMEM_BENCH_BM25_DB=path keeps the
// corpus in that file and reuses it on the next run. Each sub-benchmark
// runs every query of its set (200) once per b.N and reports p50/p99.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/store"
)

const (
	bm25Vocab   = 30000
	bm25Queries = 200
)

// zipfWord names vocabulary rank i with letters only, so the tokenizer
// keeps it whole; porter stemming may merge a few, which is harmless.
func zipfWord(i int) string {
	var sb strings.Builder
	sb.WriteString("w")
	for {
		sb.WriteByte(byte('a' + i%26))
		i /= 26
		if i == 0 {
			break
		}
	}
	sb.WriteString("x")
	return sb.String()
}

type bm25Corpus struct {
	db      *DB
	queries []string // FTS5 OR expressions, as the search package builds them
	err     error
}

var (
	bm25Once sync.Once
	bm25Fx   bm25Corpus
)

func bm25Fixture(b *testing.B) *bm25Corpus {
	bm25Once.Do(func() { bm25Fx = buildBM25Corpus(b) })
	if bm25Fx.err != nil {
		b.Fatal(bm25Fx.err)
	}
	return &bm25Fx
}

func buildBM25Corpus(b *testing.B) bm25Corpus {
	ctx := context.Background()
	n := 100_000
	if s := os.Getenv("MEMTOMEM_BENCH_BM25_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < perFile {
			return bm25Corpus{err: fmt.Errorf("MEMTOMEM_BENCH_BM25_N=%q: want a number >= %d", s, perFile)}
		}
		n = v
	}
	path := os.Getenv("MEMTOMEM_BENCH_BM25_DB")
	if path == "" {
		dir, err := os.MkdirTemp("", "mm-bench-bm25-*")
		if err != nil {
			return bm25Corpus{err: err}
		}
		// Not b.TempDir: the corpus outlives the sub-benchmark that built it.
		// The process ends with the run; the OS temp dir is the cache.
		path = filepath.Join(dir, "bench.db")
	}
	_, statErr := os.Stat(path)
	db, err := Open(ctx, path, Options{})
	if err != nil {
		return bm25Corpus{err: err}
	}
	r := rand.New(rand.NewPCG(benchSeed, 2))
	zipf := rand.NewZipf(r, 1.07, 2, bm25Vocab-1)
	if statErr != nil {
		start := time.Now()
		for f := 0; f < n/perFile; f++ {
			chunks := make([]store.Chunk, perFile)
			for i := range chunks {
				words := make([]string, 60+r.IntN(80))
				for j := range words {
					words[j] = zipfWord(int(zipf.Uint64()))
				}
				chunks[i] = store.Chunk{
					Hierarchy: []string{zipfWord(int(zipf.Uint64())) + " " + zipfWord(int(zipf.Uint64()))},
					Content:   strings.Join(words, " "), ContentHash: fmt.Sprintf("%d-%d", f, i),
					StartLine: 4 * i, EndLine: 4*i + 3, Namespace: "ns" + strconv.Itoa(r.IntN(benchNS)),
					Tags: []string{"t" + strconv.Itoa(r.IntN(20))}, CreatedAt: time.Unix(1_700_000_000+int64(f*perFile+i), 0),
				}
			}
			file := store.File{Path: fmt.Sprintf("/bench/%05d.md", f), Namespace: "ns0", SHA256: strconv.Itoa(f)}
			if _, _, err := db.ReplaceFile(ctx, store.Always, func() (store.File, []store.Chunk, error) { return file, chunks, nil }); err != nil {
				return bm25Corpus{err: err}
			}
		}
		b.Logf("built %d chunks in %v at %s", n, time.Since(start).Round(time.Millisecond), path)
	}
	// Query words skip the ~20 commonest ranks (stop words a user rarely
	// types) but otherwise follow the corpus: most queries hold a word that
	// matches many thousands of chunks.
	qr := rand.New(rand.NewPCG(benchSeed, 3))
	qz := rand.NewZipf(qr, 1.07, 2, bm25Vocab-1)
	fx := bm25Corpus{db: db}
	for len(fx.queries) < bm25Queries {
		var parts []string
		for len(parts) < 3 {
			if w := int(qz.Uint64()); w >= 20 {
				parts = append(parts, `"`+zipfWord(w)+`"`)
			}
		}
		fx.queries = append(fx.queries, strings.Join(parts, " OR "))
	}
	return fx
}

// keywordSearchJoin is KeywordSearch as it was before issue 9: every match
// of the OR is joined to chunks and sorted with its row. Kept as the
// reference for the differential tests and the benchmark.
func keywordSearchJoin(ctx context.Context, db *DB, q store.KeywordQuery) ([]store.Hit, error) {
	where, args := filterSQL(q.Filter)
	where = append([]string{"chunks_fts MATCH ?"}, where...)
	args = append([]any{fts5Match(q.Phrases)}, args...)
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	query := `SELECT ` + chunkColumns + `, -bm25(chunks_fts, ` + bm25Weights + `) AS score
		FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid` + whereClause(where) +
		` ORDER BY bm25(chunks_fts, ` + bm25Weights + `) LIMIT ?`
	return db.queryHits(ctx, query, append(args, limit)...)
}

func BenchmarkBM25(b *testing.B) {
	fx := bm25Fixture(b)
	ctx := context.Background()
	filters := []struct {
		name string
		f    store.Filter
	}{
		{"default", store.Filter{}},
		{"ns", store.Filter{Namespaces: []string{"ns3"}}},
	}
	for _, k := range []int{10, 40} {
		for _, fl := range filters {
			b.Run(fmt.Sprintf("k=%d/%s", k, fl.name), func(b *testing.B) {
				// The old and the new query alternate, query by query, so
				// that a noisy machine slows both alike; each answer is
				// checked against the other, since a fast wrong search is
				// no result.
				//
				// Wall time on a shared machine is mostly other processes'
				// turns; the CPU time of the query's own thread is not (the
				// driver runs SQLite on the calling goroutine, locked here to
				// its thread), so it is reported too.
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				var old, cur, oldCPU, curCPU []time.Duration
				hits := 0
				for b.Loop() {
					for _, m := range fx.queries {
						q := store.KeywordQuery{Phrases: phrases(m), Filter: fl.f, Limit: k}
						start, cpu := time.Now(), threadCPU()
						want, err := keywordSearchJoin(ctx, fx.db, q)
						old, oldCPU = append(old, time.Since(start)), append(oldCPU, threadCPU()-cpu)
						if err != nil {
							b.Fatal(err)
						}
						start, cpu = time.Now(), threadCPU()
						got, err := fx.db.KeywordSearch(ctx, q)
						cur, curCPU = append(cur, time.Since(start)), append(curCPU, threadCPU()-cpu)
						if err != nil {
							b.Fatal(err)
						}
						if d := diffHits(want, got); d != "" {
							b.Fatalf("%s: %s", m, d)
						}
						hits += len(got)
					}
				}
				ms := func(lat []time.Duration, p int) float64 {
					slices.Sort(lat)
					return float64(lat[len(lat)*p/100].Microseconds()) / 1000
				}
				b.ReportMetric(ms(old, 50), "join-p50-ms")
				b.ReportMetric(ms(old, 99), "join-p99-ms")
				b.ReportMetric(ms(cur, 50), "p50-ms")
				b.ReportMetric(ms(cur, 99), "p99-ms")
				b.ReportMetric(ms(oldCPU, 50), "join-cpu-p50-ms")
				b.ReportMetric(ms(oldCPU, 99), "join-cpu-p99-ms")
				b.ReportMetric(ms(curCPU, 50), "cpu-p50-ms")
				b.ReportMetric(ms(curCPU, 99), "cpu-p99-ms")
				b.ReportMetric(float64(hits)/float64(len(cur)), "hits/query")
			})
		}
	}
}

// threadCPU is the CPU time the calling thread has used so far.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rusageThread is Linux's RUSAGE_THREAD, which package syscall does not name.
const rusageThread = 1

// diffHits says how two ranked lists differ, "" when they hold the same
// chunks with the same scores (to 1e-9) in the same order. Chunks whose
// scores tie may come in either order, and a tie straddling the cut may
// keep either chunk.
func diffHits(want, got []store.Hit) string {
	if len(want) != len(got) {
		return fmt.Sprintf("%d hits, want %d", len(got), len(want))
	}
	const eps = 1e-9
	for i := range want {
		if math.Abs(want[i].Score-got[i].Score) > eps {
			return fmt.Sprintf("hit %d: score %.12f, want %.12f", i, got[i].Score, want[i].Score)
		}
	}
	if len(want) == 0 {
		return ""
	}
	cut := want[len(want)-1].Score
	ids := func(hs []store.Hit) []string {
		var out []string
		for _, h := range hs {
			if h.Score > cut+eps {
				out = append(out, h.ID)
			}
		}
		slices.Sort(out)
		return out
	}
	if w, g := ids(want), ids(got); !slices.Equal(w, g) {
		return fmt.Sprintf("ids %v, want %v", g, w)
	}
	return ""
}
