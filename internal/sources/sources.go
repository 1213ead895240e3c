// Package sources remembers the folders and files a user indexed with
// `mm index PATH`, so that `mm reset` (and `mm index` with no arguments)
// can index them again. The list lives outside the database, in
// $MEMTOMEM_HOME/sources.json: the database is a cache that reset wipes and
// a user may delete, and what the user asked to be indexed is not cache.
//
// Only the user widens this list, through the CLI. An agent's mem_index
// must never add to it: a later change makes it the set of roots an agent
// may read.
package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/memtomem/memtomem/internal/atomicfile"
	"github.com/memtomem/memtomem/internal/coord"
)

// FileName is the list's name inside the home.
const FileName = "sources.json"

// formatVersion is written into the file; a file with a higher version is
// from a newer release and is neither read as ours nor overwritten.
const formatVersion = 1

// Source is one remembered path.
type Source struct {
	// Path is canonical (fspath.Canonical): one folder, one entry.
	Path string `json:"path"`
	// Dir says the path was a folder when it was added; Recursive applies
	// to folders only.
	Dir       bool `json:"dir"`
	Recursive bool `json:"recursive"`
	// Namespace, when set, is the namespace it was indexed under with
	// --namespace, so that a rebuild files it there again.
	Namespace string    `json:"namespace,omitempty"`
	Added     time.Time `json:"added"`
}

type document struct {
	Version int      `json:"version"`
	Sources []Source `json:"sources"`
}

// List is the remembered sources of one store.
type List struct {
	path string // <home>/sources.json
	lock string // <run dir>/sources.lock
	// Wait bounds how long a change waits for another process's change.
	Wait time.Duration
}

// Open names the list of the store whose home and coordination directory
// are given; nothing is read or created until it is used.
func Open(home, runDir string) *List {
	return &List{path: filepath.Join(home, FileName), lock: filepath.Join(runDir, "sources.lock"), Wait: coord.DefaultFileLockWait}
}

// Path is the list's file.
func (l *List) Path() string { return l.path }

// All returns the remembered sources, sorted by path (a folder before the
// folders inside it). A missing file is an empty list.
func (l *List) All() ([]Source, error) {
	data, err := os.ReadFile(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", l.path, err)
	}
	return l.decode(data)
}

func (l *List) decode(data []byte) ([]Source, error) {
	doc, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; fix the file or delete it (then run mm index PATH again for each folder to remember)", l.path, err)
	}
	return doc, nil
}

// Decode parses the list's file format. Every entry needs an absolute path;
// duplicates keep the last.
func Decode(data []byte) ([]Source, error) {
	var doc document
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not a memtomem sources list: %v", err)
	}
	if doc.Version > formatVersion {
		return nil, fmt.Errorf("written by a newer memtomem (format %d; this one reads %d)", doc.Version, formatVersion)
	}
	byPath := map[string]Source{}
	for i, s := range doc.Sources {
		if !filepath.IsAbs(s.Path) || filepath.Clean(s.Path) != s.Path {
			return nil, fmt.Errorf("entry %d: path %q is not a clean absolute path", i, s.Path)
		}
		byPath[s.Path] = s
	}
	return sorted(byPath), nil
}

func sorted(byPath map[string]Source) []Source {
	out := make([]Source, 0, len(byPath))
	for _, s := range byPath {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Remember adds s, or updates the entry with its path (keeping when it was
// first added). It reports whether the list changed.
func (l *List) Remember(ctx context.Context, s Source) (changed bool, err error) {
	err = l.change(ctx, func(byPath map[string]Source) bool {
		old, ok := byPath[s.Path]
		if ok {
			s.Added = old.Added
		}
		if s.Added.IsZero() {
			s.Added = time.Now().UTC().Truncate(time.Second)
		}
		if ok && old == s {
			return false
		}
		byPath[s.Path] = s
		changed = true
		return true
	})
	return changed, err
}

// Forget removes the entry for path and returns it (ok=false if the path
// was not remembered; nothing is written then).
func (l *List) Forget(ctx context.Context, path string) (gone Source, ok bool, err error) {
	err = l.change(ctx, func(byPath map[string]Source) bool {
		gone, ok = byPath[path]
		delete(byPath, path)
		return ok
	})
	return gone, ok, err
}

// change is one read-modify-write of the list under its lock, so that two
// `mm index` processes remembering different folders at once both land.
// The new list is written to a temp file, synced and renamed over the old
// one: a crash leaves the old list or the new one, never half of one.
func (l *List) change(ctx context.Context, fn func(map[string]Source) bool) error {
	lk, err := coord.LockWait(ctx, l.lock, true, l.Wait)
	if err != nil {
		if errors.Is(err, coord.ErrBusy) {
			return fmt.Errorf("the sources list %s is busy: another memtomem process has been changing it for over %v; retry: %w", l.path, l.Wait, err)
		}
		return err
	}
	defer lk.Unlock()
	current, err := l.All()
	if err != nil {
		return err
	}
	byPath := map[string]Source{}
	for _, s := range current {
		byPath[s.Path] = s
	}
	if !fn(byPath) {
		return nil
	}
	data, err := json.MarshalIndent(document{Version: formatVersion, Sources: sorted(byPath)}, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(l.path, append(data, '\n'))
}
