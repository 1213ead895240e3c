package search

import (
	"context"
	"fmt"

	"github.com/memtomem/memtomem/internal/store"
)

// Score scales, named in every result so nobody compares a BM25 score with
// a fused one.
const (
	ScaleBM25 = "bm25"
	ScaleRRF  = "rrf"
)

// MaxTopK bounds how many results one search may ask for.
const MaxTopK = 100

// Request is one search.
type Request struct {
	Query  string
	TopK   int
	Filter store.Filter
}

// Result is one ranked chunk.
type Result struct {
	Rank       int     `json:"rank"`
	Score      float64 `json:"score"`
	ScoreScale string  `json:"score_scale"`
	store.Chunk
}

// Response is a ranked list plus what the caller should know about it.
type Response struct {
	Results []Result `json:"results"`
	// Match is the keyword expression that ran, for debugging odd rankings.
	Match string   `json:"match"`
	Hints []string `json:"hints,omitempty"`
}

// Engine runs searches against a store.
type Engine struct {
	Store store.Store
}

// Search parses the query, runs the keyword leg with filters applied inside
// the store query (so top-k is filled from matching chunks), and ranks.
func (e *Engine) Search(ctx context.Context, req Request) (Response, error) {
	if req.TopK < 1 || req.TopK > MaxTopK {
		return Response{}, fmt.Errorf("top_k must be between 1 and %d (got %d)", MaxTopK, req.TopK)
	}
	q, err := ParseQuery(req.Query)
	if err != nil {
		return Response{}, err
	}
	match := q.FTS5()
	hits, err := e.Store.KeywordSearch(ctx, store.KeywordQuery{Match: match, Filter: req.Filter, Limit: req.TopK})
	if err != nil {
		return Response{}, err
	}
	resp := Response{Match: match, Results: make([]Result, 0, len(hits))}
	for i, h := range hits {
		resp.Results = append(resp.Results, Result{Rank: i + 1, Score: h.Score, ScoreScale: ScaleBM25, Chunk: h.Chunk})
	}
	if len(hits) == 0 {
		resp.Hints = append(resp.Hints, "no keyword match: try fewer or different words, or widen the filters")
	}
	return resp, nil
}
