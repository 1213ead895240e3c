package sqlite

// Benchmarks behind the vector-storage decision (docs/vector-storage.md):
// the same chunks and vectors searched several ways.
//
//	index     the shipped DenseSearch: the in-memory int8 index proposes
//	          candidates, their rows are re-scored exactly by SQL
//	gofunc    chunk_vectors BLOBs selected by SQL (filters in WHERE), scored
//	          by a Go function SQLite calls with zero-copy arguments, top k
//	          by ORDER BY score LIMIT k — DenseSearch before the index
//	gorows    the same rows returned to Go through database/sql (one copy
//	          of each blob) and scored there with a bounded heap
//
// and, with -tags sqlitevec (vectors_vec_bench_test.go):
//
//	sqlvec    the same rows scored inside SQLite by sqlite-vec's
//	          vec_distance_cosine, ORDER BY distance LIMIT k
//	vec0      a sqlite-vec vec0 virtual table, KNN with MATCH and k; filters
//	          on chunk columns can only run after the k nearest are picked
//	vec0meta  the same, with an equality filter on a metadata column copied
//	          into the vec0 table, which does run inside the KNN
//
// Each runs unfiltered and with a namespace filter matching ~10% of the
// chunks; hits/op shows whether a filtered query still fills its k. The
// variants must return the same top k (vec0 filtered excepted), which is
// checked before timing.
//
//	go test [-tags sqlitevec] -run='^$' -bench=Dense -benchtime=100x -v ./internal/store/sqlite/
//	MEMTOMEM_BENCH_LARGE=1 go test [-tags sqlitevec] -run='^$' -bench=Dense/n=100k -benchtime=30x -timeout=30m -v ./internal/store/sqlite/
//
// The 100k case is opt-in: its fixture alone takes ~15 s to build on a
// 2-core machine and the whole run close to a minute. MEMTOMEM_BENCH_MMAP_MB=N
// re-opens the readers with mmap_size N MB (an experiment: the store's
// readers do not use mmap).

import (
	"container/heap"
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/vector"
)

const (
	benchDim  = 384
	benchK    = 10
	benchGen  = "bench/random/384"
	benchNS   = 10 // namespaces ns0..ns9, so one namespace is ~10% of the chunks
	perFile   = 100
	benchSeed = 42
)

var benchWords = strings.Fields(`memory agent search index vector chunk markdown sqlite store query
	filter namespace tag session editor server process lock write read commit schema migration
	embedding model token heading entry file path config error retry backoff jitter cache page`)

type denseFixture struct {
	db      *DB
	queries [][]float32
}

func randUnit(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	var ss float64
	for i := range v {
		x := r.NormFloat64()
		v[i] = float32(x)
		ss += x * x
	}
	inv := float32(1 / math.Sqrt(ss))
	for i := range v {
		v[i] *= inv
	}
	return v
}

func dbBytes(b *testing.B, db *DB) int64 {
	var pages, size int64
	if err := db.writer.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		b.Fatal(err)
	}
	db.writer.QueryRow(`PRAGMA page_size`).Scan(&size)
	return pages * size
}

