package embed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/memtomem/memtomem/internal/breaker"
	"github.com/memtomem/memtomem/internal/config"

	"github.com/memtomem/memtomem/internal/wait"
)

// ErrEmptyText is returned (wrapped, naming the text) when Embed is given an
// empty or blank text. Providers disagree about such input (OpenAI rejects
// it, a static model has no token to average), so every provider refuses it
// the same way, before any request.
var ErrEmptyText = errors.New("cannot embed an empty or blank text")

// backend is what differs between HTTP providers: the request and answer
// shapes, and the hints their errors carry.
type backend interface {
	name() string
	endpoint() string // the URL requests are POSTed to
	// encode builds the JSON body for one batch.
	encode(texts []string) ([]byte, error)
	// decode extracts one raw vector per text, in the order of the texts,
	// from a successful answer, or describes what is wrong with it.
	decode(body []byte, n int) ([][]float64, string)
	// hint says what to check after the server rejected a request with
	// status (a 4xx other than 401/403/429) and message msg.
	hint(status int, msg string) string
	// htmlHint says what to check when a web page came back.
	htmlHint() string
	// unreachableHint says what to check when no connection could be made.
	unreachableHint() string
	// adjust may change how the next request is built after a rejection
	// (an OpenAI-compatible server that refuses "dimensions"); true means
	// send again at once.
	adjust(status int, msg string) bool
}

// httpEmbedder is the shared part of the HTTP providers: batching,
// per-request timeouts, retries, and checking and normalising every vector.
type httpEmbedder struct {
	b      backend
	opts   Options
	model  string
	apiKey string
	cfgDim int    // embedding.dimension; 0 = learn from the first answer
	where  string // endpoint with any password masked, for messages
	br     *breaker.Breaker

	mu  sync.Mutex
	dim int // cfgDim, or the dimension of the first answer
}

func newHTTPEmbedder(b backend, cfg config.EmbeddingConfig, opts Options) *httpEmbedder {
	br := opts.Breaker
	if br == nil {
		br = breaker.Shared(b.endpoint(), breaker.Options{Cooldown: opts.BreakerCooldown})
	}
	return &httpEmbedder{
		b: b, opts: opts, model: cfg.Model, apiKey: cfg.APIKey,
		cfgDim: cfg.Dimension, dim: cfg.Dimension,
		where: redactURL(b.endpoint()), br: br,
	}
}

// Generation reports the configured dimension, or the one learned from the
// first answer when embedding.dimension is 0 (0 until then; see Probe).
func (e *httpEmbedder) Generation() Generation {
	e.mu.Lock()
	defer e.mu.Unlock()
	return Generation{Provider: e.b.name(), Model: e.model, Dimension: e.dim}
}

// Embed sends the texts in batches of Options.BatchSize, one batch after
// the other (a local server is usually busy enough with one), and fails as
// a whole on the first batch that fails.
func (e *httpEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := checkTexts(texts); err != nil {
		return nil, err
	}
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += e.opts.BatchSize {
		batch := texts[start:min(start+e.opts.BatchSize, len(texts))]
		vecs, err := e.embedBatch(ctx, batch, start)
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// checkTexts refuses blank input before anything is sent.
func checkTexts(texts []string) error {
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			return fmt.Errorf("%w (text #%d of %d)", ErrEmptyText, i, len(texts))
		}
	}
	return nil
}

