package rerank

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/provider"
)

// Options tune how a reranker talks to its provider (see provider.Options).
// The zero value takes every default; OptionsFor sets the configured ones.
type Options = provider.Options

// Default endpoints, used when rerank.base_url is empty. Like
// embedding.base_url, a base URL is the API root with its version:
// requests go to {base_url}/rerank.
const (
	DefaultCohereBaseURL   = "https://api.cohere.com/v2"
	DefaultJinaBaseURL     = "https://api.jina.ai/v1"
	DefaultLlamaCppBaseURL = "http://127.0.0.1:8080/v1"
)

// New returns the reranker cfg selects, or (nil, nil) for provider "none"
// (or ""): no reranking. It is cheap and contacts nothing; the first
// request goes out with the first Rerank call. Errors are configuration
// errors naming the setting to fix.
func New(cfg config.RerankConfig, opts Options) (Reranker, error) {
	var def string
	switch cfg.Provider {
	case "", "none":
		return nil, nil
	case "cohere":
		def = DefaultCohereBaseURL
	case "jina":
		def = DefaultJinaBaseURL
	case "llamacpp":
		def = DefaultLlamaCppBaseURL
	default:
		return nil, fmt.Errorf("rerank.provider: unknown provider %q (valid: %s)", cfg.Provider, strings.Join(config.RerankProviders, ", "))
	}
	base, err := provider.ParseBaseURL("rerank", cfg.BaseURL, def)
	if err != nil {
		return nil, err
	}
	w := newWire(cfg, base)
	if w.needsModel && strings.TrimSpace(cfg.Model) == "" {
		return nil, fmt.Errorf("rerank.model is required for provider %s (for example %s, or the model name your server serves)", cfg.Provider, w.exampleModel)
	}
	if cfg.APIKey == "" && hosted(base) {
		return nil, fmt.Errorf("rerank.api_key is required for %s (set it, or MEMTOMEM_RERANK__API_KEY): only self-hosted servers work without a key", base.Redacted())
	}
	spec := provider.Spec{Provider: cfg.Provider, Kind: "reranker", Section: "rerank",
		Endpoint: w.url, APIKey: cfg.APIKey, Answer: "a rerank answer"}
	return &httpReranker{w: w, c: provider.NewClient(spec, w, opts)}, nil
}

// hosted reports the vendors' own APIs, which always need a key.
func hosted(u *url.URL) bool {
	switch u.Hostname() {
	case "api.cohere.com", "api.cohere.ai", "api.jina.ai":
		return true
	}
	return false
}

// OptionsFor returns the Options that rerank.timeout_seconds and
// rerank.breaker_seconds set (0 takes the defaults).
func OptionsFor(cfg config.RerankConfig) Options {
	timeout := cfg.TimeoutSeconds
	if timeout == 0 {
		timeout = config.DefaultRerankTimeout
	}
	return Options{
		Timeout:         time.Duration(timeout) * time.Second,
		BreakerCooldown: time.Duration(cfg.BreakerSeconds) * time.Second,
	}
}

// Candidates is how many fused results cfg sends to the reranker.
func Candidates(cfg config.RerankConfig) int {
	if cfg.Candidates <= 0 {
		return config.DefaultRerankCandidates
	}
	return min(cfg.Candidates, config.MaxRerankCandidates)
}
