package search

import (
	"github.com/memtomem/memtomem/internal/config"

	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/memtomem/memtomem/internal/embed"
	"github.com/memtomem/memtomem/internal/rerank"
	"github.com/memtomem/memtomem/internal/store"
)

// The legs a search ran, as Response.Legs names them.
const (
	LegKeyword = "bm25"
	LegDense   = "dense"
)

// Score scales, named in every result so nobody compares a BM25 score with
// a fused one.
const (
	ScaleBM25  = store.ScaleBM25 // keyword leg only: the store's KeywordScale, this one for most backends
	ScaleDense = "dense"         // dense leg only; cosine similarity
	ScaleRRF   = "rrf"           // reciprocal rank fusion of both legs
)

// denseTimeout bounds the query embedding of one search.
const denseTimeout = 10 * time.Second

// MaxTopK bounds how many results one search may ask for.
const MaxTopK = 100

// ErrInvalid marks a request the caller must fix (a parameter out of range).
var ErrInvalid = errors.New("invalid search request")

// Request is one search.
type Request struct {
	Query  string
	TopK   int
	Filter store.Filter
	// Weights of the legs in fusion; nil takes the engine's defaults. A
	// weight of 0 drops that leg.
	BM25Weight, DenseWeight *float64
	// DecayHalfLifeDays > 0 halves a result's score per that many days of
	// age; nil takes the engine's default.
	DecayHalfLifeDays *float64
	// MMRLambda in (0, 1] re-ranks for diversity; nil takes the default.
	MMRLambda *float64
	// Now is the reference time for decay (zero: time.Now).
	Now time.Time
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
	Match string `json:"match"`
	// Legs says which legs ran ("bm25", "dense").
	Legs  []string `json:"legs"`
	Hints []string `json:"hints,omitempty"`
	// Unreachable is set when the results are keyword-only because the
	// embedding provider is down (its circuit breaker is open).
	Unreachable *Outage `json:"provider_unreachable,omitempty"`
	// Reranked names the reranker that ordered the top results ("" when
	// none did; see rerank.go).
	Reranked string `json:"reranked_by,omitempty"`
	// RerankUnreachable is set when the results are not reranked because
	// the reranker is down (its circuit breaker is open).
	RerankUnreachable *Outage `json:"reranker_unreachable,omitempty"`
}

// Outage says which provider is down, since when, and when it is tried
// again; until then searches answer from keywords alone.
type Outage struct {
	Provider string    `json:"provider"` // e.g. "openai"
	Endpoint string    `json:"endpoint"` // the URL, password masked
	Since    time.Time `json:"since"`
	RetryAt  time.Time `json:"retry_at"`
	Error    string    `json:"error"` // the failure that opened the breaker
}

// Defaults are the fusion settings a request does not override.
type Defaults struct {
	BM25Weight, DenseWeight float64
	RRFK                    int
	DecayHalfLifeDays       float64
	MMRLambda               float64

	// FusionGuard is GuardAgreement ("" too) or GuardOff; see denseFactor.
	FusionGuard string
}

// DefaultsFor are the defaults the configuration sets.
func DefaultsFor(c config.SearchConfig) Defaults {
	return Defaults{BM25Weight: c.BM25Weight, DenseWeight: c.DenseWeight, RRFK: c.RRFK, FusionGuard: c.FusionGuard,
		DecayHalfLifeDays: c.DecayHalfLifeDays, MMRLambda: c.MMRLambda}
}

// Engine runs searches against a store.
type Engine struct {
	Store    store.Store
	Defaults Defaults
	// Embedder and Generation enable the dense leg; with either unset the
	// engine searches keywords only. Generation must be the generation of
	// the stored vectors, which the caller checked matches the embedder.
	Embedder   embed.Embedder
	Generation string
	// DenseOff explains why the dense leg is off although a provider is
	// configured (e.g. a generation mismatch); it becomes a hint.
	DenseOff string
	// DenseErr, when set, is the provider failure that turned the dense
	// leg off before the search (a failed probe); it is reported like a
	// failure of the dense leg itself.
	DenseErr error
	// Reranker, when set, orders the top RerankCandidates fused results
	// again (0: config.DefaultRerankCandidates; see rerank.go).
	Reranker         rerank.Reranker
	RerankCandidates int
}

func (e *Engine) defaults() Defaults {
	d := e.Defaults
	if d.BM25Weight == 0 && d.DenseWeight == 0 {
		d.BM25Weight, d.DenseWeight = 1, 1
	}
	if d.RRFK <= 0 {
		d.RRFK = 60
	}
	return d
}

func pick(v *float64, def float64) float64 {
	if v != nil {
		return *v
	}
	return def
}

