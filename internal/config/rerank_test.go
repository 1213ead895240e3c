package config

import (
	"strings"
	"testing"
)

// Reranking is off by default, with its documented defaults in place.
func TestRerankDefaults(t *testing.T) {
	c, err := load(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Rerank
	if r.Provider != "none" || r.Candidates != DefaultRerankCandidates ||
		r.TimeoutSeconds != DefaultRerankTimeout || r.BreakerSeconds != DefaultRerankBreaker {
		t.Fatalf("rerank defaults %+v", r)
	}
}

// A rerank section from the file and the environment, and every bad value
// refused with the key named.
func TestRerankLoadAndValidate(t *testing.T) {
	home := t.TempDir()
	writeConfig(t, home, `{"rerank": {"provider": "llamacpp", "base_url": "http://127.0.0.1:8012/v1", "candidates": 50}}`)
	c, err := load(home, []string{"MEMTOMEM_RERANK__API_KEY=rk-0123456789", "MEMTOMEM_RERANK__TIMEOUT_SECONDS=3"})
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Rerank; r.Provider != "llamacpp" || r.Candidates != 50 || r.APIKey != "rk-0123456789" || r.TimeoutSeconds != 3 {
		t.Fatalf("rerank %+v", r)
	}
	for _, p := range RerankProviders {
		c := Default("/h")
		c.Rerank.Provider = p
		if err := c.Validate(); err != nil {
			t.Errorf("provider %s: %v", p, err)
		}
	}
	cases := map[string]func(*RerankConfig){
		"rerank.provider: unknown provider \"bge\" (valid: none, cohere, jina, llamacpp)": func(r *RerankConfig) { r.Provider = "bge" },
		"rerank.candidates: must be between 1 and 200":                                    func(r *RerankConfig) { r.Candidates = 201 },
		"rerank.candidates: must be between 1 and 200 (0 takes the default 30), got -1":   func(r *RerankConfig) { r.Candidates = -1 },
		"rerank.timeout_seconds: must be between 1 and 600":                               func(r *RerankConfig) { r.TimeoutSeconds = 601 },
		"rerank.breaker_seconds: must be between 1 and 3600":                              func(r *RerankConfig) { r.BreakerSeconds = -1 },
		"rerank.base_url: must be an http(s) URL":                                         func(r *RerankConfig) { r.BaseURL = "localhost:8080" },
	}
	for want, mutate := range cases {
		c := Default("/h")
		mutate(&c.Rerank)
		wantErr(t, c.Validate(), want)
	}
}

// The reranker's key and a password in its URL never reach a printout.
func TestRerankRedacted(t *testing.T) {
	c := Default("/h")
	c.Rerank.APIKey = "jina_abcdefghijkl9876"
	c.Rerank.BaseURL = "https://user:hunter2@rerank.example/v1"
	r := c.Redacted()
	if r.Rerank.APIKey != "****9876" || strings.Contains(r.Rerank.BaseURL, "hunter2") {
		t.Fatalf("redacted rerank %+v", r.Rerank)
	}
	for _, k := range Keys() {
		v, _ := Get(r, k)
		if s, ok := v.(string); ok && (strings.Contains(s, "abcdefghijkl") || strings.Contains(s, "hunter2")) {
			t.Errorf("%s = %q shows the secret", k, s)
		}
	}
	if c.Rerank.APIKey != "jina_abcdefghijkl9876" {
		t.Error("Redacted modified the receiver")
	}
}
