package eval

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/embed"
	"github.com/memtomem/memtomem/internal/index"
	"github.com/memtomem/memtomem/internal/rerank"
	"github.com/memtomem/memtomem/internal/search"
	"github.com/memtomem/memtomem/internal/store"
)

// RunOptions tune Run.
type RunOptions struct {
	// K is how many results each query retrieves (at least 10).
	K int
	// GroupBy, when set, gives each value of this field its own store.
	GroupBy string
	// Dir is a scratch directory for the throwaway databases.
	Dir string
	// Backend is the storage backend the throwaway stores use, as
	// storage.backend names it ("" = sqlite), each a file in Dir.
	Backend string
	// Store, when its Backend is set, is where every group's throwaway
	// store lives instead, one group after another (a scratch database of
	// a network backend, see Scratch). What it holds is emptied first if
	// it is a throwaway store itself (ClearScratch).
	Store store.Location
	// Search is the configuration's search section, whose defaults (fusion
	// weights, decay, MMR) every query runs with; zero values take the
	// engine's own.
	Search config.SearchConfig
	// Progress is called after each query.
	Progress func(done, total int)
	// Embedder, when set, embeds the corpus and runs the dense leg too, so
	// any model can be measured (nil: keyword search only).
	Embedder embed.Embedder
	// Weights override the fusion defaults (nil: 1 and 1).
	BM25Weight, DenseWeight *float64
	// Reranker, when set, orders the top RerankCandidates fused results of
	// every query again, as in mm search (nil: no reranking).
	Reranker         rerank.Reranker
	RerankCandidates int
}

// RunStats are the costs of a run.
type RunStats struct {
	Docs           int
	IndexDuration  time.Duration
	SearchDuration time.Duration
	// QueryTimes are each query's search time, in the order run.
	QueryTimes []time.Duration
}

