//go:build eval

package postgres

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/memtomem/memtomem/internal/eval"
	"github.com/memtomem/memtomem/internal/pgtest"
	"github.com/memtomem/memtomem/internal/store"
	_ "github.com/memtomem/memtomem/internal/store/sqlite"
)

// The keyword quality of this backend beside SQLite's, on SciFact's train
// queries (../shared/eval-data, never copied into the repository):
//
//	go test -tags eval -run TestSciFact -v ./internal/store/postgres/
func TestSciFact(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "eval-data", "scifact")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no SciFact data at %s", dir)
	}
	ds, err := eval.Load(dir, "train")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := strconv.Atoi(os.Getenv("MM_EVAL_QUERIES")); err == nil && n < len(ds.Queries) {
		ds.Queries = ds.Queries[:n] // a quick look at the speed; the figures need all of them
	}
	run := func(t *testing.T, opts eval.RunOptions) eval.Metrics {
		opts.K, opts.Dir = 100, t.TempDir()
		m, st, err := eval.Run(context.Background(), ds, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("nDCG@10 %.4f  R@10 %.4f  R@100 %.4f  MRR@10 %.4f  (%d docs indexed in %s, %d queries in %s: %.2f ms/query)",
			m.NDCG10, m.Recall10, m.Recall100, m.MRR10, st.Docs, st.IndexDuration.Round(1e6), m.Queries,
			st.SearchDuration.Round(1e6), float64(st.SearchDuration.Milliseconds())/float64(m.Queries))
		return m
	}
	var sqlite eval.Metrics
	t.Run("sqlite", func(t *testing.T) { sqlite = run(t, eval.RunOptions{}) })
	for _, rank := range []string{"bm25", "ts_rank_cd"} {
		t.Run(rank, func(t *testing.T) {
			defer func(old string) { rankWith = old }(rankWith)
			rankWith = rank
			m := run(t, eval.RunOptions{Locate: func(int) store.Location { return store.Location{Backend: Name, URL: pgtest.New(t)} }})
			t.Logf("nDCG@10 %+.4f against SQLite", m.NDCG10-sqlite.NDCG10)
			if rank == "bm25" && m.NDCG10 < sqlite.NDCG10-0.01 {
				t.Errorf("nDCG@10 %.4f is more than 0.01 below SQLite's %.4f", m.NDCG10, sqlite.NDCG10)
			}
		})
	}
}
