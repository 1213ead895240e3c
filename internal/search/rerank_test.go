package search

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/breaker/breakertest"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/rerank"
	"github.com/memtomem/memtomem/internal/rerank/reranktest"
)

// Four notes about deploys. BM25 ranks the one repeating "deploy" first;
// the reranker of these tests knows the one holding the answer is best.
var deployDocs = []doc{
	{text: "deploy deploy deploy: the deploy checklist"},
	{text: "deploy notes from the old wiki about deploy"},
	{text: "the answer: a deploy waits for the nightly backup"},
	{text: "deploy"},
}

func answerFirst(_, d string) float64 {
	if strings.Contains(d, "answer") {
		return 9.5
	}
	return -float64(len(d)) / 100 // llama.cpp-style logits may be negative
}

func keywordOnly(q string, k int) Request {
	off := 0.0
	return Request{Query: q, TopK: k, DenseWeight: &off}
}

func withReranker(t *testing.T, e *Engine, cfg config.RerankConfig, opts rerank.Options) *breakertest.Clock {
	t.Helper()
	br, clock := breakertest.New(30 * time.Second)
	opts.Breaker = br
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Second
	}
	opts.BackoffBase, opts.MaxBackoff = time.Millisecond, 5*time.Millisecond
	r, err := rerank.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	e.Reranker = r
	return clock
}

// The reranker's order is the results' order, whichever API it speaks; it
// is sent the chunks' text; the reranked results say so.
func TestRerankReordersResults(t *testing.T) {
	for _, tc := range []struct {
		provider string
		format   reranktest.Format
	}{{"cohere", reranktest.Cohere}, {"jina", reranktest.Jina}, {"llamacpp", reranktest.LlamaCpp}} {
		t.Run(tc.provider, func(t *testing.T) {
			e := newEngine(t, deployDocs...)
			plain, err := e.Search(context.Background(), keywordOnly("deploy", 4))
			if err != nil {
				t.Fatal(err)
			}
			if got := contents(plain); len(got) != 4 || strings.Contains(got[0], "answer") {
				t.Fatalf("setup: BM25 should not rank the answer first: %q", got)
			}
			srv := reranktest.New(t, tc.format, answerFirst)
			withReranker(t, e, config.RerankConfig{Provider: tc.provider, Model: "m", BaseURL: srv.BaseURL()}, rerank.Options{})
			resp, err := e.Search(context.Background(), keywordOnly("deploy", 4))
			if err != nil {
				t.Fatal(err)
			}
			got := contents(resp)
			if len(got) != 4 || !strings.Contains(got[0], "answer") || resp.Results[0].Score != 9.5 {
				t.Fatalf("reranked ranking %q (%+v)", got, resp.Results)
			}
			for i, r := range resp.Results {
				if r.ScoreScale != ScaleRerank || r.Rank != i+1 || (i > 0 && r.Score > resp.Results[i-1].Score) {
					t.Fatalf("result %d: %+v: want rerank scores, descending", i, r)
				}
			}
			if resp.Reranked != tc.provider+" m" || len(resp.Hints) != 0 {
				t.Fatalf("reranked_by %q, hints %q", resp.Reranked, resp.Hints)
			}
			reqs := srv.Requests()
			if len(reqs) != 1 || reqs[0].Query != "deploy" || strings.Join(reqs[0].Documents, "|") != strings.Join(contents(plain), "|") {
				t.Fatalf("requests %+v: want the query and the chunks in fused order", reqs)
			}
		})
	}
}

// Only rerank.candidates results are sent; the rest follow in their fused
// order with their fused scores, even when top_k asks for fewer than that.
func TestRerankOnlyTheCandidates(t *testing.T) {
	e := newEngine(t, deployDocs...)
	plain, _ := e.Search(context.Background(), keywordOnly("deploy", 4))
	srv := reranktest.New(t, reranktest.LlamaCpp, func(_, d string) float64 { return -float64(len(d)) })
	withReranker(t, e, config.RerankConfig{Provider: "llamacpp", BaseURL: srv.BaseURL()}, rerank.Options{})
	e.RerankCandidates = 2
	resp, err := e.Search(context.Background(), keywordOnly("deploy", 4))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()[0].Documents); n != 2 {
		t.Fatalf("%d documents sent, want rerank.candidates = 2", n)
	}
	p, r := contents(plain), contents(resp)
	if r[0] != p[1] || r[1] != p[0] || r[2] != p[2] || r[3] != p[3] {
		t.Fatalf("want the top two swapped (the shorter first) and the tail as fused:\nfused    %q\nreranked %q", p, r)
	}
	if resp.Results[1].ScoreScale != ScaleRerank || resp.Results[2].ScoreScale != plain.Results[2].ScoreScale ||
		resp.Results[2].Score != plain.Results[2].Score {
		t.Fatalf("scales %+v", resp.Results)
	}
	// top_k 1: the reranker still sees its candidates, not just one.
	e.RerankCandidates = 3
	resp, _ = e.Search(context.Background(), keywordOnly("deploy", 1))
	if n := len(srv.Requests()[1].Documents); n != 3 || len(resp.Results) != 1 {
		t.Fatalf("%d documents sent, %d results; want 3 and 1", n, len(resp.Results))
	}
}

