package embed

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/memtomem/memtomem/internal/breaker"
	"github.com/memtomem/memtomem/internal/config"
)

// Options tune how an embedder talks to its provider. The zero value takes
// every default.
type Options struct {
	// Timeout bounds one HTTP request (connect, send, wait, read the
	// answer). Default 30s: a local server loading a model on its first
	// request can take a while, and a query should not hang longer.
	Timeout time.Duration
	// BatchSize is how many texts go into one request. Default 64.
	BatchSize int
	// MaxRetries is how many times a request the server answered with a
	// rate limit (429) or a server error (5xx) is retried after the first
	// attempt, while the endpoint's breaker stays closed. Timeouts and
	// transport errors are not retried: they open the breaker at once.
	// 0 means the default 4; negative means never retry.
	MaxRetries int
	// BackoffBase is the wait before the first retry; each further retry
	// waits twice as long, with jitter. Default 500ms. Tests shrink it.
	BackoffBase time.Duration
	// MaxBackoff caps one wait, including one asked for by a Retry-After
	// header. Default 30s.
	MaxBackoff time.Duration
	// HTTPClient sends the requests; nil uses a plain client. Its own
	// Timeout, if any, applies on top of Timeout.
	HTTPClient *http.Client
	// Breaker guards the endpoint; nil uses the process's shared breaker
	// for the endpoint URL (see breaker.Shared), with BreakerCooldown.
	// Tests inject their own, with their own clock.
	Breaker *breaker.Breaker
	// BreakerCooldown is how long a failed endpoint is left alone before a
	// trial call. Default breaker.DefaultCooldown (30s).
	BreakerCooldown time.Duration
}

// Defaults of Options.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultBatchSize   = 64
	DefaultMaxRetries  = 4
	DefaultBackoffBase = 500 * time.Millisecond
	DefaultMaxBackoff  = 30 * time.Second
)

// Default endpoints, used when embedding.base_url is empty.
const (
	DefaultOpenAIBaseURL = "https://api.openai.com/v1"
	DefaultOllamaBaseURL = "http://127.0.0.1:11434"
)

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = DefaultMaxRetries
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = DefaultBackoffBase
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	return o
}

// New returns the embedder cfg selects, or (nil, nil) for provider "none"
// (or ""): keyword search only.
//
// New is cheap and contacts nothing. HTTP providers make their first request
// in the first Embed call; model2vec only checks here that the model
// directory exists and loads it on first use, so a server starts at once
// even with a large model configured.
//
// Errors are configuration errors naming the setting to fix.
//
// Dimension: when embedding.dimension is 0, an HTTP provider's dimension is
// unknown until its first answer. Generation().Dimension is 0 until then,
// and the first answer fixes it for the life of the embedder; every later
// answer must match. Use Probe to learn it before storing a generation.
// model2vec reads its dimension from the model file's header, so its
// Generation is complete without a probe (when the file is readable).
func New(cfg config.EmbeddingConfig, opts Options) (Embedder, error) {
	if cfg.Dimension < 0 {
		return nil, fmt.Errorf("embedding.dimension must not be negative, got %d", cfg.Dimension)
	}
	opts = opts.withDefaults()
	switch cfg.Provider {
	case "", "none":
		return nil, nil
	case "openai":
		if strings.TrimSpace(cfg.Model) == "" {
			return nil, fmt.Errorf("embedding.model is required for provider openai (for example text-embedding-3-small, or the model name your OpenAI-compatible server serves)")
		}
		base, err := baseURL(cfg.BaseURL, DefaultOpenAIBaseURL)
		if err != nil {
			return nil, err
		}
		if cfg.APIKey == "" && base.Host == "api.openai.com" {
			return nil, fmt.Errorf("embedding.api_key is required for %s (set it, or MEMTOMEM_EMBEDDING__API_KEY): only local OpenAI-compatible servers work without a key", base.Redacted())
		}
		return newHTTPEmbedder(newOpenAI(cfg, base), cfg, opts), nil
	case "ollama":
		if strings.TrimSpace(cfg.Model) == "" {
			return nil, fmt.Errorf("embedding.model is required for provider ollama (for example nomic-embed-text; fetch it with `ollama pull nomic-embed-text`)")
		}
		base, err := baseURL(cfg.BaseURL, DefaultOllamaBaseURL)
		if err != nil {
			return nil, err
		}
		return newHTTPEmbedder(newOllama(cfg, base), cfg, opts), nil
	case "model2vec":
		return newModel2Vec(cfg)
	default:
		return nil, fmt.Errorf("embedding.provider: unknown provider %q (valid: %s)", cfg.Provider, strings.Join(config.Providers, ", "))
	}
}

