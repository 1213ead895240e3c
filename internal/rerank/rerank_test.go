package rerank

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/breaker/breakertest"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/rerank/reranktest"
)

var docs = []string{
	"The deploy script runs on Fridays.",
	"Database backups run nightly and the deploy waits for them.",
	"Lunch is at noon.",
}

// testOpts are fast options with a breaker of the test's own.
func testOpts(t *testing.T) Options {
	br, _ := breakertest.New(30 * time.Second)
	return Options{Timeout: 2 * time.Second, BackoffBase: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Breaker: br}
}

func mustNew(t *testing.T, cfg config.RerankConfig, opts Options) Reranker {
	t.Helper()
	r, err := New(cfg, opts)
	if err != nil || r == nil {
		t.Fatalf("New(%+v) = %v, %v", cfg, r, err)
	}
	return r
}

func wantErr(t *testing.T, err error, parts ...string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v, want a *rerank.Error containing %q", err, err, parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
	return e
}

// Each provider sends what its API expects and returns the server's
// scores in the order of the documents, whatever order the answer lists
// them in (all three sort by score).
func TestRerankSpeaksEachAPI(t *testing.T) {
	for _, tc := range []struct {
		provider, model string
		format          reranktest.Format
	}{
		{"cohere", "rerank-v3.5", reranktest.Cohere},
		{"jina", "jina-reranker-v2-base-multilingual", reranktest.Jina},
		{"llamacpp", "", reranktest.LlamaCpp},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			srv := reranktest.New(t, tc.format, nil)
			r := mustNew(t, config.RerankConfig{Provider: tc.provider, Model: tc.model, BaseURL: srv.BaseURL(), APIKey: "rk-test-key"}, testOpts(t))
			scores, err := r.Rerank(context.Background(), "deploy backups", docs)
			if err != nil {
				t.Fatal(err)
			}
			if len(scores) != 3 || scores[0] != 1 || scores[1] != 2 || scores[2] != 0 {
				t.Fatalf("scores %v, want [1 2 0]: one per document, in their order", scores)
			}
			reqs := srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			q := reqs[0]
			if q.Model != tc.model || q.Query != "deploy backups" || strings.Join(q.Documents, "|") != strings.Join(docs, "|") ||
				q.TopN == nil || *q.TopN != 3 || q.Auth != "Bearer rk-test-key" {
				t.Fatalf("request %+v", q)
			}
			if tc.format == reranktest.Jina && (q.ReturnDocuments == nil || *q.ReturnDocuments) {
				t.Fatal("jina should be asked not to echo the documents (return_documents false)")
			}
			if tc.format != reranktest.Jina && q.ReturnDocuments != nil {
				t.Fatal("return_documents is Jina's alone")
			}
		})
	}
}

// A long chunk is cut before it is sent, on a character boundary.
func TestLongDocumentsAreCapped(t *testing.T) {
	srv := reranktest.New(t, reranktest.LlamaCpp, nil)
	r := mustNew(t, config.RerankConfig{Provider: "llamacpp", BaseURL: srv.BaseURL()}, testOpts(t))
	long := strings.Repeat("é", MaxDocBytes) // 2 bytes each
	if _, err := r.Rerank(context.Background(), "q", []string{long, "short"}); err != nil {
		t.Fatal(err)
	}
	got := srv.Requests()[0].Documents
	if len(got[0]) > MaxDocBytes || len(got[0]) < MaxDocBytes-2 || !strings.HasPrefix(long, got[0]) || got[1] != "short" {
		t.Fatalf("sent %d bytes (want at most %d, cut cleanly) and %q", len(got[0]), MaxDocBytes, got[1])
	}
}

// A reranker that hangs costs one request of the configured timeout; the
// breaker then refuses further calls at once.
func TestHangingRerankerTimesOut(t *testing.T) {
	srv := reranktest.New(t, reranktest.Cohere, nil)
	srv.Set(reranktest.Hanging)
	opts := testOpts(t)
	opts.Timeout = 100 * time.Millisecond
	r := mustNew(t, config.RerankConfig{Provider: "cohere", Model: "rerank-v3.5", BaseURL: srv.BaseURL()}, opts)
	_, err := r.Rerank(context.Background(), "q", docs)
	e := wantErr(t, err, "cohere reranker at", "did not answer within 100ms")
	if e.Outage == nil || OutageOf(err) == nil {
		t.Fatal("a hanging reranker should open its breaker")
	}
	_, err = r.Rerank(context.Background(), "q", docs)
	wantErr(t, err, "is unreachable since", "did not answer within 100ms")
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("%d requests, want 1: no request while the breaker is open", n)
	}
	if Down(r) == nil {
		t.Fatal("Down should report the open breaker")
	}
}

// countingTransport counts the requests it is asked to send.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// closedPort is a local address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// A dead reranker (nothing listens) costs one attempt, not a round of
// retries; while its breaker is open no request is even tried.
func TestDeadRerankerFailsOnceFast(t *testing.T) {
	ct := &countingTransport{}
	opts := testOpts(t)
	opts.HTTPClient = &http.Client{Transport: ct}
	r := mustNew(t, config.RerankConfig{Provider: "llamacpp", BaseURL: "http://" + closedPort(t) + "/v1"}, opts)
	_, err := r.Rerank(context.Background(), "q", docs)
	wantErr(t, err, "llamacpp reranker at", "refused the connection", "llama-server")
	if OutageOf(err) == nil || ct.n.Load() != 1 {
		t.Fatalf("%d attempts, outage %v; want 1 and an open breaker", ct.n.Load(), OutageOf(err))
	}
	for range 3 {
		_, err = r.Rerank(context.Background(), "q", docs)
		wantErr(t, err, "is unreachable since", "not tried again before")
	}
	if ct.n.Load() != 1 {
		t.Fatalf("%d attempts, want 1: none while the breaker is open", ct.n.Load())
	}
}

