// Package rerank orders search candidates again with a reranker: a model
// that reads the query together with each candidate (a cross-encoder),
// which judges relevance better than either search leg but is too slow to
// run over a whole store, so it sees only the top fused candidates.
//
// One interface, one implementation per wire format: the Cohere/Jina
// /rerank API (providers cohere and jina, also served by vLLM, Infinity
// and LiteLLM) and llama.cpp server's /v1/rerank (provider llamacpp). The
// default provider is "none": no reranking. Requests go through the
// provider client the embedders use (internal/provider), so the timeout,
// retry and circuit-breaker rules are the same: a dead reranker costs one
// fast failure, then searches answer unreranked while its breaker is open.
package rerank

import (
	"context"

	"github.com/memtomem/memtomem/internal/breaker"
	"github.com/memtomem/memtomem/internal/provider"
)

// Reranker scores documents against a query.
type Reranker interface {
	// Name says which reranker this is, for hints: "cohere rerank-v3.5".
	Name() string
	// Rerank returns one relevance score per document, in the order of
	// docs; higher is more relevant. Scores are comparable only within
	// one call (a cross-encoder's raw logits may be negative). It fails
	// as a whole with an *Error naming the reranker and what to check.
	Rerank(ctx context.Context, query string, docs []string) ([]float64, error)
}

// Error is a reranker failure: a provider.Error whose Kind is "reranker".
type Error = provider.Error

// OutageOf returns the breaker state carried by a reranker error: non-nil
// when the reranker's breaker is open, so a search can say since when it is
// down and when it is tried again.
func OutageOf(err error) *breaker.OpenError { return provider.OutageOf(err) }

// MaxDocBytes caps each document sent: longer ones are cut (on a character
// boundary, at a space when one is near). A chunk's opening carries most
// of what a reranker needs, and rerank models read 512 tokens or so
// (llama.cpp's server refuses a pair longer than its batch, 512 tokens by
// default unless started with a larger -ub): 2000 bytes is about 450
// English tokens.
const MaxDocBytes = 2000

// Down is the error a call to r would get now without contacting anyone:
// non-nil while r's endpoint breaker is open (for status displays).
func Down(r Reranker) error {
	h, ok := r.(*httpReranker)
	if !ok {
		return nil
	}
	return h.c.Down()
}
