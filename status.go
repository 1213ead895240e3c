package memtomem

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/embed"
	"github.com/memtomem/memtomem/internal/fspath"
	"github.com/memtomem/memtomem/internal/index"
)

// Status describes the store.
type Status struct {
	Version       string `json:"version"`
	Home          string `json:"home"`
	Database      string `json:"database"`
	SchemaVersion int    `json:"schema_version"`
	ReadOnly      string `json:"read_only,omitempty"`
	// Disk says which disk of the store refuses writes now (full or
	// read-only; see DiskState), "" when none does.
	Disk       string   `json:"disk,omitempty"`
	MemoryDirs []string `json:"memory_dirs"`
	Files      int      `json:"files"`
	Chunks     int      `json:"chunks"`
	DBBytes    int64    `json:"db_bytes"`
	// Namespaces and Tags hold the store.StatsTop most used; the More
	// fields count the others (listed a page at a time by NamespaceCounts
	// and TagCounts).
	Namespaces     map[string]int   `json:"namespaces"`
	Tags           map[string]int   `json:"tags"`
	NamespacesMore int              `json:"namespaces_more,omitempty"`
	TagsMore       int              `json:"tags_more,omitempty"`
	Embedding      EmbeddingStatus  `json:"embedding"`
	Instances      []coord.Instance `json:"instances"`
	// Sources are the folders and files remembered by mm index PATH, which
	// mm reset indexes again; SourcesError says why they could not be read.
	Sources      []Source `json:"sources"`
	SourcesError string   `json:"sources_error,omitempty"`
	// Problems are memory entries with bad characters (see FileProblem), at
	// most 50; ProblemCount counts them all.
	Problems     []FileProblem `json:"problems,omitempty"`
	ProblemCount int           `json:"problem_count,omitempty"`
}

// Status reports what the store holds.
func (m *Memory) Status(ctx context.Context) (Status, error) {
	if err := m.guard(ctx); err != nil {
		return Status{}, err
	}
	st, err := m.store.Stats(ctx)
	if err != nil {
		return Status{}, wrapStore(err)
	}
	live, err := m.coord.Live(ctx)
	if err != nil {
		return Status{}, err
	}
	emb, err := m.Embedding(ctx)
	if err != nil {
		return Status{}, err
	}
	srcs, srcErr := m.Sources()
	if srcs == nil {
		srcs = []Source{}
	}
	var srcProblem string
	if srcErr != nil {
		srcProblem = srcErr.Error() // status still answers; the list is named broken
	}
	problems, nproblems, err := m.fileProblems(ctx)
	if err != nil {
		return Status{}, err
	}
	return Status{
		Sources:        srcs,
		SourcesError:   srcProblem,
		Instances:      live,
		Version:        Version,
		Home:           m.cfg.Home,
		Database:       m.store.Where(),
		SchemaVersion:  st.SchemaVersion,
		ReadOnly:       m.store.ReadOnlyReason(),
		Disk:           m.DiskState(),
		MemoryDirs:     m.cfg.Indexing.MemoryDirs,
		Files:          st.Files,
		Chunks:         st.Chunks,
		DBBytes:        st.DBBytes,
		Namespaces:     st.Namespaces,
		Tags:           st.Tags,
		NamespacesMore: st.NamespaceCount - len(st.Namespaces),
		TagsMore:       st.TagCount - len(st.Tags),
		Embedding:      emb,
		Problems:       problems,
		ProblemCount:   nproblems,
	}, nil
}

// IndexRequest indexes files and folders.
type IndexRequest struct {
	Paths     []string
	Recursive bool
	Force     bool
	Namespace string
	Progress  func(done, total int, path string)
	// EmbedProgress follows the embedding of new chunks after the walk.
	EmbedProgress func(done, total int)
	// Remember records Paths in the remembered sources (sources.json), so
	// mm reset and mm index with no paths index them again. Only the CLI
	// sets it, for paths the user typed: an agent's mem_index must not
	// widen the list, which is to become the set of roots an agent may read.
	Remember bool
	// Confined marks a request made for an agent (mem_index): every path
	// must lie inside a memory directory or a remembered source, the roots
	// the user allowed; any other is refused with how the user allows it.
	Confined bool
}

