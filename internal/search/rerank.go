package search

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/rerank"
	"github.com/memtomem/memtomem/internal/store"
)

// ScaleRerank is the scale of a result the reranker scored: its relevance
// score, comparable only within one search (a cross-encoder's raw logits
// may be negative). Results below the reranked ones keep their fused score
// and scale.
const ScaleRerank = "rerank"

// rerankDepth is how deep the legs must look for the reranker to see its
// candidates (0 without a reranker).
func (e *Engine) rerankDepth() int {
	if e.Reranker == nil {
		return 0
	}
	return e.candidates()
}

func (e *Engine) candidates() int {
	if e.RerankCandidates <= 0 {
		return config.DefaultRerankCandidates
	}
	return min(e.RerankCandidates, config.MaxRerankCandidates)
}

// rerank sends the chunk texts of the top candidates of ranked (after
// fusion, decay and MMR) to the reranker and orders them by its scores,
// in place; hits below them keep their order. It returns how many hits at
// the head now carry reranker scores: 0 when there is no reranker, fewer
// than two hits, or the reranker failed — then ranked is unchanged and
// resp says why, as a hint and, when the reranker's breaker is open, with
// since when it is down.
func (e *Engine) rerank(ctx context.Context, query string, ranked []store.Hit, resp *Response) int {
	if e.Reranker == nil || len(ranked) < 2 {
		return 0
	}
	head := ranked[:min(len(ranked), e.candidates())]
	docs := make([]string, len(head))
	for i, h := range head {
		docs[i] = h.Content
	}
	scores, err := e.Reranker.Rerank(ctx, query, docs)
	if err != nil {
		resp.rerankFailed(err)
		return 0
	}
	for i := range head {
		head[i].Score = scores[i]
	}
	// Stable: ties keep the fused order.
	sort.SliceStable(head, func(i, j int) bool { return head[i].Score > head[j].Score })
	resp.Reranked = e.Reranker.Name()
	return len(head)
}

// rerankFailed records why the results are not reranked: a hint, and when
// the reranker's breaker is open, since when it is down and when it is
// tried again. A cancelled search says nothing.
func (r *Response) rerankFailed(err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	var re *rerank.Error
	o := rerank.OutageOf(err)
	if o == nil || !errors.As(err, &re) {
		r.Hints = append(r.Hints, "results not reranked: "+err.Error())
		return
	}
	cause := o.Cause.Error()
	var first *rerank.Error
	if errors.As(o.Cause, &first) {
		cause = first.Msg
	}
	r.RerankUnreachable = &Outage{Provider: re.Provider, Endpoint: re.Where, Since: o.Since, RetryAt: o.RetryAt, Error: cause}
	r.Hints = append(r.Hints, fmt.Sprintf("results not reranked: %s reranker at %s is unreachable since %s (%s); it is tried again after %s",
		re.Provider, re.Where, o.Since.Format(time.TimeOnly), cause, o.RetryAt.Format(time.TimeOnly)))
}
