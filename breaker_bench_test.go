package memtomem_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/embed/embedtest"
)

// BenchmarkSearchDeadProvider measures what a dead embedding provider adds
// to a search: a hybrid store (100 memories with vectors) whose provider
// then stops listening, searched with the default options (the shared
// breaker, default retries and backoff). "keyword-only" is the same search
// with the dense leg off; the difference is the provider's cost. It uses
// only APIs that predate the breaker, so the same file measures the code
// before it.
func BenchmarkSearchDeadProvider(b *testing.B) {
	srv := embedtest.NewOpenAIServer(b, conceptEmbedder)
	cfg := config.Default(b.TempDir())
	cfg.Embedding = config.EmbeddingConfig{Provider: "openai", Model: "concepts", Dimension: 16, BaseURL: srv.URL + "/v1"}
	ctx := context.Background()
	m, err := memtomem.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	for i := range 100 {
		if _, err := m.Add(ctx, memtomem.AddRequest{Content: fmt.Sprintf("memory %d: keep the sedan in the garage, deploy on Friday", i)}); err != nil {
			b.Fatal(err)
		}
	}
	srv.Close() // the provider is gone: its port refuses connections
	zero := 0.0
	for _, bc := range []struct {
		name string
		req  memtomem.SearchRequest
	}{
		{"keyword-only", memtomem.SearchRequest{Query: "sedan garage", DenseWeight: &zero}},
		{"dead-provider", memtomem.SearchRequest{Query: "sedan garage"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				resp, err := m.Search(ctx, bc.req)
				if err != nil || len(resp.Results) == 0 {
					b.Fatalf("search: %v (%d results)", err, len(resp.Results))
				}
			}
		})
	}
}