// embedBatch runs one batch through attempt, behind the endpoint's circuit
// breaker, then checks the vectors.
//
// While the breaker is closed, an answer saying the server is overloaded
// (429, 5xx) is retried with backoff, up to MaxRetries times and never past
// the caller's deadline. A failed transport (refused connection, timeout,
// unreachable host) is not retried: another attempt a moment later rarely
// finds the server back, and each would cost the caller as much again. The
// call's final failure of either kind opens the breaker; while it is open
// calls fail at once without a request, and when its cool-down is over one
// call makes a single trial attempt.
func (e *httpEmbedder) embedBatch(ctx context.Context, batch []string, offset int) ([][]float32, error) {
	for retry := 0; ; retry++ {
		trial, err := e.br.Allow()
		if err != nil {
			return nil, e.unreachable(err.(*breaker.OpenError))
		}
		raw, f := e.attempt(ctx, batch)
		if f == nil {
			e.br.Success()
			return e.finish(raw, offset)
		}
		if errors.Is(ctx.Err(), context.Canceled) || f.unsent {
			// The caller gave up, or nothing was sent: this says nothing
			// about the provider.
			if trial {
				e.br.Release()
			}
			if ctx.Err() != nil {
				return nil, e.cancelled(ctx)
			}
			return nil, f.err
		}
		if f.answered && !f.err.Temporary {
			// The server is up and rejected the request on its merits.
			e.br.Success()
			if f.adjusted {
				retry-- // a changed request is a new request, not a retry
				continue
			}
			return nil, f.err
		}
		pause := e.backoff(retry, f.retryAfter)
		if !f.answered || trial || retry >= e.opts.MaxRetries || pastDeadline(ctx, pause) {
			if retry > 0 {
				f.err.Msg += fmt.Sprintf(" (gave up after %d attempts)", retry+1)
			}
			e.br.Failure(f.err, max(f.retryAfter, 0))
			f.err.Outage = e.br.State()
			return nil, f.err
		}
		// Not reported yet: the breaker stays closed while this call
		// retries, and another call's failure meanwhile stops the retries.
		if err := wait.Sleep(ctx, pause); err != nil {
			return nil, e.cancelled(ctx)
		}
	}
}

// pastDeadline reports that waiting d would end after ctx's deadline: the
// call gives up now rather than sleep into a failure.
func pastDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) <= d
}

// Down is the error a call to e would get now without contacting anyone:
// non-nil while e's endpoint breaker is open (for status displays). A nil
// e, or a provider without a breaker (model2vec), is never down.
func Down(e Embedder) error {
	h, ok := e.(*httpEmbedder)
	if !ok {
		return nil
	}
	if o := h.br.State(); o != nil {
		return h.unreachable(o)
	}
	return nil
}

// unreachable is the error of a call the open breaker refused.
func (e *httpEmbedder) unreachable(o *breaker.OpenError) *Error {
	last := o.Cause.Error()
	var ee *Error
	if errors.As(o.Cause, &ee) {
		last = ee.Msg
	}
	return &Error{
		Provider: e.b.name(), Where: e.where, Temporary: true, Err: o, Outage: o,
		Msg: scrub(fmt.Sprintf("is unreachable since %s and is not tried again before %s (last failure: %s)",
			o.Since.Format(time.TimeOnly), o.RetryAt.Format(time.TimeOnly), last), e.apiKey),
	}
}

// finish checks and normalises the vectors of one answer. The first
// answer fixes the dimension when none is configured.
func (e *httpEmbedder) finish(raw [][]float64, offset int) ([][]float32, error) {
	out := make([][]float32, len(raw))
	for i, r := range raw {
		v := toFloat32(r)
		if p := finishVector(v); p != "" {
			return nil, e.fail(0, false, nil, "returned %s for text #%d: is embedding.model an embedding model?", p, offset+i)
		}
		out[i] = v
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	want := e.dim
	if want == 0 {
		want = len(out[0])
	}
	for _, v := range out {
		if len(v) != want {
			if e.dim == 0 {
				return nil, e.fail(0, false, nil, "returned vectors of different lengths (%d and %d) in one answer", want, len(v))
			}
			return nil, e.fail(0, false, nil, "%s", dimensionMismatch(len(v), want, e.cfgDim > 0))
		}
	}
	e.dim = want
	return out, nil
}

// fail builds an *Error for this endpoint, scrubbed of the API key.
func (e *httpEmbedder) fail(status int, temporary bool, cause error, format string, args ...any) *Error {
	return &Error{
		Provider: e.b.name(), Where: e.where, Status: status, Temporary: temporary,
		Msg: scrub(fmt.Sprintf(format, args...), e.apiKey), Err: cause,
	}
}

// cancelled is the error for a call whose context ended: it wraps the
// context's error so callers can tell it from a provider failure.
func (e *httpEmbedder) cancelled(ctx context.Context) *Error {
	return e.fail(0, false, ctx.Err(), "request abandoned: %v", ctx.Err())
}
