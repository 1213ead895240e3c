package embed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/provider"
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

// httpEmbedder is the shared part of the HTTP providers: batching, and
// checking and normalising every vector. Timeouts, retries and the
// endpoint's circuit breaker are the provider client's.
type httpEmbedder struct {
	b      backend
	c      *provider.Client
	opts   Options
	model  string
	cfgDim int // embedding.dimension; 0 = learn from the first answer

	mu  sync.Mutex
	dim int // cfgDim, or the dimension of the first answer
}

func newHTTPEmbedder(b backend, cfg config.EmbeddingConfig, opts Options) *httpEmbedder {
	spec := provider.Spec{Provider: b.name(), Kind: "embeddings", Section: "embedding",
		Endpoint: b.endpoint(), APIKey: cfg.APIKey, Answer: "an embeddings answer"}
	return &httpEmbedder{
		b: b, c: provider.NewClient(spec, wire{b}, opts.provider()), opts: opts, model: cfg.Model,
		cfgDim: cfg.Dimension, dim: cfg.Dimension,
	}
}

// wire gives a backend's hints to the provider client.
type wire struct{ b backend }

func (w wire) Hint(status int, msg string) string { return w.b.hint(status, msg) }
func (w wire) HTMLHint() string                   { return w.b.htmlHint() }
func (w wire) UnreachableHint() string            { return w.b.unreachableHint() }
func (w wire) Adjust(status int, msg string) bool { return w.b.adjust(status, msg) }

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

// embedBatch sends one batch through the provider client (see
// provider.Client.Do for the retry and breaker rules), then checks the
// vectors.
func (e *httpEmbedder) embedBatch(ctx context.Context, batch []string, offset int) ([][]float32, error) {
	var raw [][]float64
	err := e.c.Do(ctx,
		func() ([]byte, error) { return e.b.encode(batch) },
		func(body []byte) string {
			var problem string
			raw, problem = e.b.decode(body, len(batch))
			return problem
		})
	if err != nil {
		return nil, err
	}
	return e.finish(raw, offset)
}

// Down is the error a call to e would get now without contacting anyone:
// non-nil while e's endpoint breaker is open (for status displays). A nil
// e, or a provider without a breaker (model2vec), is never down.
func Down(e Embedder) error {
	h, ok := e.(*httpEmbedder)
	if !ok {
		return nil
	}
	return h.c.Down()
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
	return e.c.Fail(status, temporary, cause, format, args...)
}
