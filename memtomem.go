// Package memtomem is markdown-first long-term memory for AI coding agents.
//
// Memory is the service every front end (CLI, MCP server, web dashboard)
// calls: markdown files are the source of truth, and the store is a cache of
// their chunks that can always be rebuilt by re-indexing.
package memtomem

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/memtomem/memtomem/internal/chunk"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/index"
	"github.com/memtomem/memtomem/internal/memfile"
	"github.com/memtomem/memtomem/internal/search"
	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/store/sqlite"
)

// Version is the binary's version, set at build time with
// -ldflags "-X github.com/memtomem/memtomem.Version=v1.2.3".
var Version = "dev"

// Memory is an open store.
type Memory struct {
	cfg     config.Config
	db      *sqlite.DB
	store   store.Store
	writer  *memfile.Writer
	indexer *index.Indexer
	engine  *search.Engine
}

// Open opens the store described by cfg, creating the home directory, the
// memory directory and the database on first use.
func Open(ctx context.Context, cfg config.Config) (*Memory, error) {
	if err := os.MkdirAll(cfg.Home, 0o755); err != nil {
		return nil, fmt.Errorf("create home %s: %w", cfg.Home, err)
	}
	if err := os.MkdirAll(cfg.MemoryDir(), 0o755); err != nil {
		return nil, fmt.Errorf("create memory directory %s: %w", cfg.MemoryDir(), err)
	}
	runDir, err := coord.RunDir(cfg.Home)
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, cfg.DBPath(), sqlite.Options{})
	if err != nil {
		if errors.Is(err, sqlite.ErrForeign) || errors.Is(err, sqlite.ErrSchemaTooNew) {
			return nil, &Error{Kind: KindRefused, Err: err}
		}
		return nil, err
	}
	m := &Memory{
		cfg:    cfg,
		db:     db,
		store:  db,
		writer: &memfile.Writer{Locks: coord.NewFileLocks(runDir)},
		engine: &search.Engine{Store: db},
	}
	m.indexer = &index.Indexer{
		Store: db,
		Chunking: chunk.Options{
			TargetChars: cfg.Indexing.ChunkTargetChars,
			MinChars:    cfg.Indexing.ChunkMinChars,
			MaxChars:    cfg.Indexing.ChunkMaxChars,
		},
		MaxFileBytes: cfg.Indexing.MaxFileBytes,
		Exclude:      cfg.Indexing.ExcludeGlobs,
		NamespaceFor: m.namespaceRule,
	}
	return m, nil
}

// Close releases the store.
func (m *Memory) Close() error { return m.db.Close() }

// Config is the configuration the store was opened with.
func (m *Memory) Config() config.Config { return m.cfg }

func (m *Memory) namespaceRule(path string) string {
	for _, r := range m.cfg.Indexing.NamespaceRules {
		if ok, _ := doublestar.Match(r.Glob, path); ok {
			return r.Namespace
		}
		if ok, _ := doublestar.Match("**/"+strings.TrimPrefix(r.Glob, "/"), path); ok && !filepath.IsAbs(r.Glob) {
			return r.Namespace
		}
	}
	return ""
}

// wrapStore classifies store errors for the front ends.
func wrapStore(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sqlite.ErrBusy), errors.Is(err, coord.ErrBusy):
		return &Error{Kind: KindBusy, Err: err}
	case errors.Is(err, sqlite.ErrReadOnly):
		return &Error{Kind: KindRefused, Err: err}
	case errors.Is(err, store.ErrNotFound), errors.Is(err, memfile.ErrNotFound):
		return &Error{Kind: KindNotFound, Err: err}
	}
	return err
}