// Search parses the query, runs the keyword and (when available) dense
// legs with filters applied inside the store queries, fuses them by
// reciprocal rank, applies optional time decay and MMR, and cuts top-k.
func (e *Engine) Search(ctx context.Context, req Request) (Response, error) {
	if req.TopK < 1 || req.TopK > MaxTopK {
		return Response{}, fmt.Errorf("%w: top_k must be between 1 and %d (got %d)", ErrInvalid, MaxTopK, req.TopK)
	}
	d := e.defaults()
	bw, dw := pick(req.BM25Weight, d.BM25Weight), pick(req.DenseWeight, d.DenseWeight)
	decay, lambda := pick(req.DecayHalfLifeDays, d.DecayHalfLifeDays), pick(req.MMRLambda, d.MMRLambda)
	switch {
	case bw < 0 || dw < 0 || bw+dw == 0:
		return Response{}, fmt.Errorf("%w: bm25_weight and dense_weight must be >= 0 and not both 0 (got %g and %g)", ErrInvalid, bw, dw)
	case decay < 0:
		return Response{}, fmt.Errorf("%w: decay half-life must be >= 0 days (got %g)", ErrInvalid, decay)
	case lambda < 0 || lambda > 1:
		return Response{}, fmt.Errorf("%w: mmr_lambda must be between 0 and 1 (got %g)", ErrInvalid, lambda)
	}
	q, err := ParseQuery(req.Query)
	if err != nil {
		return Response{}, err
	}
	resp := Response{Match: q.FTS5()}
	dense := dw > 0 && e.Embedder != nil && e.Generation != ""
	if dw > 0 && !dense && e.DenseErr != nil {
		resp.denseFailed(e.DenseErr)
	} else if dw > 0 && !dense && e.DenseOff != "" {
		resp.Hints = append(resp.Hints, e.DenseOff)
	}
	// Fusion and re-ranking look deeper than k, so that a chunk ranked low
	// by one leg but high by the other can still make the cut.
	depth := req.TopK
	if (bw > 0 && dense) || lambda > 0 {
		depth = min(max(req.TopK*4, 40), 200)
	}
	depth = max(depth, e.rerankDepth())

	// The legs run at once: the dense leg's time is mostly the provider
	// embedding the query (a round trip to a model), during which the
	// keyword leg has the CPU. A failed keyword leg cancels the dense one,
	// and Search never returns before both are done.
	var keyword, vector []store.Hit
	var denseErr error
	legs, cancelLegs := context.WithCancel(ctx)
	defer cancelLegs()
	denseDone := make(chan struct{})
	if dense {
		go func() {
			defer close(denseDone)
			vector, denseErr = e.denseLeg(legs, req.Query, req.Filter, depth)
		}()
	} else {
		close(denseDone)
	}
	if bw > 0 {
		keyword, err = e.Store.KeywordSearch(ctx, store.KeywordQuery{Phrases: q.Store(), Filter: req.Filter, Limit: depth})
		if err != nil {
			cancelLegs()
			<-denseDone
			return Response{}, err
		}
		resp.Legs = append(resp.Legs, LegKeyword)
	}
	<-denseDone
	if dense {
		if err := denseErr; err != nil {
			// The memory is still keyword-searchable: degrade, and say so.
			resp.denseFailed(err)
			dense = false
			if bw == 0 {
				return resp, err
			}
		} else {
			resp.Legs = append(resp.Legs, LegDense)
		}
	}

	ranked, scale := fuse(keyword, vector, bw, dw, d.RRFK, bw > 0, dense, d.FusionGuard != GuardOff)
	if scale == ScaleBM25 {
		scale = e.Store.KeywordScale()
	}
	if decay > 0 {
		now := req.Now
		if now.IsZero() {
			now = time.Now()
		}
		applyDecay(ranked, decay, now)
	}
	if lambda > 0 && lambda < 1 {
		if dense {
			ranked, err = e.mmr(ctx, ranked, lambda, req.TopK)
			if err != nil {
				return Response{}, err
			}
		} else {
			resp.Hints = append(resp.Hints, "mmr_lambda ignored: diversity re-ranking needs vectors (configure an embedding provider)")
		}
	}
	reranked := e.rerank(ctx, req.Query, ranked, &resp)
	if len(ranked) > req.TopK {
		ranked = ranked[:req.TopK]
	}
	resp.Results = make([]Result, 0, len(ranked))
	for i, h := range ranked {
		s := scale
		if i < reranked {
			s = ScaleRerank
		}
		resp.Results = append(resp.Results, Result{Rank: i + 1, Score: h.Score, ScoreScale: s, Chunk: h.Chunk})
	}
	if len(resp.Results) == 0 {
		resp.Hints = append(resp.Hints, "no match: try fewer or different words, or widen the filters")
	}
	return resp, nil
}

// denseFailed records why the dense leg did not run: a hint, and when the
// provider's breaker is open, since when it is down and when it is tried
// again.
func (r *Response) denseFailed(err error) {
	o, hint := OutageFrom(err)
	if o == nil {
		r.Hints = append(r.Hints, "dense leg skipped: "+err.Error())
		return
	}
	r.Unreachable = o
	r.Hints = append(r.Hints, hint)
}