// Index brings the store up to date with the given paths; with none, with
// the memory directories and every remembered source.
func (m *Memory) Index(ctx context.Context, req IndexRequest) (index.Stats, error) {
	if err := m.guard(ctx); err != nil {
		return index.Stats{}, err
	}
	if err := m.writable(); err != nil {
		return index.Stats{}, err
	}
	if req.Namespace != "" {
		if _, err := buildFilter(req.Namespace, nil, "", time.Time{}, time.Time{}); err != nil {
			return index.Stats{}, err
		}
	}
	if req.Force && m.embedder != nil {
		// A forced run re-embeds too, switching the store to the configured
		// generation: the old vectors go, every chunk is embedded again.
		// Only once the provider has answered: with it down the run
		// re-indexes keywords, keeps the old vectors, and the embedding
		// step reports the failure.
		if g, err := embed.Confirm(ctx, m.embedder); err == nil {
			if err := m.store.SetMeta(ctx, metaGeneration, g.String()); err != nil {
				return index.Stats{}, wrapStore(err)
			}
			if _, err := m.store.DropVectors(ctx, ""); err != nil {
				return index.Stats{}, wrapStore(err)
			}
		}
	}
	if len(req.Paths) == 0 {
		return m.indexEverything(ctx, req)
	}
	var roots []string
	if req.Confined {
		var err error
		if roots, err = m.allowedRoots(req.Paths); err != nil {
			return index.Stats{}, err
		}
	}
	st, err := m.indexer.IndexPaths(ctx, req.Paths, index.Options{
		Namespace: req.Namespace, Force: req.Force, Recursive: req.Recursive, Progress: req.Progress,
		EmbedProgress: req.EmbedProgress, Roots: roots,
	})
	if errors.Is(err, fspath.ErrEscapes) {
		// An allowed path became a link out between the check and the open.
		return st, &Error{Kind: KindRefused, Err: err}
	}
	if err != nil && st.FilesScanned == 0 && ctx.Err() == nil && diskError(err) == nil {
		return st, &Error{Kind: KindInvalid, Err: err}
	}
	if err == nil && req.Remember {
		st.Remembered, err = m.remember(ctx, req)
	}
	return st, wrapStore(err)
}

// Check runs the store's integrity check.
func (m *Memory) Check(ctx context.Context) error {
	if err := m.guard(ctx); err != nil {
		return err
	}
	return wrapStore(m.store.Check(ctx))
}

// Summary is the one-line human form of the embedding status.
func (e EmbeddingStatus) Summary() string {
	if u := e.Unreachable; u != nil {
		return fmt.Sprintf("%s: the provider is unreachable since %s (%s); searches are keyword-only until it is tried again after %s",
			e.Configured, u.Since.Format(time.TimeOnly), u.Error, u.RetryAt.Format(time.TimeOnly))
	}
	switch {
	case e.Configured == "":
		return "none (keyword search only)"
	case !e.Active:
		return e.Configured + ": " + e.Reason
	case e.Missing > 0:
		return fmt.Sprintf("%s: hybrid search; %d chunks with vectors, %d without (run mm index to embed them)", e.Configured, e.WithVector, e.Missing)
	}
	return fmt.Sprintf("%s: hybrid search; %d chunks with vectors", e.Configured, e.WithVector)
}

// DiskState says, for the first disk of the store (its home, its database's
// folder, its memory folders) that refuses writes now, what is wrong and
// what still works; "" when every one takes writes. It costs a statfs(2) per
// folder, so status and start-up can afford it; a quota is seen only when a
// write hits it.
func (m *Memory) DiskState() string {
	dirs := append([]string{m.cfg.Home, filepath.Dir(m.cfg.DBPath())}, m.cfg.Indexing.MemoryDirs...)
	for _, dir := range dirs {
		if e := coord.ProbeDisk(dir); e != 0 {
			return coord.DiskAdvice(e, dir) + ", then retry; until then writes (add, edit, delete, index) fail and nothing is written, while searches and reads still work"
		}
	}
	return ""
}