func rssMB() float64 {
	s, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(s), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// buildDenseFixture indexes n chunks (~600 bytes of text each, random
// namespace and tag) in files of 100, stores a random unit vector for each
// through PutVectors in batches of 64 (the embedding batch size), and
// copies the same vectors into a vec0 table. It logs the time and database
// growth of each step.
func buildDenseFixture(b *testing.B, n int) *denseFixture {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "bench.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	r := rand.New(rand.NewPCG(benchSeed, 1))

	start := time.Now()
	var all []store.Chunk
	for f := 0; f < n/perFile; f++ {
		chunks := make([]store.Chunk, perFile)
		for i := range chunks {
			var sb strings.Builder
			for sb.Len() < 600 {
				sb.WriteString(benchWords[r.IntN(len(benchWords))])
				sb.WriteByte(' ')
			}
			text := sb.String()
			chunks[i] = store.Chunk{
				Hierarchy: []string{"Entry " + strconv.Itoa(i)}, Content: text,
				ContentHash: fmt.Sprintf("%d-%d", f, i), StartLine: 4 * i, EndLine: 4*i + 3,
				Namespace: "ns" + strconv.Itoa(r.IntN(benchNS)),
				Tags:      []string{"t" + strconv.Itoa(r.IntN(20))},
				CreatedAt: time.Unix(1_700_000_000+int64(f*perFile+i), 0),
			}
		}
		file := store.File{Path: fmt.Sprintf("/bench/%05d.md", f), Namespace: "ns0", SHA256: strconv.Itoa(f)}
		_, stored, err := db.ReplaceFile(ctx, store.Always, func() (store.File, []store.Chunk, error) { return file, chunks, nil })
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, stored...)
	}
	chunkTime, chunkBytes := time.Since(start), dbBytes(b, db)

	vecs := make([][]float32, len(all))
	for i := range vecs {
		vecs[i] = randUnit(r, benchDim)
	}
	start = time.Now()
	for i := 0; i < len(all); i += 64 {
		batch := make([]store.ChunkVector, 0, 64)
		for j := i; j < min(i+64, len(all)); j++ {
			batch = append(batch, store.ChunkVector{ChunkID: all[j].ID, ContentHash: all[j].ContentHash, Vector: vecs[j]})
		}
		if got, err := db.PutVectors(ctx, benchGen, batch); err != nil || got != len(batch) {
			b.Fatalf("PutVectors: %d of %d, %v", got, len(batch), err)
		}
	}
	blobTime, blobBytes := time.Since(start), dbBytes(b, db)

	b.Logf("n=%d: chunks %v (%.1f MB); chunk_vectors via PutVectors %v (+%.1f MB)",
		n, chunkTime.Round(time.Millisecond), float64(chunkBytes)/1e6,
		blobTime.Round(time.Millisecond), float64(blobBytes-chunkBytes)/1e6)
	if benchSetupVec0 != nil {
		benchSetupVec0(b, db, all, vecs)
	}

	// Experiment: memory-mapped reads. SQLite then copies pages from the
	// mapping instead of a pread per page that misses its 2 MB cache.
	if mb := os.Getenv("MEMTOMEM_BENCH_MMAP_MB"); mb != "" {
		reader, err := sql.Open("sqlite", dsn(path, true, nil)+"&_pragma="+url.QueryEscape("mmap_size("+mb+"000000)"))
		if err != nil {
			b.Fatal(err)
		}
		reader.SetMaxOpenConns(4)
		db.reader.Close()
		db.reader = reader
		b.Logf("readers use mmap_size %s MB", mb)
	}

	fx := &denseFixture{db: db}
	for range 64 {
		fx.queries = append(fx.queries, randUnit(r, benchDim))
	}
	return fx
}

