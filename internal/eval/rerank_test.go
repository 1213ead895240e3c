package eval

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/breaker/breakertest"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/rerank"
	"github.com/memtomem/memtomem/internal/rerank/reranktest"
)

// mm eval measures the configured reranker: here BM25 ranks a document
// that only repeats the query word first, the reranker knows better, and
// the figures say so. A reranker that fails makes the run fail rather
// than report fusion's figures as the reranker's.
func TestRunWithReranker(t *testing.T) {
	corpus := `{"_id": "d1", "title": "Lake", "text": "lake lake lake"}
{"_id": "d2", "title": "Bikes", "text": "cycling routes along the lake shore"}
{"_id": "d3", "title": "Kitchen", "text": "descale the kettle every month"}
`
	dir := writeFiles(t, map[string]string{"corpus.jsonl": corpus, "queries.jsonl": `{"_id": "q1", "text": "lake"}` + "\n",
		"qrels/test.tsv": "query-id\tcorpus-id\tscore\nq1\td2\t1\n"})
	ds, err := Load(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := Run(context.Background(), ds, RunOptions{K: 10, Dir: t.TempDir()})
	if err != nil || plain.MRR10 != 0.5 {
		t.Fatalf("setup: keyword MRR@10 %v (%v), want 0.5", plain.MRR10, err)
	}
	srv := reranktest.New(t, reranktest.LlamaCpp, func(_, d string) float64 {
		if strings.Contains(d, "cycling") {
			return 3
		}
		return -1
	})
	br, _ := breakertest.New(30 * time.Second)
	r, err := rerank.New(config.RerankConfig{Provider: "llamacpp", BaseURL: srv.BaseURL()}, rerank.Options{Breaker: br})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := Run(context.Background(), ds, RunOptions{K: 10, Dir: t.TempDir(), Reranker: r})
	if err != nil || m.MRR10 != 1 {
		t.Fatalf("reranked MRR@10 %v (%v), want 1", m.MRR10, err)
	}
	srv.Set(reranktest.Rejecting)
	_, _, err = Run(context.Background(), ds, RunOptions{K: 10, Dir: t.TempDir(), Reranker: r})
	wantErr(t, err, "query q1: not reranked", "status 400", "set rerank.provider none")
}