// unreranked checks resp is the fused ranking, with a hint naming why.
func unreranked(t *testing.T, resp Response, plain Response, hint ...string) {
	t.Helper()
	if strings.Join(contents(resp), "|") != strings.Join(contents(plain), "|") || resp.Reranked != "" {
		t.Fatalf("want the fused ranking %q, got %q (reranked by %q)", contents(plain), contents(resp), resp.Reranked)
	}
	for _, r := range resp.Results {
		if r.ScoreScale == ScaleRerank {
			t.Fatalf("result %+v carries a rerank scale", r)
		}
	}
	all := strings.Join(resp.Hints, "\n")
	for _, h := range append([]string{"results not reranked: "}, hint...) {
		if !strings.Contains(all, h) {
			t.Errorf("hints %q lack %q", resp.Hints, h)
		}
	}
}

// A reranker that hangs costs one search its timeout; that search and the
// next come back unreranked, and the next does not wait.
func TestRerankTimeoutFallsBack(t *testing.T) {
	e := newEngine(t, deployDocs...)
	plain, _ := e.Search(context.Background(), keywordOnly("deploy", 4))
	srv := reranktest.New(t, reranktest.Cohere, answerFirst)
	srv.Set(reranktest.Hanging)
	withReranker(t, e, config.RerankConfig{Provider: "cohere", Model: "rerank-v3.5", BaseURL: srv.BaseURL()}, rerank.Options{Timeout: 100 * time.Millisecond})
	resp, err := e.Search(context.Background(), keywordOnly("deploy", 4))
	if err != nil {
		t.Fatal(err)
	}
	unreranked(t, resp, plain, "cohere reranker at", "is unreachable since", "did not answer within 100ms", "it is tried again after")
	if resp.RerankUnreachable == nil || resp.RerankUnreachable.Provider != "cohere" {
		t.Fatalf("reranker_unreachable %+v", resp.RerankUnreachable)
	}
	resp, _ = e.Search(context.Background(), keywordOnly("deploy", 4))
	unreranked(t, resp, plain, "is unreachable since")
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("%d requests, want 1: none while the breaker is open", n)
	}
}

type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// A dead reranker (closed port): one fast failure, then no attempt at all
// while its breaker is open, and every search answers unreranked with the
// hint. After the cool-down one trial goes out.
func TestDeadRerankerFallsBack(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	e := newEngine(t, deployDocs...)
	plain, _ := e.Search(context.Background(), keywordOnly("deploy", 4))
	ct := &countingTransport{}
	clock := withReranker(t, e, config.RerankConfig{Provider: "llamacpp", BaseURL: "http://" + addr + "/v1"},
		rerank.Options{HTTPClient: &http.Client{Transport: ct}})
	for i := range 3 {
		resp, err := e.Search(context.Background(), keywordOnly("deploy", 4))
		if err != nil {
			t.Fatal(err)
		}
		unreranked(t, resp, plain, "llamacpp reranker at http://"+addr+"/v1/rerank is unreachable since 23:00:00", "refused the connection", "tried again after 23:00:30")
		if resp.RerankUnreachable == nil || resp.Unreachable != nil {
			t.Fatalf("search %d: reranker_unreachable %+v, provider_unreachable %+v", i, resp.RerankUnreachable, resp.Unreachable)
		}
	}
	if ct.n.Load() != 1 {
		t.Fatalf("%d attempts, want 1", ct.n.Load())
	}
	clock.Advance(30 * time.Second)
	e.Search(context.Background(), keywordOnly("deploy", 4))
	if ct.n.Load() != 2 {
		t.Fatalf("%d attempts after the cool-down, want 2 (one trial)", ct.n.Load())
	}
}

// A 400 (a wrong model, say) is reported on every search and does not
// open the breaker: the reranker is up, the setting is wrong.
func TestRerankRejectionHint(t *testing.T) {
	e := newEngine(t, deployDocs...)
	plain, _ := e.Search(context.Background(), keywordOnly("deploy", 4))
	srv := reranktest.New(t, reranktest.Cohere, nil)
	srv.Set(reranktest.Rejecting)
	withReranker(t, e, config.RerankConfig{Provider: "cohere", Model: "rerank-nope", BaseURL: srv.BaseURL()}, rerank.Options{})
	for range 2 {
		resp, err := e.Search(context.Background(), keywordOnly("deploy", 4))
		if err != nil {
			t.Fatal(err)
		}
		unreranked(t, resp, plain, "rejected the request (status 400 Bad Request): model 'rerank-nope' not found", "check rerank.model")
		if resp.RerankUnreachable != nil {
			t.Fatalf("a rejection is no outage: %+v", resp.RerankUnreachable)
		}
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("%d requests, want 2: the breaker stays closed", n)
	}
}

// Without a reranker (the default) nothing changes: no reranker field, no
// hint, the fused scale.
func TestNoRerankerByDefault(t *testing.T) {
	cfg := config.Default(t.TempDir())
	r, err := rerank.New(cfg.Rerank, rerank.OptionsFor(cfg.Rerank))
	if err != nil || r != nil {
		t.Fatalf("default rerank config gave %v, %v; want no reranker", r, err)
	}
	e := newEngine(t, deployDocs...)
	resp, err := e.Search(context.Background(), Request{Query: "deploy", TopK: 4})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Reranked != "" || resp.RerankUnreachable != nil || len(resp.Hints) != 0 || resp.Results[0].ScoreScale != ScaleRRF {
		t.Fatalf("%+v", resp)
	}
}
