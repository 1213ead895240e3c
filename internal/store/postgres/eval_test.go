//go:build eval

package postgres_test

// The keyword ranking measured on SciFact train, PostgreSQL's two rankings
// beside SQLite's FTS5, through the engine mm search uses:
//
//	go test -tags eval -run TestSciFactRankings -v ./internal/store/postgres/
//
// The data is licensed for evaluation only and never copied here: it is read
// from ../shared/eval-data (MEMTOMEM_EVAL_DATA overrides).

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	_ "github.com/memtomem/memtomem/internal/backends"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/eval"
	"github.com/memtomem/memtomem/internal/pgtest"
	"github.com/memtomem/memtomem/internal/search"
	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/store/postgres"
)

func sciFact(t *testing.T) *eval.Dataset {
	dir := os.Getenv("MEMTOMEM_EVAL_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "eval-data")
	}
	dir = filepath.Join(dir, "scifact")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("evaluation data not found at %s (set MEMTOMEM_EVAL_DATA)", dir)
	}
	ds, err := eval.Load(dir, "train")
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// measured is one ranking's quality and per-query latency.
type measured struct {
	m        eval.Metrics
	index    time.Duration
	p50, p90 time.Duration
}

// load indexes the corpus into a fresh store at loc.
func load(t *testing.T, ctx context.Context, loc store.Location, ds *eval.Dataset) (store.DB, time.Duration) {
	t.Helper()
	var st eval.RunStats
	db, err := eval.OpenCorpus(ctx, loc, ds.Docs, &st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, st.IndexDuration
}

// rank runs every query through the search engine with the configuration's
// defaults, as mm eval does.
func rank(t *testing.T, ctx context.Context, db store.DB, ds *eval.Dataset) measured {
	t.Helper()
	engine := &search.Engine{Store: db, Defaults: search.DefaultsFor(config.Default(t.TempDir()).Search)}
	ranked := map[string][]string{}
	lat := make([]time.Duration, 0, len(ds.Queries))
	for _, q := range ds.Queries {
		start := time.Now()
		ids, err := eval.RankQuery(ctx, engine, q.Text, 100, nil, nil)
		lat = append(lat, time.Since(start))
		if err != nil {
			t.Fatalf("query %s: %v", q.ID, err)
		}
		ranked[q.ID] = ids
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return measured{m: eval.Score(ds, ranked), p50: lat[len(lat)/2], p90: lat[len(lat)*9/10]}
}

func TestSciFactRankings(t *testing.T) {
	ds := sciFact(t)
	ctx := context.Background()
	results := map[string]measured{}
	if n, _ := strconv.Atoi(os.Getenv("MM_EVAL_QUERIES")); n > 0 && n < len(ds.Queries) {
		ds.Queries = ds.Queries[:n] // a quick look; the figures need all of them
	}
	lite, liteIndex := load(t, ctx, store.Location{Backend: "sqlite", Path: filepath.Join(t.TempDir(), "eval.db")}, ds)
	r := rank(t, ctx, lite, ds)
	r.index = liteIndex
	results["sqlite fts5 bm25"] = r

	// One database, loaded once; only the ranking of the queries changes.
	pg, pgIndex := load(t, ctx, store.Location{Backend: postgres.Name, URL: pgtest.New(t)}, ds)
	defer func() { postgres.Ranking, postgres.RankCDNormalization = postgres.RankBM25, 1 }()
	for _, r := range []struct {
		name    string
		ranking string
		norm    int
	}{
		{"postgres bm25", postgres.RankBM25, 0},
		{"postgres ts_rank_cd norm=0", postgres.RankCD, 0},
		{"postgres ts_rank_cd norm=1", postgres.RankCD, 1},
		{"postgres ts_rank_cd norm=2", postgres.RankCD, 2},
	} {
		postgres.Ranking, postgres.RankCDNormalization = r.ranking, r.norm
		m := rank(t, ctx, pg, ds)
		m.index = pgIndex
		results[r.name] = m
		t.Logf("%s: nDCG@10 %.4f, query p50 %s", r.name, m.m.NDCG10, m.p50)
	}
	names := make([]string, 0, len(results))
	for n := range results {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("SciFact train, %d docs, %d queries, keyword search only", len(ds.Docs), len(ds.Queries))
	t.Logf("%-28s %8s %8s %8s %10s %10s %10s", "ranking", "nDCG@10", "R@10", "R@100", "index", "query p50", "query p90")
	for _, n := range names {
		r := results[n]
		t.Logf("%-28s %8.4f %8.4f %8.4f %10s %10s %10s", n, r.m.NDCG10, r.m.Recall10, r.m.Recall100,
			r.index.Round(time.Millisecond), r.p50.Round(10*time.Microsecond), r.p90.Round(10*time.Microsecond))
	}
	liteN, pgN := results["sqlite fts5 bm25"].m.NDCG10, results["postgres bm25"].m.NDCG10
	if d := liteN - pgN; d > 0.01 || d < -0.01 {
		t.Errorf("PostgreSQL BM25 nDCG@10 %.4f is not within 0.01 of SQLite's %.4f", pgN, liteN)
	}
	for _, n := range names {
		if results[n].m.NDCG10 > pgN+1e-9 && n != "postgres bm25" && n != "sqlite fts5 bm25" {
			t.Errorf("%s (nDCG@10 %.4f) beats the shipped BM25 (%.4f): ship it instead", n, results[n].m.NDCG10, pgN)
		}
	}
}

// BenchmarkSciFactSearch is one keyword search (top 10, as an agent asks)
// over the SciFact corpus, the train queries round-robin, on each backend:
//
//	go test -tags eval -run '^$' -bench BenchmarkSciFactSearch -count 5 ./internal/store/postgres/
func BenchmarkSciFactSearch(b *testing.B) {
	dir := os.Getenv("MEMTOMEM_EVAL_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "eval-data")
	}
	ds, err := eval.Load(filepath.Join(dir, "scifact"), "train")
	if err != nil {
		b.Skipf("SciFact: %v", err)
	}
	ctx := context.Background()
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			db, err := eval.OpenCorpus(ctx, backendsFor(b)[name], ds.Docs, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			engine := &search.Engine{Store: db, Defaults: search.DefaultsFor(config.Default(b.TempDir()).Search)}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := eval.RankQuery(ctx, engine, ds.Queries[i%len(ds.Queries)].Text, 10, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
