//go:build eval

package postgres_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/eval"
	"github.com/memtomem/memtomem/internal/pgtest"
	"github.com/memtomem/memtomem/internal/store/postgres"
)

// TestKeywordBothBackends measures keyword-only search on SciFact train and
// LoCoMo dev (one store per conversation) on SQLite and on PostgreSQL, as
// mm eval does, so a change to the ranking is measured on both backends:
//
//	go test -tags eval -run TestKeywordBothBackends -v -timeout 30m ./internal/store/postgres/
func TestKeywordBothBackends(t *testing.T) {
	dir := os.Getenv("MEMTOMEM_EVAL_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "eval-data")
	}
	ctx := context.Background()
	for _, set := range []struct{ name, split, group string }{{"scifact", "train", ""}, {"locomo", "dev", "conv"}} {
		ds, err := eval.Load(filepath.Join(dir, set.name), set.split)
		if err != nil {
			t.Skipf("%s: %v", set.name, err)
		}
		for _, backend := range []string{"sqlite", postgres.Name} {
			opts := eval.RunOptions{K: 100, GroupBy: set.group, Dir: t.TempDir(), Search: config.Default(t.TempDir()).Search}
			if backend == postgres.Name {
				opts.Store = eval.Scratch(pgtest.New(t), "")
			}
			m, st, err := eval.Run(ctx, ds, opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%-8s %-9s nDCG@10 %.4f R@10 %.4f R@100 %.4f MRR@10 %.4f  p50 %s p99 %s", set.name, backend,
				m.NDCG10, m.Recall10, m.Recall100, m.MRR10,
				st.QueryPercentile(50).Round(10*time.Microsecond), st.QueryPercentile(99).Round(10*time.Microsecond))
		}
	}
}
