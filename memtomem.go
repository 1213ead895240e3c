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
	"sync"
	"syscall"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/memtomem/memtomem/internal/chunk"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/embed"
	"github.com/memtomem/memtomem/internal/index"
	"github.com/memtomem/memtomem/internal/memfile"
	"github.com/memtomem/memtomem/internal/rerank"
	srclist "github.com/memtomem/memtomem/internal/sources"
	"github.com/memtomem/memtomem/internal/store"
)

// Version is the binary's version, set at build time with
// -ldflags "-X github.com/memtomem/memtomem.Version=v1.2.3".
var Version = "dev"

// Memory is an open store.
type Memory struct {
	cfg     config.Config
	runDir  string
	coord   coord.Coordinator
	session coord.Member
	store   store.DB
	writer  *memfile.Writer
	indexer *index.Indexer
	appends appendQueue // adds waiting to be written, by file (appendq.go)
	// embedder is nil with provider none; it loads or contacts nothing
	// until the first call that needs a vector.
	embedder embed.Embedder
	// reranker is nil with rerank.provider none; it contacts nothing until
	// the first search.
	reranker rerank.Reranker
	// project is the namespace of the project this process works in
	// (WithProject), "" outside one.
	project string

	stopWatch context.CancelFunc
	watchDone chan struct{}

	stopRefresh context.CancelFunc
	refreshDone chan struct{}
	closeOnce   sync.Once
	closeErr    error
}

// Option tunes Open.
type Option func(*openOptions)

type openOptions struct {
	transport string
	command   string
	watch     bool
	watchOpts index.WatchOptions
	embed     *embed.Options
	rerank    *rerank.Options
	project   string
}

// WithEmbedOptions replaces the embedder's options that the configuration
// would set (timeouts, the circuit breaker): tests inject a breaker with
// their own clock.
func WithEmbedOptions(eo embed.Options) Option {
	return func(o *openOptions) { o.embed = &eo }
}

// WithRerankOptions replaces the reranker's options that the
// configuration would set (timeouts, the circuit breaker): tests inject a
// breaker with their own clock.
func WithRerankOptions(ro rerank.Options) Option {
	return func(o *openOptions) { o.rerank = &ro }
}

// WithTransport names how this process serves ("stdio", "http", "cli"); it
// is shown in the list of live instances.
func WithTransport(t string) Option { return func(o *openOptions) { o.transport = t } }

// WithProject names the project namespace this process works in
// ("project:lark", from the folder it was started in): an add without a
// namespace goes there, and searches and listings without a namespace
// selector see it and every namespace of no project, not other projects.
// The Service never looks at the working directory itself; front ends do.
func WithProject(namespace string) Option { return func(o *openOptions) { o.project = namespace } }

// Project is the project namespace this Memory works in (WithProject),
// "" outside one.
func (m *Memory) Project() string { return m.project }

// WithCommand records the command line shown in the list of live instances.
func WithCommand(c string) Option { return func(o *openOptions) { o.command = c } }

// WithWatch makes this process a candidate for the store's single indexer
// role: whichever process holds it watches the memory directories and runs
// periodic reconcile scans; if it exits, another candidate takes over.
func WithWatch(opts index.WatchOptions) Option {
	return func(o *openOptions) { o.watch, o.watchOpts = true, opts }
}

