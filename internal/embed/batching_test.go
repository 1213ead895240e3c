package embed

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/config"
)

func TestRetryOn429HonoursRetryAfter(t *testing.T) {
	srv, rec := scripted(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error":{"message":"Rate limit reached"}}`)
			return
		}
		openAIAnswer(w, [][]float32{{1, 0}})
	})
	opts := fastOpts()
	opts.BackoffBase = time.Hour // only Retry-After: 0 lets this finish
	e := mustNew(t, openAICfg(srv), opts)
	if _, err := e.Embed(context.Background(), []string{"x"}); err != nil {
		t.Fatal(err)
	}
	if rec.count() != 2 {
		t.Fatalf("%d requests, want 2", rec.count())
	}
}

func TestRetryAfterIsCapped(t *testing.T) {
	srv, _ := scripted(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		openAIAnswer(w, [][]float32{{1, 0}})
	})
	start := time.Now()
	e := mustNew(t, openAICfg(srv), fastOpts()) // MaxBackoff 20ms
	if _, err := e.Embed(context.Background(), []string{"x"}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v: Retry-After was not capped by MaxBackoff", d)
	}
}

func TestRetryOn5xxThenSuccess(t *testing.T) {
	srv, rec := scripted(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n < 3 {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, "upstream crashed")
			return
		}
		openAIAnswer(w, [][]float32{{0, 1}})
	})
	e := mustNew(t, openAICfg(srv), fastOpts())
	vecs, err := e.Embed(context.Background(), []string{"x"})
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, vecs[0], []float64{0, 1}, 0)
	if rec.count() != 4 {
		t.Fatalf("%d requests, want 4", rec.count())
	}
}

func TestRetryGivesUp(t *testing.T) {
	srv, rec := scripted(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, `{"error":"model runner crashed"}`)
	})
	opts := fastOpts()
	opts.MaxRetries = 2
	e := mustNew(t, openAICfg(srv), opts)
	_, err := e.Embed(context.Background(), []string{"x"})
	ee := assertErr(t, err, "openai embeddings at "+srv.URL+"/v1/embeddings", "status 502 Bad Gateway",
		"model runner crashed", "gave up after 3 attempts")
	if !ee.Temporary || ee.Status != 502 {
		t.Errorf("Temporary %v Status %d, want true 502", ee.Temporary, ee.Status)
	}
	if rec.count() != 3 {
		t.Fatalf("%d requests, want 3 (1 + MaxRetries 2)", rec.count())
	}
}

func TestDefaultRetriesAreFour(t *testing.T) {
	srv, rec := scripted(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	opts := fastOpts()
	opts.MaxRetries = 0 // default
	e := mustNew(t, openAICfg(srv), opts)
	if _, err := e.Embed(context.Background(), []string{"x"}); err == nil {
		t.Fatal("no error")
	}
	if rec.count() != 5 {
		t.Fatalf("%d requests, want 5", rec.count())
	}
}

func TestNoRetryOnClientError(t *testing.T) {
	srv, rec := scripted(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":{"message":"The model 'nope' does not exist"}}`)
	})
	e := mustNew(t, openAICfg(srv), fastOpts())
	_, err := e.Embed(context.Background(), []string{"x"})
	ee := assertErr(t, err, "rejected the request (status 400 Bad Request)", "does not exist", "check embedding.model")
	if ee.Temporary {
		t.Error("a 400 is not temporary")
	}
	if rec.count() != 1 {
		t.Fatalf("%d requests, want 1", rec.count())
	}
}

func TestNotFoundNamesBaseURL(t *testing.T) {
	srv, _ := scripted(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.NotFound(w, r)
	})
	e := mustNew(t, openAICfg(srv), fastOpts())
	_, err := e.Embed(context.Background(), []string{"x"})
	assertErr(t, err, "404 Not Found", "check embedding.base_url", "/v1")
}

