package embed

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/breaker"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/provider"
)

// fastOpts keeps retry waits and timeouts short so the tests stay fast,
// with a breaker of the test's own (the shared one would carry an outage
// over to a later test whose server got the same port).
func fastOpts() Options {
	return Options{Options: provider.Options{Timeout: 2 * time.Second, BackoffBase: time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		Breaker: breaker.New(breaker.Options{})}}
}

// mustNew builds an embedder or fails the test.
func mustNew(t *testing.T, cfg config.EmbeddingConfig, opts Options) Embedder {
	t.Helper()
	e, err := New(cfg, opts)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	if e == nil {
		t.Fatalf("New(%+v) returned no embedder", cfg)
	}
	return e
}

// openAICfg configures provider openai against a test server.
func openAICfg(srv *httptest.Server) config.EmbeddingConfig {
	return config.EmbeddingConfig{Provider: "openai", Model: "test-embed", BaseURL: srv.URL + "/v1"}
}

// recorder wraps a handler and records every request body.
type recorder struct {
	mu     sync.Mutex
	bodies []map[string]any
	heads  []http.Header
	next   http.Handler
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	r.mu.Lock()
	r.bodies = append(r.bodies, m)
	r.heads = append(r.heads, req.Header.Clone())
	r.mu.Unlock()
	req.Body = io.NopCloser(strings.NewReader(string(body)))
	r.next.ServeHTTP(w, req)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bodies)
}

// scripted answers the n-th request (0-based) with script(n).
func scripted(t *testing.T, script func(n int, w http.ResponseWriter, r *http.Request)) (*httptest.Server, *recorder) {
	t.Helper()
	var mu sync.Mutex
	n := 0
	rec := &recorder{next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		i := n
		n++
		mu.Unlock()
		script(i, w, r)
	})}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return srv, rec
}

// openAIAnswer writes a well-formed OpenAI embeddings answer.
func openAIAnswer(w http.ResponseWriter, vecs [][]float32) {
	data := make([]map[string]any, len(vecs))
	for i, v := range vecs {
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": v}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": "m"})
}

// inputs returns the "input" list of a recorded request body.
func inputs(body map[string]any) []string {
	raw, _ := body["input"].([]any)
	out := make([]string, len(raw))
	for i, x := range raw {
		out[i], _ = x.(string)
	}
	return out
}

// lengthVec is a deliberately unnormalised vector derived from the text,
// so tests can check order and normalisation.
func lengthVec(text string) []float32 {
	return []float32{float32(len(text)), 1, 2}
}

func norm2(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func assertUnit(t *testing.T, v []float32) {
	t.Helper()
	if n := norm2(v); math.Abs(n-1) > 1e-5 {
		t.Fatalf("vector norm %v, want 1", n)
	}
}

// normalised returns v scaled to unit length, in float64.
func normalised(v []float32) []float64 {
	n := norm2(v)
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x) / n
	}
	return out
}

func assertClose(t *testing.T, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("length %d, want %d", len(got), len(want))
	}
	for i := range got {
		if math.Abs(float64(got[i])-want[i]) > tol {
			t.Fatalf("element %d = %v, want %v (±%v)\ngot  %v\nwant %v", i, got[i], want[i], tol, got, want)
		}
	}
}

// assertErr checks err is an *Error whose message contains every part.
func assertErr(t *testing.T, err error, parts ...string) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %q is not an *embed.Error", err, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
	return e
}

// readBody returns a request's body and leaves it readable again.
func readBody(r *http.Request) string {
	b, _ := io.ReadAll(r.Body)
	r.Body = ioNopCloser(string(b))
	return string(b)
}

func ioNopCloser(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

// inputsOf decodes the "input" list of a request.
func inputsOf(r *http.Request) []string {
	var m map[string]any
	_ = json.Unmarshal([]byte(readBody(r)), &m)
	return inputs(m)
}

func errorsIsCanceled(err error) bool { return errors.Is(err, context.Canceled) }