// QueryPercentile is the p-th percentile (0-100) of the queries' search
// times (0 without queries).
func (st RunStats) QueryPercentile(p int) time.Duration {
	if len(st.QueryTimes) == 0 {
		return 0
	}
	sorted := slices.Clone(st.QueryTimes)
	slices.Sort(sorted)
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

// Run indexes the dataset into throwaway stores under opts.Dir and scores
// every query through the same search engine mm search uses.
func Run(ctx context.Context, ds *Dataset, opts RunOptions) (Metrics, RunStats, error) {
	var st RunStats
	if opts.K < 10 {
		opts.K = 100
	}
	ranked := map[string][]string{}
	done := 0
	err := eachGroup(ctx, ds, opts, &st, func(g *Dataset, db store.DB) error {
		engine := &search.Engine{Store: db, Defaults: search.DefaultsFor(opts.Search),
			Reranker: opts.Reranker, RerankCandidates: opts.RerankCandidates}
		if opts.Embedder != nil {
			engine.Embedder, engine.Generation = opts.Embedder, opts.Embedder.Generation().String()
		}
		start := time.Now()
		defer func() { st.SearchDuration += time.Since(start) }()
		for _, q := range g.Queries {
			if err := ctx.Err(); err != nil {
				return err
			}
			began := time.Now()
			ids, err := RankQuery(ctx, engine, q.Text, opts.K, opts.BM25Weight, opts.DenseWeight)
			st.QueryTimes = append(st.QueryTimes, time.Since(began))
			if err != nil {
				return fmt.Errorf("query %s: %w", q.ID, err)
			}
			ranked[q.ID] = ids
			done++
			if opts.Progress != nil {
				opts.Progress(done, len(ds.Queries))
			}
		}
		return nil
	})
	if err != nil {
		return Metrics{}, st, err
	}
	return Score(ds, ranked), st, nil
}

// eachGroup indexes each group of ds (opts.GroupBy; the whole set when
// unset) into a throwaway store of its own, one after another in the
// groups' order, and calls fn with the group and its store, which is
// closed when fn returns.
func eachGroup(ctx context.Context, ds *Dataset, opts RunOptions, st *RunStats, fn func(g *Dataset, db store.DB) error) error {
	groups := map[string]*Dataset{"all": ds}
	if opts.GroupBy != "" {
		var err error
		if groups, err = GroupBy(ds, opts.GroupBy); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(groups))
	for name := range groups {
		names = append(names, name)
	}
	sort.Strings(names)
	for i, name := range names {
		loc := store.Location{Backend: opts.Backend, Path: filepath.Join(opts.Dir, fmt.Sprintf("group-%d.db", i))}
		if opts.Store.Backend != "" {
			loc = opts.Store
		}
		db, err := OpenCorpus(ctx, loc, groups[name].Docs, st, opts.Embedder)
		if err != nil {
			return err
		}
		err = fn(groups[name], db)
		db.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// OpenCorpus creates a store at loc holding docs, one chunk per document
// (title and text as one field) or, for conversation turns, the chunks of
// the transcript they make (turnChunks), keyed by document id, embedded
// with e when it is not nil. What loc held before is destroyed first, if it is a
// throwaway store itself (ClearScratch).
func OpenCorpus(ctx context.Context, loc store.Location, docs []Doc, st *RunStats, e embed.Embedder) (store.DB, error) {
	if loc.Backend == "" {
		loc.Backend = "sqlite"
	}
	if loc.Host == "" {
		loc.Host = ScratchHost
	}
	if err := ClearScratch(ctx, loc); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, loc, store.OpenOptions{})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	chunks, err := corpusChunks(docs)
	if err != nil {
		db.Close()
		return nil, err
	}
	build := func() (store.File, []store.Chunk, error) {
		return store.File{Path: "/", Namespace: "default"}, chunks, nil
	}
	if _, _, err := db.ReplaceFile(ctx, store.Always, build); err != nil {
		db.Close()
		return nil, err
	}
	// As mm index does after a walk.
	if err := db.MergeKeywordIndex(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if e != nil {
		// With embedding.dimension 0 the generation is known only once the
		// provider answered; vectors stored under the dimensionless one
		// would be invisible to the dense leg, which asks for the real one.
		gen, err := embed.Probe(ctx, e)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("embed the corpus: %w", err)
		}
		if err := index.EmbedMissing(ctx, db, e, gen.String(), "", nil); err != nil {
			db.Close()
			return nil, fmt.Errorf("embed the corpus: %w", err)
		}
	}
	if st != nil {
		st.IndexDuration += time.Since(start)
		st.Docs += len(docs)
	}
	return db, nil
}

// RankQuery returns the document ids ranked for one query. A query with no
// searchable words ranks nothing rather than failing the run.
func RankQuery(ctx context.Context, engine *search.Engine, text string, k int, bm25Weight, denseWeight *float64) ([]string, error) {
	resp, err := engine.Search(ctx, search.Request{Query: text, TopK: min(k, search.MaxTopK), BM25Weight: bm25Weight, DenseWeight: denseWeight})
	if err == search.ErrEmptyQuery {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if engine.Reranker != nil && resp.Reranked == "" && len(resp.Results) > 1 {
		// A search falls back to the fused order; a measurement must not,
		// or it would report fusion's figures as the reranker's.
		return nil, fmt.Errorf("not reranked (%s): fix the reranker, or set rerank.provider none to measure without it", strings.Join(resp.Hints, "; "))
	}
	ids := make([]string, 0, len(resp.Results))
	for _, r := range resp.Results {
		ids = append(ids, r.EntryID)
	}
	return ids, nil
}

// corpusChunks are the chunks of docs: a document is one chunk (title and
// text as one field), keyed by its id; conversation turns are written as
// a transcript (turnChunks).
func corpusChunks(docs []Doc) ([]store.Chunk, error) {
	chunks := make([]store.Chunk, 0, len(docs))
	var turns []Doc
	for _, d := range docs {
		if d.Turn {
			turns = append(turns, d)
			continue
		}
		// A document's title is its chunk's heading, as a markdown
		// section's title is for memtomem's own chunks.
		var hierarchy []string
		if d.Title != "" {
			hierarchy = []string{d.Title}
		}
		chunks = append(chunks, store.Chunk{
			// The source is "/" so that no file name tokens enter the index.
			Source: "/", Hierarchy: hierarchy, Content: d.Text, ContentHash: d.ID, EntryID: d.ID, Namespace: "default",
		})
	}
	if len(turns) == 0 {
		return chunks, nil
	}
	tc, err := turnChunks(turns)
	return append(chunks, tc...), err
}
