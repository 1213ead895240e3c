package memtomem_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/embed/embedtest"
	"github.com/memtomem/memtomem/internal/search"
)

// conceptEmbedder gives words of one group nearby vectors, so a query can
// share no keyword with a memory and still be close to it.
var conceptEmbedder = embedtest.Concepts(16,
	[]string{"car", "cars", "automobile", "automobiles", "sedan", "vehicle"},
	[]string{"database", "postgres", "sqlite", "databases"},
	[]string{"deploy", "deployment", "rollout", "release"},
)

func openHybrid(t *testing.T, baseURL, model string) *memtomem.Memory {
	t.Helper()
	cfg := config.Default(t.TempDir())
	cfg.Embedding = config.EmbeddingConfig{Provider: "openai", Model: model, Dimension: 16, BaseURL: baseURL}
	m, err := memtomem.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestDenseLegFindsWhatKeywordsMiss(t *testing.T) {
	srv := embedtest.NewOpenAIServer(t, conceptEmbedder)
	m := openHybrid(t, srv.URL+"/v1", "concepts")
	ctx := context.Background()
	add(t, m, memtomem.AddRequest{Content: "Keep the sedan in the garage over winter"})
	add(t, m, memtomem.AddRequest{Content: "Postgres vacuum runs nightly"})

	resp, err := m.Search(ctx, memtomem.SearchRequest{Query: "automobile storage"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) == 0 || !strings.Contains(resp.Results[0].Content, "sedan") {
		t.Fatalf("the dense leg should find the sedan memory: %+v", resp)
	}
	if resp.Results[0].ScoreScale != search.ScaleRRF {
		t.Errorf("fused score scale = %q, want rrf", resp.Results[0].ScoreScale)
	}
	zero := 0.0
	resp, err = m.Search(ctx, memtomem.SearchRequest{Query: "automobile storage", DenseWeight: &zero})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) != 0 {
		t.Errorf("with dense_weight=0 only keywords run and nothing matches, got %+v", resp.Results)
	}
	// Filters apply to the dense leg too.
	resp, _ = m.Search(ctx, memtomem.SearchRequest{Query: "automobile storage", Namespace: "other"})
	if len(resp.Results) != 0 {
		t.Errorf("namespace filter ignored by the dense leg: %+v", resp.Results)
	}
	st, err := m.Embedding(ctx)
	if err != nil || !st.Active || st.Missing != 0 || st.WithVector != 2 {
		t.Errorf("embedding status: %+v %v", st, err)
	}
}

// A provider that fails: the memory is still written and keyword-searchable,
// the status counts the chunk without a vector, and a later index run
// embeds it once the provider is back.
func TestProviderFailureDegrades(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	inner := embedtest.OpenAIHandler(t, conceptEmbedder)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, `{"error":{"message":"model overloaded"}}`, http.StatusBadRequest)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	defer srv.Close()
	m := openHybrid(t, srv.URL+"/v1", "concepts")
	ctx := context.Background()

	res := add(t, m, memtomem.AddRequest{Content: "Release notes live in the wiki"})
	if len(res.Warnings) == 0 {
		t.Errorf("a failed embedding should be reported as a warning: %+v", res)
	}
	resp, err := m.Search(ctx, memtomem.SearchRequest{Query: "wiki"})
	if err != nil || len(resp.Results) != 1 {
		t.Fatalf("keyword search must still work: %+v %v", resp, err)
	}
	failing.Store(false)
	if _, err := m.Index(ctx, memtomem.IndexRequest{Recursive: true}); err != nil {
		t.Fatal(err)
	}
	st, _ := m.Embedding(ctx)
	if st.Missing != 0 || st.WithVector != 1 {
		t.Errorf("after the provider recovered: %+v", st)
	}
}

// A process configured with another model writes no vectors and searches
// keywords only, saying so; the store's vectors stay those of the first
// generation until an embedding reset applies the new one.
func TestGenerationsNeverMix(t *testing.T) {
	srv := embedtest.NewOpenAIServer(t, conceptEmbedder)
	home := t.TempDir()
	open := func(model string) *memtomem.Memory {
		cfg := config.Default(home)
		cfg.Embedding = config.EmbeddingConfig{Provider: "openai", Model: model, Dimension: 16, BaseURL: srv.URL + "/v1"}
		m, err := memtomem.Open(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}
	ctx := context.Background()
	a := open("model-a")
	add(t, a, memtomem.AddRequest{Content: "Keep the sedan in the garage"})
	b := open("model-b")
	res := add(t, b, memtomem.AddRequest{Content: "The automobile needs new tires"})
	if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "embedding-reset") {
		t.Errorf("b should warn that it writes no vectors: %+v", res.Warnings)
	}
	resp, err := b.Search(ctx, memtomem.SearchRequest{Query: "vehicle"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) != 0 || len(resp.Hints) == 0 || !strings.Contains(strings.Join(resp.Hints, " "), "keyword-only") {
		t.Errorf("b must search keywords only and say so: %+v", resp)
	}
	st, _ := a.Embedding(ctx)
	if len(st.Generations) != 1 || st.Generations["openai/model-a/16"] != 1 {
		t.Errorf("only model-a vectors may be stored: %+v", st.Generations)
	}
	if _, err := b.ApplyCurrentEmbedding(ctx, nil); err != nil {
		t.Fatal(err)
	}
	st, _ = b.Embedding(ctx)
	if !st.Active || st.Generations["openai/model-b/16"] != 2 || len(st.Generations) != 1 {
		t.Errorf("after apply-current: %+v", st)
	}
	// Now a is the odd one out.
	resp, _ = a.Search(ctx, memtomem.SearchRequest{Query: "vehicle"})
	if len(resp.Results) != 0 {
		t.Errorf("a must not use b's vectors: %+v", resp.Results)
	}
}

// With no provider, search is exactly the keyword leg.
func TestProviderNoneIsKeywordOnly(t *testing.T) {
	m, _ := openTest(t)
	add(t, m, memtomem.AddRequest{Content: "plain keyword memory"})
	resp, err := m.Search(context.Background(), memtomem.SearchRequest{Query: "keyword"})
	if err != nil || len(resp.Results) != 1 || resp.Results[0].ScoreScale != search.ScaleBM25 || strings.Join(resp.Legs, ",") != "bm25" {
		t.Fatalf("provider none: %+v %v", resp, err)
	}
	st, err := m.Embedding(context.Background())
	if err != nil || st.Active || len(st.Generations) != 0 {
		t.Errorf("no vectors expected: %+v %v", st, err)
	}
}