// A timeout is not retried: another attempt would cost the caller as much
// again. It opens the breaker instead (see breaker_test.go).
func TestTimeout(t *testing.T) {
	srv, rec := scripted(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	opts := fastOpts()
	opts.Timeout = 200 * time.Millisecond
	opts.MaxRetries = 1
	e := mustNew(t, openAICfg(srv), opts)
	_, err := e.Embed(context.Background(), []string{"x"})
	ee := assertErr(t, err, "did not answer within 200ms", "is the server running and the model loaded?")
	if !ee.Temporary {
		t.Error("a timeout is temporary")
	}
	if errors.Is(err, context.Canceled) {
		t.Error("a request timeout must not look like the caller's cancellation")
	}
	if rec.count() != 1 {
		t.Fatalf("%d requests, want 1: a timeout is not retried", rec.count())
	}
}

func TestContextCancellation(t *testing.T) {
	t.Run("during request", func(t *testing.T) {
		srv, _ := scripted(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		})
		checkCancelStopsAtOnce(t, openAICfg(srv))
	})
	t.Run("during backoff", func(t *testing.T) {
		srv, _ := scripted(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		checkCancelStopsAtOnce(t, openAICfg(srv))
	})
}

func checkCancelStopsAtOnce(t *testing.T, cfg config.EmbeddingConfig) {
	t.Helper()
	opts := fastOpts()
	opts.Timeout = time.Minute
	opts.MaxBackoff = time.Minute
	e := mustNew(t, cfg, opts)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := e.Embed(ctx, []string{"x"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want one wrapping context.Canceled", err)
	}
	assertErr(t, err, "openai embeddings at")
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancellation took %v", d)
	}
}

func TestWrongDimension(t *testing.T) {
	srv, _ := scripted(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		openAIAnswer(w, [][]float32{make768()})
	})
	cfg := openAICfg(srv)
	cfg.Dimension = 384
	e := mustNew(t, cfg, fastOpts())
	_, err := e.Embed(context.Background(), []string{"x"})
	assertErr(t, err, "openai embeddings at "+srv.URL+"/v1/embeddings returned 768-dimensional vectors but embedding.dimension is 384: set embedding.dimension to 768 or use a model that produces 384")
}

func make768() []float32 {
	v := make([]float32, 768)
	v[0] = 1
	return v
}

// With embedding.dimension 0 the first answer fixes the dimension; an
// answer of another size later is an error.
func TestLearnedDimension(t *testing.T) {
	srv, _ := scripted(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			openAIAnswer(w, [][]float32{{1, 0, 0, 0, 0, 0, 0, 0}})
			return
		}
		openAIAnswer(w, [][]float32{{1, 0, 0, 0}})
	})
	e := mustNew(t, openAICfg(srv), fastOpts())
	if d := e.Generation().Dimension; d != 0 {
		t.Fatalf("dimension %d before any answer, want 0", d)
	}
	g, err := Probe(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if g.Dimension != 8 || e.Generation().Dimension != 8 {
		t.Fatalf("probe %+v, generation %+v: want dimension 8", g, e.Generation())
	}
	_, err = e.Embed(context.Background(), []string{"x"})
	assertErr(t, err, "returned 4-dimensional vectors but earlier answers had 8", "embedding.dimension")
}

func TestBadVectors(t *testing.T) {
	cases := []struct{ name, vec, want string }{
		{"empty", `[]`, "returned an empty vector for text #1"},
		{"null", `null`, "returned an empty vector for text #1"},
		{"overflows float32", `[1e39, 1]`, "returned a vector containing NaN or infinite values"},
		{"all zero", `[0, 0, 0]`, "returned an all-zero vector, which has no direction and cannot be normalised"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, _ := scripted(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				fmt.Fprintf(w, `{"data":[{"index":0,"embedding":[1,1,1]},{"index":1,"embedding":%s}]}`, c.vec)
			})
			e := mustNew(t, openAICfg(srv), fastOpts())
			_, err := e.Embed(context.Background(), []string{"a", "b"})
			assertErr(t, err, c.want)
		})
	}
}

