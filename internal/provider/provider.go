// Package provider is the HTTP client every remote model provider shares
// (embeddings, reranking): one JSON POST per call, bounded by a timeout,
// retried with backoff while the server says it is overloaded, behind the
// endpoint's circuit breaker, with errors that name the provider, the
// endpoint and the setting to check, and never the API key.
//
// What differs between providers — the request and answer shapes and the
// hints of their errors — stays with them (a Wire and the encode/decode
// functions of each Do).
package provider

import (
	"net/http"
	"time"

	"github.com/memtomem/memtomem/internal/breaker"
)

// Options tune how a client talks to its provider. The zero value takes
// every default.
type Options struct {
	// Timeout bounds one HTTP request (connect, send, wait, read the
	// answer). Default 30s: a local server loading a model on its first
	// request can take a while, and a query should not hang longer.
	Timeout time.Duration
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
	DefaultMaxRetries  = 4
	DefaultBackoffBase = 500 * time.Millisecond
	DefaultMaxBackoff  = 30 * time.Second
)

// WithDefaults fills in every unset option.
func (o Options) WithDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
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

// Wire is what differs between providers in their errors.
type Wire interface {
	// Hint says what to check after the server rejected a request with
	// status (a 4xx other than 401/403/429) and message msg.
	Hint(status int, msg string) string
	// HTMLHint says what to check when a web page came back.
	HTMLHint() string
	// UnreachableHint says what to check when no connection could be made.
	UnreachableHint() string
	// Adjust may change how the next request is built after a rejection
	// (an OpenAI-compatible server that refuses "dimensions"); true means
	// send again at once.
	Adjust(status int, msg string) bool
}

// Spec names one endpoint of one provider.
type Spec struct {
	Provider string // "openai", "cohere", …
	Kind     string // what it serves, in messages: "embeddings", "reranker"
	// Section is the configuration section whose settings messages name
	// ("embedding": "check embedding.base_url").
	Section  string
	Endpoint string // the URL requests are POSTed to
	APIKey   string // sent as a bearer token when set
	// Answer names a good answer in messages ("an embeddings answer").
	Answer string
}