// baseURL parses embedding.base_url (or the default), tolerating a trailing
// slash.
func baseURL(s, def string) (*url.URL, error) {
	if strings.TrimSpace(s) == "" {
		s = def
	}
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(s), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		shown := s
		if err == nil {
			shown = u.Redacted()
		}
		return nil, fmt.Errorf("embedding.base_url must be an http(s) URL such as %s, got %q", def, shown)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("embedding.base_url must not carry a query or fragment, got %q", u.Redacted())
	}
	return u, nil
}

// newModel2Vec validates the model directory without reading the model.
func newModel2Vec(cfg config.EmbeddingConfig) (Embedder, error) {
	dir := cfg.Model
	if strings.TrimSpace(dir) == "" {
		return nil, fmt.Errorf("embedding.model is required for provider model2vec: set it to the directory holding model.safetensors, tokenizer.json and config.json (for example a downloaded minishlab/potion-base-8M)")
	}
	st, err := os.Stat(dir)
	switch {
	case os.IsNotExist(err):
		return nil, fmt.Errorf("embedding.model: model2vec directory %s does not exist: set embedding.model to the directory holding model.safetensors and tokenizer.json", dir)
	case err != nil:
		return nil, fmt.Errorf("embedding.model: model2vec directory %s: %v", dir, err)
	case !st.IsDir():
		return nil, fmt.Errorf("embedding.model: %s is a file, not a directory: set embedding.model to the directory holding model.safetensors and tokenizer.json", dir)
	}
	return &model2VecEmbedder{dir: dir, cfgDim: cfg.Dimension, model: cfg.Model}, nil
}

// probeText is what Probe embeds; any short text would do.
const probeText = "dimension probe"

// Probe returns e's generation with its dimension known. If the dimension
// is not known yet (an HTTP provider with embedding.dimension 0 that has not
// answered), it embeds one short text to learn it. A nil e (provider none)
// gives the zero Generation.
func Probe(ctx context.Context, e Embedder) (Generation, error) {
	if e == nil {
		return Generation{}, nil
	}
	if g := e.Generation(); g.Dimension > 0 {
		return g, nil
	}
	if _, err := e.Embed(ctx, []string{probeText}); err != nil {
		return e.Generation(), err
	}
	return e.Generation(), nil
}

// Confirm embeds one short text and returns e's generation once the
// provider has answered. A store records a generation only after Confirm
// succeeded, so a provider that is down or misconfigured never claims the
// store's vectors for a generation it has not produced. A nil e (provider
// none) gives the zero Generation.
func Confirm(ctx context.Context, e Embedder) (Generation, error) {
	if e == nil {
		return Generation{}, nil
	}
	if _, err := e.Embed(ctx, []string{probeText}); err != nil {
		return e.Generation(), err
	}
	return e.Generation(), nil
}

// OptionsFor returns the Options that cfg's embedding.timeout_seconds and
// embedding.breaker_seconds set (0 takes the defaults).
func OptionsFor(cfg config.EmbeddingConfig) Options {
	return Options{
		Timeout:         time.Duration(cfg.TimeoutSeconds) * time.Second,
		BreakerCooldown: time.Duration(cfg.BreakerSeconds) * time.Second,
	}
}
