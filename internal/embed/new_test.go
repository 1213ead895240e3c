package embed

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/provider"
)

func TestNewNone(t *testing.T) {
	for _, p := range []string{"", "none"} {
		e, err := New(config.EmbeddingConfig{Provider: p, Model: "ignored"}, Options{})
		if e != nil || err != nil {
			t.Fatalf("provider %q: New = %v, %v; want nil, nil", p, e, err)
		}
	}
	if g, err := Probe(context.Background(), nil); err != nil || !g.IsZero() {
		t.Fatalf("Probe(nil) = %v, %v", g, err)
	}
}

func TestNewConfigErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		cfg  config.EmbeddingConfig
		want string
	}{
		{config.EmbeddingConfig{Provider: "openai"}, "embedding.model is required for provider openai"},
		{config.EmbeddingConfig{Provider: "ollama", Model: " "}, "embedding.model is required for provider ollama"},
		{config.EmbeddingConfig{Provider: "model2vec"}, "embedding.model is required for provider model2vec"},
		{config.EmbeddingConfig{Provider: "openai", Model: "text-embedding-3-small"}, "embedding.api_key is required for https://api.openai.com/v1"},
		{config.EmbeddingConfig{Provider: "openai", Model: "m", BaseURL: "localhost:8080"}, "embedding.base_url must be an http(s) URL"},
		{config.EmbeddingConfig{Provider: "ollama", Model: "m", BaseURL: "ftp://host"}, "embedding.base_url must be an http(s) URL"},
		{config.EmbeddingConfig{Provider: "openai", Model: "m", BaseURL: "http://h/v1?x=1"}, "must not carry a query"},
		{config.EmbeddingConfig{Provider: "openai", Model: "m", BaseURL: "http://h", Dimension: -1}, "embedding.dimension must not be negative"},
		{config.EmbeddingConfig{Provider: "cohere", Model: "m"}, `embedding.provider: unknown provider "cohere"`},
		{config.EmbeddingConfig{Provider: "model2vec", Model: filepath.Join(t.TempDir(), "absent")}, "does not exist"},
		{config.EmbeddingConfig{Provider: "model2vec", Model: file}, "is a file, not a directory"},
	}
	for _, c := range cases {
		_, err := New(c.cfg, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v, want error containing %q", c.cfg, err, c.want)
		}
	}
}

// New contacts nothing: the first request happens in the first Embed.
func TestNewIsLazy(t *testing.T) {
	srv, rec := scripted(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		openAIAnswer(w, [][]float32{{1}})
	})
	e := mustNew(t, openAICfg(srv), Options{})
	_ = e.Generation()
	if rec.count() != 0 {
		t.Fatalf("New or Generation made %d requests", rec.count())
	}
	e2 := mustNew(t, ollamaCfg(srv.URL), Options{})
	_ = e2.Generation()
	if rec.count() != 0 {
		t.Fatalf("New or Generation made %d requests", rec.count())
	}
}

func TestOptionsDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	if o.Timeout != DefaultTimeout || o.BatchSize != 64 || o.MaxRetries != 4 || o.HTTPClient == nil ||
		o.BackoffBase != DefaultBackoffBase || o.MaxBackoff != DefaultMaxBackoff {
		t.Fatalf("defaults %+v", o)
	}
	if o := (Options{Options: provider.Options{MaxRetries: -1}}).withDefaults(); o.MaxRetries != 0 {
		t.Fatalf("MaxRetries -1 gave %d retries", o.MaxRetries)
	}
}
