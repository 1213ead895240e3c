package config

import (
	"net/url"
	"slices"
	"strings"
)

// RerankConfig selects the optional reranker: a model that reads the query
// with each of the top fused candidates and orders them again. Provider
// "none" (the default) means results keep the fused order.
type RerankConfig struct {
	Provider string `json:"provider"`
	Model    string `json:"model"`
	BaseURL  string `json:"base_url"`
	APIKey   string `json:"api_key"`
	// Candidates is how many of the top fused results are sent to the
	// reranker (at most MaxRerankCandidates); results below them keep
	// their fused order after the reranked ones.
	Candidates int `json:"candidates"`
	// TimeoutSeconds bounds one request to the reranker (0: the default).
	TimeoutSeconds int `json:"timeout_seconds"`
	// BreakerSeconds is how long a reranker that failed (refused, timed
	// out, overloaded) is left alone before one trial call; meanwhile
	// searches answer unreranked at once (0: the default).
	BreakerSeconds int `json:"breaker_seconds"`
}

// RerankProviders lists the accepted rerank.provider values: cohere and
// jina speak the Cohere/Jina /rerank API (as do vLLM, Infinity and LiteLLM),
// llamacpp llama.cpp server's /v1/rerank.
var RerankProviders = []string{"none", "cohere", "jina", "llamacpp"}

// Rerank defaults and limits.
const (
	// DefaultRerankCandidates: deep enough to lift a relevant chunk the
	// fusion ranked 20th into the top 10, small enough for a local
	// cross-encoder to score within a search's patience.
	DefaultRerankCandidates = 30
	// MaxRerankCandidates is the deepest a search looks (the engine's
	// candidate depth).
	MaxRerankCandidates = 200
	// DefaultRerankTimeout is shorter than the embedding timeout: a
	// reranker is called by every search, which must not hang.
	DefaultRerankTimeout = 10 // seconds
	DefaultRerankBreaker = 30 // seconds
)

func (r RerankConfig) validate() []error {
	var errs []error
	if !slices.Contains(RerankProviders, r.Provider) {
		errs = append(errs, fieldErr("rerank.provider", "unknown provider %q (valid: %s)", r.Provider, strings.Join(RerankProviders, ", ")))
	}
	if r.Candidates < 0 || r.Candidates > MaxRerankCandidates {
		errs = append(errs, fieldErr("rerank.candidates", "must be between 1 and %d (0 takes the default %d), got %d", MaxRerankCandidates, DefaultRerankCandidates, r.Candidates))
	}
	if r.TimeoutSeconds < 0 || r.TimeoutSeconds > MaxEmbedTimeout {
		errs = append(errs, fieldErr("rerank.timeout_seconds", "must be between 1 and %d (0 takes the default %d), got %d", MaxEmbedTimeout, DefaultRerankTimeout, r.TimeoutSeconds))
	}
	if r.BreakerSeconds < 0 || r.BreakerSeconds > MaxEmbedBreaker {
		errs = append(errs, fieldErr("rerank.breaker_seconds", "must be between 1 and %d (0 takes the default %d), got %d", MaxEmbedBreaker, DefaultRerankBreaker, r.BreakerSeconds))
	}
	if r.BaseURL != "" {
		u, err := url.Parse(r.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fieldErr("rerank.base_url", "must be an http(s) URL, got %q", r.BaseURL))
		}
	}
	return errs
}

// redactKey reduces an API key to its last four characters (enough to tell
// keys apart, not enough to use one); short keys are masked entirely,
// because four characters of a very short secret give away too much.
func redactKey(k string) string {
	switch {
	case k == "":
		return ""
	case len(k) <= 8:
		return "****"
	}
	return "****" + k[len(k)-4:]
}

// redactURL masks a password embedded in a base URL.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}