// OutageFrom describes the provider outage behind an embedding error, with
// the hint to show; nil when err is not one (the breaker is closed).
func OutageFrom(err error) (*Outage, string) {
	o := embed.OutageOf(err)
	var ee *embed.Error
	if o == nil || !errors.As(err, &ee) {
		return nil, ""
	}
	cause := o.Cause.Error()
	var first *embed.Error
	if errors.As(o.Cause, &first) {
		cause = first.Msg
	}
	return &Outage{Provider: ee.Provider, Endpoint: ee.Where, Since: o.Since, RetryAt: o.RetryAt, Error: cause},
		fmt.Sprintf("keyword results only: %s embeddings at %s is unreachable since %s (%s); it is tried again after %s",
			ee.Provider, ee.Where, o.Since.Format(time.TimeOnly), cause, o.RetryAt.Format(time.TimeOnly))
}

func (e *Engine) denseLeg(ctx context.Context, query string, filter store.Filter, limit int) ([]store.Hit, error) {
	// A query waits for the provider a bounded time; past that the search
	// answers with keywords only rather than hanging the agent.
	ctx, cancel := context.WithTimeout(ctx, denseTimeout)
	defer cancel()
	vecs, err := e.Embedder.Embed(ctx, []string{query})
	if err != nil {
		return nil, err
	}
	return e.Store.DenseSearch(ctx, store.DenseQuery{Generation: e.Generation, Vector: vecs[0], Filter: filter, Limit: limit})
}

// fuse merges the legs. With both legs, each hit scores the sum over legs
// of weight/(k+rank) (reciprocal rank fusion: robust to the legs' scores
// being on unrelated scales). With one leg, its own scores stand.
//
// With guard, the dense weight is scaled per query by denseFactor (in
// fusion.go), its agreement with the keyword leg beyond chance: the
// configured or requested dense_weight is the most the dense leg gets, and
// bm25_weight is never scaled. search.fusion_guard "off" gives the plain
// weights.
func fuse(keyword, vector []store.Hit, bw, dw float64, k int, keywordRan, denseRan, guard bool) ([]store.Hit, string) {
	switch {
	case keywordRan && !denseRan:
		return keyword, ScaleBM25
	case denseRan && !keywordRan:
		return vector, ScaleDense
	}
	if guard {
		dw *= denseFactor(keyword, vector)
	}
	byID := map[string]*store.Hit{}
	var order []string
	add := func(hits []store.Hit, w float64) {
		for i, h := range hits {
			s := w / float64(k+i+1)
			if prev, ok := byID[h.ID]; ok {
				prev.Score += s
				continue
			}
			h.Score = s
			byID[h.ID] = &h
			order = append(order, h.ID)
		}
	}
	add(keyword, bw)
	add(vector, dw)
	out := make([]store.Hit, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out, ScaleRRF
}

// applyDecay halves scores per half-life of age and re-sorts. Scores that
// can be negative do not occur: BM25 is negated to higher-is-better and
// positive, cosine may be negative only for opposite vectors, which decay
// must not promote, so those are left as they are.
func applyDecay(hits []store.Hit, halfLifeDays float64, now time.Time) {
	for i := range hits {
		if hits[i].Score <= 0 || hits[i].CreatedAt.IsZero() {
			continue
		}
		age := now.Sub(hits[i].CreatedAt).Hours() / 24
		if age > 0 {
			hits[i].Score *= math.Pow(0.5, age/halfLifeDays)
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
}

// mmr re-ranks by maximal marginal relevance: repeatedly take the hit that
// best balances relevance (normalised score) against similarity to what
// was already taken, so near-duplicates do not fill the top k.
func (e *Engine) mmr(ctx context.Context, hits []store.Hit, lambda float64, k int) ([]store.Hit, error) {
	if len(hits) < 2 {
		return hits, nil
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	vecs, err := e.Store.Vectors(ctx, e.Generation, ids)
	if err != nil {
		return nil, err
	}
	top := hits[0].Score
	if top <= 0 {
		top = 1
	}
	left := append([]store.Hit(nil), hits...)
	var picked []store.Hit
	for len(picked) < k && len(left) > 0 {
		best, bestScore := 0, math.Inf(-1)
		for i, h := range left {
			maxSim := 0.0
			for _, p := range picked {
				if s := cosine(vecs[h.ID], vecs[p.ID]); s > maxSim {
					maxSim = s
				}
			}
			if s := lambda*(h.Score/top) - (1-lambda)*maxSim; s > bestScore {
				best, bestScore = i, s
			}
		}
		picked = append(picked, left[best])
		left = append(left[:best], left[best+1:]...)
	}
	return picked, nil
}

// cosine of two normalised vectors (0 when either is missing).
func cosine(a, b []float32) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return 0
	}
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}
