package memtomem

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/memtomem/memtomem/internal/search"
	"github.com/memtomem/memtomem/internal/store"
)

// SearchRequest is one search from any front end.
type SearchRequest struct {
	Query string
	// TopK defaults to search.default_top_k.
	TopK int
	// Namespace is a selector: "work", "work,personal", "proj:*".
	Namespace string
	// Tags keeps results carrying any of them.
	Tags []string
	// Source keeps results whose file path matches this glob; a pattern with
	// no glob characters matches any path containing it.
	Source       string
	Since, Until time.Time
	// BM25Weight and DenseWeight override search.bm25_weight and
	// search.dense_weight for this query (0 drops a leg).
	BM25Weight, DenseWeight *float64
	// DecayHalfLifeDays and MMRLambda override their settings.
	DecayHalfLifeDays, MMRLambda *float64
}

// Search runs a ranked search.
func (m *Memory) Search(ctx context.Context, req SearchRequest) (search.Response, error) {
	if err := m.guard(ctx); err != nil {
		return search.Response{}, err
	}
	if strings.TrimSpace(req.Query) == "" {
		return search.Response{}, invalidf("query is empty: give at least one word to search for")
	}
	if req.TopK == 0 {
		req.TopK = m.cfg.Search.DefaultTopK
	}
	if req.TopK < 1 || req.TopK > search.MaxTopK {
		return search.Response{}, invalidf("top_k must be between 1 and %d (got %d)", search.MaxTopK, req.TopK)
	}
	filter, err := buildFilter(req.Namespace, req.Tags, req.Source, req.Since, req.Until)
	if err != nil {
		return search.Response{}, err
	}
	engine, err := m.searchEngine(ctx)
	if err != nil {
		return search.Response{}, err
	}
	resp, err := engine.Search(ctx, search.Request{Query: req.Query, TopK: req.TopK, Filter: filter,
		BM25Weight: req.BM25Weight, DenseWeight: req.DenseWeight, DecayHalfLifeDays: req.DecayHalfLifeDays, MMRLambda: req.MMRLambda})
	if errors.Is(err, search.ErrEmptyQuery) || errors.Is(err, search.ErrInvalid) || errors.Is(err, search.ErrQueryTooLong) {
		return resp, &Error{Kind: KindInvalid, Err: err}
	}
	return resp, wrapStore(err)
}

func buildFilter(namespace string, tags []string, source string, since, until time.Time) (store.Filter, error) {
	var f store.Filter
	ns, err := search.ParseNamespaces(namespace)
	if err != nil {
		return f, &Error{Kind: KindInvalid, Err: err}
	}
	f.Namespaces = ns
	if len(tags) > search.MaxFilterItems {
		return f, invalidf("%d tags in one filter, over the %d limit: filter by the few that matter most", len(tags), search.MaxFilterItems)
	}
	f.Tags = tags
	if source != "" {
		if !strings.ContainsAny(source, "*?[") {
			source = "*" + source + "*"
		} else if !strings.HasPrefix(source, "/") && !strings.HasPrefix(source, "*") {
			source = "*/" + source
		}
		f.SourceGlob = source
	}
	if !since.IsZero() && !until.IsZero() && !until.After(since) {
		return f, invalidf("until (%s) must be after since (%s)", until.Format(time.RFC3339), since.Format(time.RFC3339))
	}
	f.Since, f.Until = since, until
	return f, nil
}

// RecallRequest lists memories by time.
type RecallRequest struct {
	Since, Until time.Time
	Namespace    string
	Tags         []string
	Limit        int
	Offset       int
}

// Recall lists chunks newest first within a date range.
func (m *Memory) Recall(ctx context.Context, req RecallRequest) ([]store.Chunk, error) {
	if err := m.guard(ctx); err != nil {
		return nil, err
	}
	filter, err := buildFilter(req.Namespace, req.Tags, "", req.Since, req.Until)
	if err != nil {
		return nil, err
	}
	return m.list(ctx, filter, req.Limit, 20, req.Offset)
}

// list pages through chunks newest first; limit 0 takes defaultLimit.
func (m *Memory) list(ctx context.Context, filter store.Filter, limit, defaultLimit, offset int) ([]store.Chunk, error) {
	if limit == 0 {
		limit = defaultLimit
	}
	if limit < 1 || limit > 1000 {
		return nil, invalidf("limit must be between 1 and 1000 (got %d)", limit)
	}
	if offset < 0 {
		return nil, invalidf("offset must be 0 or more (got %d)", offset)
	}
	chunks, err := m.store.List(ctx, store.ListQuery{Filter: filter, Limit: limit, Offset: offset})
	return chunks, wrapStore(err)
}

// ListRequest pages through stored chunks.
type ListRequest struct {
	Namespace string
	Tags      []string
	Source    string
	Limit     int
	Offset    int
}

// List returns chunks newest first, filtered.
func (m *Memory) List(ctx context.Context, req ListRequest) ([]store.Chunk, error) {
	if err := m.guard(ctx); err != nil {
		return nil, err
	}
	filter, err := buildFilter(req.Namespace, req.Tags, req.Source, time.Time{}, time.Time{})
	if err != nil {
		return nil, err
	}
	return m.list(ctx, filter, req.Limit, 50, req.Offset)
}

// Read returns one chunk by its chunk id or by the entry id written in the
// markdown ("> id:"); see resolveID.
func (m *Memory) Read(ctx context.Context, id string) (store.Chunk, error) {
	if err := m.guard(ctx); err != nil {
		return store.Chunk{}, err
	}
	return m.resolveID(ctx, id)
}

func (m *Memory) fileChunks(ctx context.Context, path string) ([]store.Chunk, error) {
	return m.store.List(ctx, store.ListQuery{Source: path, Filter: store.Filter{IncludeArchive: true}, Limit: 1 << 30})
}
