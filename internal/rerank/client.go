package rerank

import (
	"context"
	"strings"
	"unicode"

	"github.com/memtomem/memtomem/internal/provider"
	"github.com/memtomem/memtomem/internal/text"
)

// httpReranker sends one request per Rerank call through the provider
// client (timeouts, retries, the endpoint's circuit breaker).
type httpReranker struct {
	w *wire
	c *provider.Client
}

func (r *httpReranker) Name() string {
	if r.w.model == "" {
		return r.w.provider
	}
	return r.w.provider + " " + r.w.model
}

// Rerank scores docs in one request. The whole call, retries included, is
// bounded by twice the request timeout, so a search never waits on a
// reranker longer than that; a reranker that hangs opens its breaker and
// the next searches do not wait at all.
func (r *httpReranker) Rerank(ctx context.Context, query string, docs []string) ([]float64, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	sent := make([]string, len(docs))
	for i, d := range docs {
		sent[i] = capDoc(d, MaxDocBytes)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*r.c.Options().Timeout)
	defer cancel()
	var scores []float64
	err := r.c.Do(ctx,
		func() ([]byte, error) { return r.w.encode(query, sent) },
		func(body []byte) string {
			var problem string
			scores, problem = decode(body, len(sent))
			return problem
		})
	if err != nil {
		return nil, err
	}
	return scores, nil
}

// capDoc cuts s to at most n bytes on a character boundary, at the last
// space in the final fifth when there is one, so a word is not split.
func capDoc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := len(text.Prefix(s, n))
	if sp := strings.LastIndexFunc(s[:cut], unicode.IsSpace); sp > n*4/5 {
		cut = sp
	}
	return s[:cut]
}