// Open opens the store described by cfg, creating the home directory, the
// memory directory and the database on first use. Every process that has the
// store open is an equal peer: opening never waits for, or is refused by,
// another open process; it waits (briefly) only while mm reset runs.
func Open(ctx context.Context, cfg config.Config, options ...Option) (*Memory, error) {
	o := openOptions{transport: "cli"}
	for _, opt := range options {
		opt(&o)
	}
	cfg = canonicalConfig(cfg)
	for _, dir := range []string{cfg.Home, filepath.Dir(cfg.DBPath()), cfg.MemoryDir()} {
		if err := coord.CheckLocalFS(dir); err != nil {
			return nil, &Error{Kind: KindRefused, Err: err}
		}
	}
	// Private by default: memories and the index are nobody else's
	// business (a directory that already exists keeps its mode).
	if err := os.MkdirAll(cfg.Home, 0o700); err != nil {
		return nil, wrapStore(fmt.Errorf("create home %s: %w", cfg.Home, err))
	}
	if err := os.MkdirAll(cfg.MemoryDir(), 0o700); err != nil {
		return nil, wrapStore(fmt.Errorf("create memory directory %s: %w", cfg.MemoryDir(), err))
	}
	runDir, err := coord.RunDir(cfg.Home)
	if err != nil {
		return nil, err
	}
	loc := location(cfg, runDir)
	co, err := store.CoordinatorFor(ctx, loc)
	if err != nil {
		return nil, wrapOpen(err)
	}
	session, err := co.Join(ctx, coord.Instance{Version: Version, Transport: o.transport, Command: o.command})
	if err != nil {
		if errors.Is(err, coord.ErrMaintenance) {
			return nil, &Error{Kind: KindBusy, Err: err}
		}
		return nil, err
	}
	db, err := store.Open(ctx, loc, store.OpenOptions{})
	if err != nil {
		session.Leave()
		return nil, wrapOpen(err)
	}
	// A coordinator whose registry lives in the store could not register
	// the process before the store existed (its first open creates it).
	if err := session.Refresh(ctx); err != nil {
		db.Close()
		session.Leave()
		return nil, wrapOpen(err)
	}
	m := &Memory{
		cfg:     cfg,
		runDir:  runDir,
		coord:   co,
		session: session,
		store:   db,
		writer:  &memfile.Writer{Locks: coord.NewFileLocks(runDir), Roots: cfg.Indexing.MemoryDirs},
		project: o.project,
	}
	eo := embed.OptionsFor(cfg.Embedding)
	if o.embed != nil {
		eo = *o.embed
	}
	if m.embedder, err = embed.New(cfg.Embedding, eo); err != nil {
		m.Close()
		return nil, &Error{Kind: KindInvalid, Err: err}
	}
	ro := rerank.OptionsFor(cfg.Rerank)
	if o.rerank != nil {
		ro = *o.rerank
	}
	if m.reranker, err = rerank.New(cfg.Rerank, ro); err != nil {
		m.Close()
		return nil, &Error{Kind: KindInvalid, Err: err}
	}
	m.indexer = &index.Indexer{
		Store: db,
		Chunking: chunk.Options{
			TargetChars: cfg.Indexing.ChunkTargetChars,
			MinChars:    cfg.Indexing.ChunkMinChars,
			MaxChars:    cfg.Indexing.ChunkMaxChars,
		},
		MaxFileBytes:     cfg.Indexing.MaxFileBytes,
		Exclude:          cfg.Indexing.ExcludeGlobs,
		MemoryDirs:       cfg.Indexing.MemoryDirs,
		StoreHome:        cfg.Home,
		StoreFiles:       storeFiles(cfg, runDir, db),
		DefaultNamespace: cfg.Search.DefaultNamespace,
		NamespaceFor:     m.namespaceRule,
		Embed:            m.embedMissing,
		Heal:             m.writer.Heal,
	}
	// An add with an idempotency key appends without reading its file when
	// the store proves the key's entry is not in it (memfile.Writer.Absent).
	m.writer.Absent = m.indexer.IDsAbsent
	m.startRefresh()
	if o.watch && db.ReadOnlyReason() == "" {
		m.startWatch(o.watchOpts)
	}
	return m, nil
}

// storeFiles are the store's own files, never indexed even when a memory
// directory or an indexed folder holds them: config.json has the API key.
func storeFiles(cfg config.Config, runDir string, db store.DB) []string {
	files := []string{config.Path(cfg.Home), filepath.Join(cfg.Home, srclist.FileName), runDir}
	if local, ok := db.(store.LocalDB); ok {
		files = append(files, local.LocalFiles()...)
	}
	return files
}

// location is where cfg says the store lives.
func location(cfg config.Config, runDir string) store.Location {
	return store.Location{Backend: cfg.Storage.Backend, Path: cfg.DBPath(), URL: cfg.Storage.URL,
		PasswordFile: cfg.Storage.PasswordFile, Host: hostName(cfg), RunDir: runDir}
}

