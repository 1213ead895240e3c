package embed

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/provider"
)

// Options tune how an embedder talks to its provider. The zero value takes
// every default. The provider client's options (timeout, retries, backoff,
// HTTP client, breaker) are provider.Options'; an embedder adds how many
// texts go into one request.
type Options struct {
	provider.Options
	// BatchSize is how many texts go into one request. Default 64.
	BatchSize int
}

// Defaults of Options.
const (
	DefaultTimeout     = provider.DefaultTimeout
	DefaultBatchSize   = 64
	DefaultMaxRetries  = provider.DefaultMaxRetries
	DefaultBackoffBase = provider.DefaultBackoffBase
	DefaultMaxBackoff  = provider.DefaultMaxBackoff
)

// Default endpoints, used when embedding.base_url is empty.
const (
	DefaultOpenAIBaseURL = "https://api.openai.com/v1"
	DefaultOllamaBaseURL = "http://127.0.0.1:11434"
)

func (o Options) withDefaults() Options {
	o.Options = o.Options.WithDefaults()
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	return o
}

// provider is the provider client's share of o, which withDefaults
// resolved: its MaxRetries 0 means "never retry", passed on as -1 so the
// client does not take its default instead.
func (o Options) provider() provider.Options {
	retries := o.MaxRetries
	if retries == 0 {
		retries = -1
	}
	p := o.Options
	p.MaxRetries = retries
	return p
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
func baseURL(s, def string) (*url.URL, error) { return provider.ParseBaseURL("embedding", s, def) }

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
	return Options{Options: provider.Options{
		Timeout:         time.Duration(cfg.TimeoutSeconds) * time.Second,
		BreakerCooldown: time.Duration(cfg.BreakerSeconds) * time.Second,
	}}
}