// A 400 says the server is up and the request is wrong: a clear error,
// no retry, and the breaker stays closed, so the next call is sent.
func TestRejectionKeepsBreakerClosed(t *testing.T) {
	for _, tc := range []struct {
		provider string
		format   reranktest.Format
		said     string
	}{
		{"cohere", reranktest.Cohere, "model 'rerank-nope' not found"},
		{"jina", reranktest.Jina, "Model 'nope' is not available"},
		{"llamacpp", reranktest.LlamaCpp, `"documents" must be a non-empty string array`},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			srv := reranktest.New(t, tc.format, nil)
			srv.Set(reranktest.Rejecting)
			opts := testOpts(t)
			r := mustNew(t, config.RerankConfig{Provider: tc.provider, Model: "nope", BaseURL: srv.BaseURL()}, opts)
			for range 2 {
				_, err := r.Rerank(context.Background(), "q", docs)
				e := wantErr(t, err, "rejected the request (status 400 Bad Request)", tc.said, "check rerank.")
				if e.Status != 400 || e.Temporary || e.Outage != nil {
					t.Fatalf("error %+v: want a permanent 400 without an outage", e)
				}
			}
			if n := len(srv.Requests()); n != 2 || opts.Breaker.State() != nil {
				t.Fatalf("%d requests, breaker %v; want 2 and closed", n, opts.Breaker.State())
			}
		})
	}
}

// 503s are retried (the server is up but busy), then open the breaker.
func TestOverloadRetriedThenOpens(t *testing.T) {
	srv := reranktest.New(t, reranktest.Jina, nil)
	srv.Set(reranktest.Overload)
	opts := testOpts(t)
	opts.MaxRetries = 2
	r := mustNew(t, config.RerankConfig{Provider: "jina", Model: "m", BaseURL: srv.BaseURL()}, opts)
	_, err := r.Rerank(context.Background(), "q", docs)
	wantErr(t, err, "status 503", "gave up after 3 attempts")
	if len(srv.Requests()) != 3 || opts.Breaker.State() == nil {
		t.Fatalf("%d requests, breaker %v; want 3 and open", len(srv.Requests()), opts.Breaker.State())
	}
}

// An answer that does not score every document is an error, not a partial
// ranking.
func TestIncompleteAnswerRefused(t *testing.T) {
	for body, want := range map[string]string{
		`{"results":[{"index":0,"relevance_score":1}]}`:                                 "scored 1 of the 2 documents",
		`{"results":[{"index":0,"relevance_score":1},{"index":0,"relevance_score":2}]}`: "duplicate or out-of-range index 0",
		`{"results":[{"index":5,"relevance_score":1},{"index":1,"relevance_score":2}]}`: "out-of-range index 5",
		`{"data":[]}`: `no "results" list`,
		`{"results":[{"index":0},{"index":1,"relevance_score":2}]}`:                           `lacks "index" or "relevance_score"`,
		`{"results":[{"index":1,"relevance_score":0.5},{"index":0,"relevance_score":-3.25}]}`: "",
	} {
		scores, problem := decode([]byte(body), 2)
		if !strings.Contains(problem, want) || (want == "" && problem != "") {
			t.Errorf("decode(%s) problem %q, want %q", body, problem, want)
		}
		if want == "" && (scores[0] != -3.25 || scores[1] != 0.5) {
			t.Errorf("scores %v", scores)
		}
	}
}

// Configuration errors name the setting to fix; none means no reranker.
func TestNewConfigErrors(t *testing.T) {
	if r, err := New(config.RerankConfig{Provider: "none"}, Options{}); r != nil || err != nil {
		t.Fatalf("none gave %v, %v", r, err)
	}
	for cfg, want := range map[config.RerankConfig]string{
		{Provider: "bge"}:                              `rerank.provider: unknown provider "bge"`,
		{Provider: "cohere", APIKey: "k"}:              "rerank.model is required for provider cohere (for example rerank-v3.5",
		{Provider: "cohere", Model: "rerank-v3.5"}:     "rerank.api_key is required for https://api.cohere.com/v2",
		{Provider: "jina", Model: "m"}:                 "rerank.api_key is required for https://api.jina.ai/v1",
		{Provider: "llamacpp", BaseURL: "localhost"}:   "rerank.base_url must be an http(s) URL",
		{Provider: "llamacpp", BaseURL: "http://h/?x"}: "rerank.base_url must not carry a query",
	} {
		_, err := New(cfg, Options{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New(%+v) = %v, want %q", cfg, err, want)
		}
	}
	// A self-hosted Cohere-compatible server needs no key; llama.cpp no model.
	for _, cfg := range []config.RerankConfig{{Provider: "cohere", Model: "m", BaseURL: "http://127.0.0.1:7997/v1"}, {Provider: "llamacpp"}} {
		if _, err := New(cfg, Options{}); err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
}

// The API key never appears in an error, even when the server quotes it.
func TestKeyNeverInErrors(t *testing.T) {
	const key = "co-secret-0123456789"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"message":"invalid api token %s"}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}))
	defer srv.Close()
	r := mustNew(t, config.RerankConfig{Provider: "cohere", Model: "rerank-v3.5", BaseURL: srv.URL + "/v2", APIKey: key}, testOpts(t))
	_, err := r.Rerank(context.Background(), "q", docs)
	wantErr(t, err, "rejected the API key (status 401 Unauthorized)", "check rerank.api_key")
	if strings.Contains(err.Error(), key) {
		t.Fatalf("error %v shows the key", err)
	}
}