func TestHTMLPage(t *testing.T) {
	srv, _ := scripted(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html>\n<html><head><title>LM Studio</title></head><body>app</body></html>")
	})
	cfg := openAICfg(srv)
	cfg.BaseURL = srv.URL // forgot the /v1
	e := mustNew(t, cfg, fastOpts())
	_, err := e.Embed(context.Background(), []string{"x"})
	assertErr(t, err, "openai embeddings at "+srv.URL+"/embeddings returned an HTML page (status 200), not JSON: check embedding.base_url points at the API (usually ends in /v1)")
}

func TestUnauthorizedNeverShowsKey(t *testing.T) {
	const key = "sk-proj-SECRET-0123456789abcdef"
	srv, _ := scripted(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		// The real API quotes part of the key; a careless proxy may quote all of it.
		fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","code":"invalid_api_key"}}`,
			strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	})
	cfg := openAICfg(srv)
	cfg.APIKey = key
	e := mustNew(t, cfg, fastOpts())
	_, err := e.Embed(context.Background(), []string{"x"})
	assertErr(t, err, "rejected the API key (status 401 Unauthorized)", "check embedding.api_key", "Incorrect API key provided")
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), key) || strings.Contains(fmt.Sprintf("%+v", e), key) {
			t.Fatalf("error text contains the API key: %q", e)
		}
	}

	cfg.APIKey = ""
	e = mustNew(t, cfg, fastOpts())
	_, err = e.Embed(context.Background(), []string{"x"})
	assertErr(t, err, "requires an API key (status 401 Unauthorized)", "set embedding.api_key")
}

func TestConnectionRefused(t *testing.T) {
	srv, _ := scripted(t, func(int, http.ResponseWriter, *http.Request) {})
	cfg := openAICfg(srv)
	srv.Close()
	opts := fastOpts()
	opts.MaxRetries = -1
	e := mustNew(t, cfg, opts)
	_, err := e.Embed(context.Background(), []string{"x"})
	ee := assertErr(t, err, "openai embeddings at "+cfg.BaseURL+"/embeddings", "is the server running? check embedding.base_url")
	if !ee.Temporary {
		t.Error("connection refused is temporary")
	}
}

func TestEmptyInput(t *testing.T) {
	srv, rec := scripted(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		openAIAnswer(w, [][]float32{{1}})
	})
	e := mustNew(t, openAICfg(srv), fastOpts())
	vecs, err := e.Embed(context.Background(), nil)
	if err != nil || len(vecs) != 0 {
		t.Fatalf("Embed(nil) = %v, %v", vecs, err)
	}
	_, err = e.Embed(context.Background(), []string{"ok", " \n\t"})
	if !errors.Is(err, ErrEmptyText) || !strings.Contains(err.Error(), "text #1") {
		t.Fatalf("error %v, want ErrEmptyText naming text #1", err)
	}
	if rec.count() != 0 {
		t.Fatalf("%d requests for nothing to embed", rec.count())
	}
}

// Concurrent calls share the learned dimension safely (run with -race).
func TestConcurrentEmbed(t *testing.T) {
	srv, _ := scripted(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		var vecs [][]float32
		for range inputsOf(r) {
			vecs = append(vecs, []float32{1, 2, 3})
		}
		openAIAnswer(w, vecs)
	})
	e := mustNew(t, openAICfg(srv), fastOpts())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := e.Embed(context.Background(), []string{"a", "b", "c"}); err != nil {
				t.Error(err)
			}
			_ = e.Generation()
		})
	}
	wg.Wait()
	if d := e.Generation().Dimension; d != 3 {
		t.Fatalf("dimension %d", d)
	}
}

func TestTooLongInputHint(t *testing.T) {
	srv, _ := scripted(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":{"message":"This model's maximum context length is 8192 tokens, however you requested 9000 tokens.","type":"invalid_request_error"}}`)
	})
	e := mustNew(t, openAICfg(srv), fastOpts())
	_, err := e.Embed(context.Background(), []string{"x"})
	assertErr(t, err, "maximum context length", "lower indexing.chunk_max_chars")
}
