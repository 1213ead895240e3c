package memtomem

import (
	"context"
	"time"

	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/index"
)

// Status describes the store.
type Status struct {
	Version       string           `json:"version"`
	Home          string           `json:"home"`
	Database      string           `json:"database"`
	SchemaVersion int              `json:"schema_version"`
	ReadOnly      string           `json:"read_only,omitempty"`
	MemoryDirs    []string         `json:"memory_dirs"`
	Files         int              `json:"files"`
	Chunks        int              `json:"chunks"`
	DBBytes       int64            `json:"db_bytes"`
	Namespaces    map[string]int   `json:"namespaces"`
	Tags          map[string]int   `json:"tags"`
	Embedding     string           `json:"embedding"`
	Instances     []coord.Instance `json:"instances"`
}

// Status reports what the store holds.
func (m *Memory) Status(ctx context.Context) (Status, error) {
	st, err := m.store.Stats(ctx)
	if err != nil {
		return Status{}, wrapStore(err)
	}
	live, err := coord.Live(m.runDir)
	if err != nil {
		return Status{}, err
	}
	return Status{
		Instances:     live,
		Version:       Version,
		Home:          m.cfg.Home,
		Database:      m.cfg.DBPath(),
		SchemaVersion: st.SchemaVersion,
		ReadOnly:      m.db.ReadOnlyReason(),
		MemoryDirs:    m.cfg.Indexing.MemoryDirs,
		Files:         st.Files,
		Chunks:        st.Chunks,
		DBBytes:       st.DBBytes,
		Namespaces:    st.Namespaces,
		Tags:          st.Tags,
		Embedding:     m.cfg.Embedding.Provider,
	}, nil
}

// IndexRequest indexes files and folders.
type IndexRequest struct {
	Paths     []string
	Recursive bool
	Force     bool
	Namespace string
	Progress  func(done, total int, path string)
}

// Index brings the store up to date with the given paths.
func (m *Memory) Index(ctx context.Context, req IndexRequest) (index.Stats, error) {
	if err := m.writable(); err != nil {
		return index.Stats{}, err
	}
	if len(req.Paths) == 0 {
		req.Paths = m.cfg.Indexing.MemoryDirs
	}
	if req.Namespace != "" {
		if _, err := buildFilter(req.Namespace, nil, "", time.Time{}, time.Time{}); err != nil {
			return index.Stats{}, err
		}
	}
	st, err := m.indexer.IndexPaths(ctx, req.Paths, index.Options{
		Namespace: req.Namespace, Force: req.Force, Recursive: req.Recursive, Progress: req.Progress,
	})
	if err != nil && st.FilesScanned == 0 && ctx.Err() == nil {
		return st, &Error{Kind: KindInvalid, Err: err}
	}
	return st, wrapStore(err)
}

// Check runs the store's integrity check.
func (m *Memory) Check(ctx context.Context) error { return wrapStore(m.store.Check(ctx)) }
