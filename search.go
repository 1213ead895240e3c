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
	filter.Project = m.project
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
	if len(source) > search.MaxPatternBytes {
		return f, invalidf("source filter of %d bytes, over the %d limit: give a shorter path or glob", len(source), search.MaxPatternBytes)
	}
	if source != "" {
		if !store.IsGlob(source) {
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
func (m *Memory) Recall(ctx context.Context, req RecallRequest) (ChunkPage, error) {
	if err := m.guard(ctx); err != nil {
		return ChunkPage{}, err
	}
	filter, err := buildFilter(req.Namespace, req.Tags, "", req.Since, req.Until)
	if err != nil {
		return ChunkPage{}, err
	}
	filter.Project = m.project
	return m.list(ctx, filter, req.Limit, 20, req.Offset)
}

// MaxPage bounds one page of every listing (chunks, tags, namespaces): a
// reply stays small however much the store holds, and the rest is a next
// page away.
const MaxPage = 1000

// ChunkPage is one page of a chunk listing and how many chunks the listing
// holds in all.
type ChunkPage struct {
	Chunks []store.Chunk
	Total  int
}

// checkPage validates a page request; limit 0 takes defaultLimit.
func checkPage(limit, defaultLimit, offset int) (int, error) {
	if limit == 0 {
		limit = defaultLimit
	}
	if limit < 1 || limit > MaxPage {
		return 0, invalidf("limit must be between 1 and %d (got %d): page through longer listings with offset", MaxPage, limit)
	}
	if offset < 0 {
		return 0, invalidf("offset must be 0 or more (got %d)", offset)
	}
	return limit, nil
}

// list pages through chunks newest first; limit 0 takes defaultLimit.
func (m *Memory) list(ctx context.Context, filter store.Filter, limit, defaultLimit, offset int) (ChunkPage, error) {
	limit, err := checkPage(limit, defaultLimit, offset)
	if err != nil {
		return ChunkPage{}, err
	}
	q := store.ListQuery{Filter: filter, Limit: limit, Offset: offset}
	chunks, err := m.store.List(ctx, q)
	if err != nil {
		return ChunkPage{}, wrapStore(err)
	}
	total := offset + len(chunks)
	if len(chunks) == limit || (len(chunks) == 0 && offset > 0) {
		// Only a full page (or one past the end) needs the count query.
		if total, err = m.store.CountChunks(ctx, q); err != nil {
			return ChunkPage{}, wrapStore(err)
		}
	}
	return ChunkPage{Chunks: chunks, Total: total}, nil
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
func (m *Memory) List(ctx context.Context, req ListRequest) (ChunkPage, error) {
	if err := m.guard(ctx); err != nil {
		return ChunkPage{}, err
	}
	filter, err := buildFilter(req.Namespace, req.Tags, req.Source, time.Time{}, time.Time{})
	if err != nil {
		return ChunkPage{}, err
	}
	filter.Project = m.project
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