// hostName is this machine's name in a shared store: storage.host, or the
// hostname.
func hostName(cfg config.Config) string {
	if cfg.Storage.Host != "" {
		return cfg.Storage.Host
	}
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return h
}

// wrapOpen classifies a failed open: a store this binary must not touch is
// refused, an unknown backend is a configuration error.
func wrapOpen(err error) error {
	switch {
	case errors.Is(err, store.ErrForeign), errors.Is(err, store.ErrSchemaTooNew), errors.Is(err, store.ErrNeedsExclusive),
		errors.Is(err, coord.ErrInUse):
		return &Error{Kind: KindRefused, Err: err}
	case errors.Is(err, store.ErrUnknownBackend):
		return &Error{Kind: KindInvalid, Err: err}
	}
	return wrapStore(err)
}

// indexerRole is the role of the one process that watches the memory
// directories and runs the periodic reconcile scans.
const indexerRole = "indexer"

// startWatch campaigns for the indexer role in the background.
func (m *Memory) startWatch(opts index.WatchOptions) {
	ctx, cancel := context.WithCancel(context.Background())
	m.stopWatch, m.watchDone = cancel, make(chan struct{})
	go func() {
		defer close(m.watchDone)
		m.coord.Campaign(ctx, indexerRole, 2*time.Second, func(ctx context.Context) {
			m.indexer.Watch(ctx, m.cfg.Indexing.MemoryDirs, opts)
		})
	}()
}

// Close stops the watcher (if this process ran it), closes the database and
// leaves the instance registry. It is safe to call more than once.
func (m *Memory) Close() error {
	m.closeOnce.Do(func() {
		if m.stopWatch != nil {
			m.stopWatch()
			<-m.watchDone
		}
		if m.stopRefresh != nil {
			m.stopRefresh()
			<-m.refreshDone
		}
		m.closeErr = errors.Join(m.store.Close(), m.session.Leave())
	})
	return m.closeErr
}

// writable refuses a write before anything is touched when the database
// schema is newer than this binary can write, or when this process opened
// the database for reading only because its disk refused writes (see
// store.LocalDB.Fault), so a read-only store never ends up with markdown
// that is not indexed.
func (m *Memory) writable() error {
	if local, ok := m.store.(store.LocalDB); ok && local.Fault() != 0 {
		e := local.Fault()
		// This process opened the database for reading only; say what the
		// disk is like now, which is what the user has to act on.
		dir := filepath.Dir(local.LocalFiles()[0])
		if now := coord.ProbeDisk(dir); now != 0 || e == syscall.EDQUOT {
			if now != 0 {
				e = now
			}
			return &Error{Kind: KindUnavailable, Err: &DiskError{Errno: e, Dir: dir, NothingWritten: true, Restart: true}}
		}
		return &Error{Kind: KindUnavailable, Err: fmt.Errorf("this mm opened the store for reading only because the disk holding %s refused writes when it started; the disk takes writes again: restart mm (close and reopen the editor session) to write; nothing was written", dir)}
	}
	if why := m.store.ReadOnlyReason(); why != "" {
		return &Error{Kind: KindRefused, Err: fmt.Errorf("%w: %s", store.ErrReadOnly, why)}
	}
	return nil
}

// RunDir is the store's coordination directory.
func (m *Memory) RunDir() string { return m.runDir }

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
	case diskError(err) != nil:
		return &Error{Kind: KindUnavailable, Err: diskError(err)}
	case errors.Is(err, store.ErrBusy), errors.Is(err, coord.ErrBusy), errors.Is(err, coord.ErrMaintenance):
		return &Error{Kind: KindBusy, Err: err}
	case errors.Is(err, store.ErrReadOnly), errors.Is(err, store.ErrReplaced), errors.Is(err, memfile.ErrOutsideRoots):
		return &Error{Kind: KindRefused, Err: err}
	case errors.Is(err, store.ErrNotFound), errors.Is(err, memfile.ErrNotFound):
		return &Error{Kind: KindNotFound, Err: err}
	case errors.Is(err, memfile.ErrControl), errors.Is(err, memfile.ErrLimit):
		return &Error{Kind: KindInvalid, Err: err}
	}
	return err
}
