package memtomem_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/breaker/breakertest"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/rerank"
	"github.com/memtomem/memtomem/internal/rerank/reranktest"
)

// A configured reranker orders what every front end's search returns;
// when it stops answering, searches come back in the fused order with the
// hint, never an error.
func TestSearchUsesConfiguredReranker(t *testing.T) {
	srv := reranktest.New(t, reranktest.Jina, func(_, d string) float64 {
		if strings.Contains(d, "nightly") {
			return 0.99
		}
		return 0.01
	})
	cfg := config.Default(t.TempDir())
	cfg.Rerank = config.RerankConfig{Provider: "jina", Model: "jina-reranker-v2-base-multilingual", BaseURL: srv.BaseURL()}
	br, _ := breakertest.New(30 * time.Second)
	m, err := memtomem.Open(context.Background(), cfg, memtomem.WithRerankOptions(rerank.Options{Timeout: time.Second, BackoffBase: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Breaker: br}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	add(t, m, memtomem.AddRequest{Content: "Backups: backups backups, the backup checklist"})
	add(t, m, memtomem.AddRequest{Content: "Backups run nightly at two"})
	ctx := context.Background()
	resp, err := m.Search(ctx, memtomem.SearchRequest{Query: "backups"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) != 2 || !strings.Contains(resp.Results[0].Content, "nightly") || resp.Results[0].ScoreScale != "rerank" ||
		resp.Reranked != "jina jina-reranker-v2-base-multilingual" {
		t.Fatalf("reranked search %+v", resp)
	}
	srv.Set(reranktest.Overload)
	resp, err = m.Search(ctx, memtomem.SearchRequest{Query: "backups"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Reranked != "" || resp.RerankUnreachable == nil || !strings.Contains(strings.Join(resp.Hints, " "), "results not reranked") {
		t.Fatalf("search with the reranker down %+v", resp)
	}
}
