package memtomem

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/memtomem/memtomem/internal/fspath"
	"github.com/memtomem/memtomem/internal/index"
	srclist "github.com/memtomem/memtomem/internal/sources"
)

// Source is a folder or file the user indexed with mm index PATH; the
// store remembers it outside the database ($MEMTOMEM_HOME/sources.json) so
// mm reset and mm index with no arguments index it again.
type Source = srclist.Source

func (m *Memory) sourceList() *srclist.List { return srclist.Open(m.cfg.Home, m.runDir) }

// Sources lists the remembered sources.
func (m *Memory) Sources() ([]Source, error) {
	all, err := m.sourceList().All()
	if err != nil {
		return nil, &Error{Kind: KindInvalid, Err: err}
	}
	return all, nil
}

// remember records the paths of an mm index run. Paths inside a memory
// directory are indexed anyway and are not recorded.
func (m *Memory) remember(ctx context.Context, req IndexRequest) ([]string, error) {
	var added []string
	for _, p := range req.Paths {
		canon, err := fspath.Canonical(p)
		if err != nil {
			return added, err
		}
		if m.inMemoryDir(canon) {
			continue
		}
		info, err := os.Stat(canon)
		if err != nil {
			return added, err
		}
		changed, err := m.sourceList().Remember(ctx, Source{Path: canon, Dir: info.IsDir(), Recursive: info.IsDir() && req.Recursive, Namespace: req.Namespace})
		if err != nil {
			return added, wrapStore(err)
		}
		if changed {
			added = append(added, canon)
		}
	}
	return added, nil
}

// indexEverything is mm index with no paths (and the rebuild after mm
// reset): the memory directories, then every remembered source with the
// recursion and namespace it was added with. A remembered path that is
// missing (an unmounted drive) is reported in Stats.Errors and skipped; its
// chunks stay.
func (m *Memory) indexEverything(ctx context.Context, req IndexRequest) (index.Stats, error) {
	// A sources.json broken by hand does not stop the memory directories
	// from being indexed; the error says how to fix the list.
	list, listErr := m.Sources()
	type group struct {
		recursive bool
		namespace string
	}
	first := group{req.Recursive, req.Namespace}
	paths := map[group][]string{first: append([]string(nil), m.cfg.Indexing.MemoryDirs...)}
	order := []group{first}
	var missing []string
	for _, s := range list {
		if _, err := os.Stat(s.Path); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, fmt.Sprintf("remembered source %s is missing: skipped (mm index --forget %s stops indexing it)", s.Path, s.Path))
			continue
		}
		g := group{s.Recursive, s.Namespace}
		if !s.Dir {
			g.recursive = first.recursive // files: recursion means nothing
		}
		if _, ok := paths[g]; !ok {
			order = append(order, g)
		}
		paths[g] = append(paths[g], s.Path)
	}
	var total index.Stats
	for _, g := range order {
		st, err := m.indexer.IndexPaths(ctx, paths[g], index.Options{
			Namespace: g.namespace, Force: req.Force, Recursive: g.recursive, Progress: req.Progress,
			EmbedProgress: req.EmbedProgress,
		})
		total.Add(st)
		if err != nil {
			return total, wrapStore(err)
		}
	}
	total.Errors = append(total.Errors, missing...)
	if listErr != nil {
		total.Errors = append(total.Errors, "remembered sources not indexed: "+listErr.Error())
	}
	return total, nil
}

// ForgetResult says what mm index --forget dropped.
type ForgetResult struct {
	Source Source `json:"source"`
	// Files and Chunks were dropped from the index (the files themselves
	// are not touched).
	Files  int `json:"files"`
	Chunks int `json:"chunks"`
	// Kept counts files below the path that stay indexed because a memory
	// directory or another remembered source covers them.
	Kept int `json:"kept"`
}

// Forget removes a remembered source and drops its files from the index
// (never from disk): it is no longer searchable and no rebuild brings it
// back. Files that a memory directory or another remembered source covers
// stay indexed.
func (m *Memory) Forget(ctx context.Context, path string) (ForgetResult, error) {
	if err := m.guard(ctx); err != nil {
		return ForgetResult{}, err
	}
	if err := m.writable(); err != nil {
		return ForgetResult{}, err
	}
	canon, err := fspath.Canonical(path)
	if err != nil {
		return ForgetResult{}, err
	}
	list := m.sourceList()
	gone, ok, err := list.Forget(ctx, canon)
	if err == nil && !ok {
		// A source whose symlinked spelling no longer resolves.
		if abs, aerr := filepath.Abs(path); aerr == nil && abs != canon {
			gone, ok, err = list.Forget(ctx, abs)
		}
	}
	if err != nil {
		return ForgetResult{}, &Error{Kind: KindInvalid, Err: err}
	}
	if !ok {
		remembered, _ := list.All()
		var names []string
		for _, s := range remembered {
			names = append(names, s.Path)
		}
		if len(names) == 0 {
			names = []string{"none"}
		}
		return ForgetResult{}, newError(KindNotFound, "%s is not a remembered source (remembered: %s); mm status lists them", canon, strings.Join(names, ", "))
	}
	res := ForgetResult{Source: gone}
	rest, err := list.All()
	if err != nil {
		return res, &Error{Kind: KindInvalid, Err: err}
	}
	files, err := m.store.Files(ctx, gone.Path+string(filepath.Separator))
	if err != nil {
		return res, wrapStore(err)
	}
	if f, known, err := m.store.FileState(ctx, gone.Path); err != nil {
		return res, wrapStore(err)
	} else if known {
		files = append(files, f)
	}
	for _, f := range files {
		if m.inMemoryDir(f.Path) || covered(rest, f.Path) {
			res.Kept++
			continue
		}
		n, err := m.store.DeleteFile(ctx, f.Path)
		if err != nil {
			return res, wrapStore(err)
		}
		res.Files++
		res.Chunks += n
	}
	return res, nil
}

// covered reports whether a remembered source indexes the file at path.
func covered(list []Source, path string) bool {
	for _, s := range list {
		switch {
		case s.Path == path:
			return true
		case s.Dir && s.Recursive && fspath.Within(s.Path, path):
			return true
		case s.Dir && filepath.Dir(path) == s.Path:
			return true
		}
	}
	return false
}

// allowedRoots refuses any path an agent may not index: one outside the
// memory directories and the remembered sources (what the user indexed with
// mm index PATH). The check is on the canonical path, so a symlink inside an
// allowed folder that leads out of it does not pass. It returns those
// allowed roots: the index reads every file through the one holding it, so
// a link swapped in after this check cannot lead out either.
func (m *Memory) allowedRoots(paths []string) ([]string, error) {
	srcs, err := m.sourceList().All()
	if err != nil {
		return nil, &Error{Kind: KindRefused, Err: fmt.Errorf("the list of folders you indexed cannot be read, so agents may index only the memory directories: %w", err)}
	}
	for _, p := range paths {
		canon, err := fspath.Canonical(p)
		if err != nil {
			return nil, invalidf("path %s: %v", p, err)
		}
		if m.inMemoryDir(canon) || covered(srcs, canon) {
			continue
		}
		return nil, newError(KindRefused, "%s is outside what agents may index (the memory directories and the folders indexed with mm index PATH): to allow it, run `mm index %s` yourself; nothing was indexed", p, p)
	}
	roots := slices.Clone(m.cfg.Indexing.MemoryDirs)
	for _, s := range srcs {
		roots = append(roots, s.Path)
	}
	return roots, nil
}