// hitsByRowid reads the chunks of ranked rowids, as DenseSearch does, so
// that every variant returns the same thing: full hits.
func hitsByRowid(ctx context.Context, tx *sql.Tx, ids []int64, scores []float64) ([]store.Hit, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+chunkColumns+`, c.rowid FROM chunks c WHERE c.rowid IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[int64]store.Chunk{}
	for rows.Next() {
		var r int64
		c, err := scanChunk(rows, &r)
		if err != nil {
			return nil, err
		}
		m[r] = c
	}
	hits := make([]store.Hit, 0, len(ids))
	for i, id := range ids {
		hits = append(hits, store.Hit{Chunk: m[id], Score: scores[i]})
	}
	return hits, rows.Err()
}

// rankedQuery runs a query returning (rowid, score) best first and reads
// the chunks in the same snapshot.
func rankedQuery(ctx context.Context, db *DB, query string, args ...any) ([]store.Hit, error) {
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var ids []int64
	var scores []float64
	for rows.Next() {
		var id int64
		var s float64
		if err := rows.Scan(&id, &s); err != nil {
			rows.Close()
			return nil, err
		}
		ids, scores = append(ids, id), append(scores, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return hitsByRowid(ctx, tx, ids, scores)
}

// denseGoRows returns every candidate's blob to Go through database/sql
// (the driver copies each one) and keeps the best k in a heap.
func denseGoRows(ctx context.Context, db *DB, q store.DenseQuery) ([]store.Hit, error) {
	query := blobOf(q.Vector)
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	where, args := filterSQL(q.Filter)
	where = append([]string{"+v.generation = ?", "v.content_hash = c.content_hash"}, where...)
	args = append([]any{q.Generation}, args...)
	rows, err := tx.QueryContext(ctx, `SELECT v.chunk_rowid, v.vec FROM chunk_vectors v
		JOIN chunks c ON c.rowid = v.chunk_rowid`+whereClause(where), args...)
	if err != nil {
		return nil, err
	}
	h := &minHeap{}
	var rowid int64
	var blob sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&rowid, &blob); err != nil {
			rows.Close()
			return nil, err
		}
		s := scoredRow{rowid, float64(vector.DotBytes(query, blob))}
		if h.Len() < q.Limit {
			heap.Push(h, s)
		} else if s.better((*h)[0]) {
			(*h)[0] = s
			heap.Fix(h, 0)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	best := make([]scoredRow, h.Len())
	for i := len(best) - 1; i >= 0; i-- {
		best[i] = heap.Pop(h).(scoredRow)
	}
	ids, scores := make([]int64, len(best)), make([]float64, len(best))
	for i, s := range best {
		ids[i], scores[i] = s.rowid, s.score
	}
	return hitsByRowid(ctx, tx, ids, scores)
}

type scoredRow struct {
	rowid int64
	score float64
}

func (a scoredRow) better(b scoredRow) bool {
	return a.score > b.score || a.score == b.score && a.rowid < b.rowid
}

// minHeap has the worst kept row at its root.
type minHeap []scoredRow

func (h minHeap) Len() int           { return len(h) }
func (h minHeap) Less(i, j int) bool { return h[j].better(h[i]) }
func (h minHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)        { *h = append(*h, x.(scoredRow)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type denseVariant struct {
	name string
	run  func(context.Context, *DB, store.DenseQuery) ([]store.Hit, error)
}

var denseVariants = []denseVariant{
	{"index", func(ctx context.Context, db *DB, q store.DenseQuery) ([]store.Hit, error) {
		return db.DenseSearch(ctx, q)
	}},
	{"gofunc", denseSQLScan},
	{"gorows", denseGoRows},
}

// denseSQLScan is the DenseSearch that shipped before the in-memory index:
// one SELECT over every vector of the generation joined to its chunk, the
// filters in its WHERE, scored by the Go function SQLite calls, the best k
// kept by SQLite's bounded sorter.
func denseSQLScan(ctx context.Context, db *DB, q store.DenseQuery) ([]store.Hit, error) {
	where, args := filterSQL(q.Filter)
	where = append([]string{"+v.generation = ?", "v.content_hash = c.content_hash"}, where...)
	args = append([]any{blobOf(q.Vector), q.Generation}, args...)
	args = append(args, q.Limit)
	return db.queryHits(ctx, `SELECT `+chunkColumns+`, `+dotFunc+`(v.vec, ?) AS score
		FROM chunk_vectors v JOIN chunks c ON c.rowid = v.chunk_rowid`+whereClause(where)+`
		ORDER BY score DESC, v.chunk_rowid LIMIT ?`, args...)
}

// benchSetupVec0 builds the vec0 table when the sqlite-vec variants are
// compiled in (vectors_vec_bench_test.go, build tag sqlitevec).
var benchSetupVec0 func(b *testing.B, db *DB, chunks []store.Chunk, vecs [][]float32)

func BenchmarkDense(b *testing.B) {
	sizes := []int{10_000}
	if os.Getenv("MEMTOMEM_BENCH_LARGE") != "" {
		sizes = append(sizes, 100_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%dk", n/1000), func(b *testing.B) {
			fx := buildDenseFixture(b, n)
			ctx := context.Background()
			filters := []struct {
				name string
				f    store.Filter
			}{
				{"all", store.Filter{}},
				{"ns10pct", store.Filter{Namespaces: []string{"ns3"}}},
			}
			// The variants must agree wherever they can apply the filter
			// before k: same top-k, in the same order.
			for _, fl := range filters {
				for _, qv := range fx.queries[:4] {
					q := store.DenseQuery{Generation: benchGen, Vector: qv, Filter: fl.f, Limit: benchK}
					var want []string
					for _, v := range denseVariants {
						hits, err := v.run(ctx, fx.db, q)
						if err != nil {
							b.Fatalf("%s: %v", v.name, err)
						}
						if v.name == "vec0" && fl.name != "all" {
							continue // post-filtered: a subset, checked by hits/op
						}
						var got []string
						for _, h := range hits {
							got = append(got, h.ID)
						}
						if want == nil {
							want = got
						} else if !slices.Equal(got, want) {
							b.Fatalf("%s/%s disagrees with index:\n got %v\nwant %v", v.name, fl.name, got, want)
						}
					}
				}
			}
			// The index after another connection's commit: each query
			// first re-reads the changed and the top rowid buckets.
			b.Run("index/all-after-write", func(b *testing.B) {
				var c store.Chunk
				var vec []byte
				err := fx.db.reader.QueryRow(`SELECT `+chunkColumns+`, v.vec FROM chunks c JOIN chunk_vectors v ON v.chunk_rowid = c.rowid ORDER BY c.rowid LIMIT 1`).
					Scan(&c.ID, &c.Source, new(string), &c.Content, &c.StartLine, &c.EndLine, &c.ContentHash, &c.Namespace, new(string), &c.EntryID, new(int64), new(int64), &vec)
				if err != nil {
					b.Fatal(err)
				}
				cv := []store.ChunkVector{{ChunkID: c.ID, ContentHash: c.ContentHash, Vector: vector.Decode(vec)}}
				lat := make([]time.Duration, 0, b.N)
				for i := 0; b.Loop(); i++ {
					if _, err := fx.db.PutVectors(ctx, benchGen, cv); err != nil {
						b.Fatal(err)
					}
					t0 := time.Now()
					if _, err := fx.db.DenseSearch(ctx, store.DenseQuery{Generation: benchGen, Vector: fx.queries[i%len(fx.queries)], Limit: benchK}); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			})
			// The bookkeeping calls the embedding loop makes, when every
			// chunk already has a vector (their worst case: a full scan).
			b.Run("upkeep/VectorStats", func(b *testing.B) {
				for b.Loop() {
					if st, err := fx.db.VectorStats(ctx, benchGen); err != nil || st.WithVector != n {
						b.Fatal(st, err)
					}
				}
			})
			b.Run("upkeep/ChunksWithoutVectors", func(b *testing.B) {
				for b.Loop() {
					if cs, _, err := fx.db.ChunksWithoutVectors(ctx, benchGen, "", 0, 64); err != nil || len(cs) != 0 {
						b.Fatal(len(cs), err)
					}
				}
			})
			for _, v := range denseVariants {
				for _, fl := range filters {
					b.Run(v.name+"/"+fl.name, func(b *testing.B) {
						b.ReportAllocs()
						lat := make([]time.Duration, 0, b.N)
						hits := 0
						for i := 0; b.Loop(); i++ {
							q := store.DenseQuery{Generation: benchGen, Vector: fx.queries[i%len(fx.queries)], Filter: fl.f, Limit: benchK}
							t0 := time.Now()
							h, err := v.run(ctx, fx.db, q)
							lat = append(lat, time.Since(t0))
							if err != nil {
								b.Fatal(err)
							}
							hits += len(h)
						}
						slices.Sort(lat)
						ms := func(p float64) float64 {
							return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
						}
						b.ReportMetric(ms(0.50), "p50-ms")
						b.ReportMetric(ms(0.99), "p99-ms")
						b.ReportMetric(float64(hits)/float64(len(lat)), "hits/op")
						b.ReportMetric(rssMB(), "rss-MB")
					})
				}
			}
		})
	}
}

// BenchmarkOpenStore is Open, one query on a reader, Close: the price every
// mm invocation pays per connection. Compare with -tags sqlitevec to see
// what installing sqlite-vec on every connection costs.
func BenchmarkOpenStore(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "open.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	db.Close()
	for b.Loop() {
		db, err := Open(ctx, path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := db.Meta(ctx, "x"); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}
