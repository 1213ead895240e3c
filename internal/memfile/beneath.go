package memfile

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/memtomem/memtomem/internal/fspath"
)

// Every check on a memory file's path (resolve, inRoots) is by name, and a
// component could be swapped for a symlink right after it. So the writer
// does nothing by name: it opens the file's directory through a descriptor
// of the memory directory holding it (os.Root, whose every lookup stays
// beneath it), and reads, creates, renames, swaps and syncs by single names
// relative to that directory's descriptor. A link swapped in anywhere on
// the way is either followed inside the memory directory or refused with
// ErrOutsideRoots; nothing outside is read, written or created.

// afterCheck, when set (tests only), runs once a write's path has passed
// every check and before anything is opened: the instant a swapped-in
// symlink would slip through a check-then-open-by-name.
var afterCheck func(target string)

// memDir is the directory of one memory file, opened beneath its root.
type memDir struct {
	path string   // canonical, for messages
	root *os.Root // lookups by single names inside the directory
	f    *os.File // the directory itself: renameat2 and fsync need its descriptor
}

func (d *memDir) close() {
	d.f.Close()
	d.root.Close()
}

func (d *memDir) name(base string) string { return filepath.Join(d.path, base) }

// rootOf returns the root a canonical target is written beneath: the
// innermost of Roots holding it, or with no Roots its own directory.
func (w *Writer) rootOf(target string) (string, bool) {
	if len(w.Roots) == 0 {
		return filepath.Dir(target), true
	}
	holder := ""
	for _, r := range w.Roots {
		if fspath.Within(r, target) && len(r) > len(holder) {
			holder = r
		}
	}
	return holder, holder != ""
}

// openMemDir creates (0700) and opens dir, a canonical directory below the
// root, through the root's descriptor. The root itself is configuration
// the user wrote and is opened by name.
func openMemDir(root, dir string) (*memDir, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, err
	}
	top, err := os.OpenRoot(root)
	if err != nil {
		return nil, err
	}
	defer top.Close()
	rel, err := filepath.Rel(root, dir)
	if err != nil {
		return nil, err
	}
	if rel != "." {
		if err := top.MkdirAll(rel, 0o700); err != nil {
			return nil, fspath.Escaped(err, dir, root)
		}
	}
	r, err := top.OpenRoot(rel)
	if err != nil {
		return nil, fspath.Escaped(err, dir, root)
	}
	f, err := r.Open(".")
	if err != nil {
		r.Close()
		return nil, err
	}
	return &memDir{path: dir, root: r, f: f}, nil
}

// outside rewords a refused lookup as ErrOutsideRoots, keeping its meaning
// for callers (the root package refuses with it); other errors pass.
func outside(err error, path string) error {
	if err == nil {
		return nil
	}
	if errors.Is(fspath.Escaped(err, path, ""), fspath.ErrEscapes) {
		return fmt.Errorf("memory file %s %w (a symlink in its path leads out of them): memtomem writes only inside them; remove the link", path, ErrOutsideRoots)
	}
	return err
}

// createTemp creates a new private temp file for base in d. O_EXCL never
// follows a link: a name planted as one fails, and another is tried.
func (d *memDir) createTemp(base string) (*os.File, string, error) {
	for range 100 {
		name := fmt.Sprintf(".%s.tmp-%d", base, rand.Uint32())
		f, err := d.root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, name, err
	}
	return nil, "", fmt.Errorf("no free temp name for %s", d.name(base))
}

// removeStaleTemps deletes temp files a crashed writer left for base.
// Only the holder of the file's lock writes them, and we hold it, so any
// that exist belong to a process that died mid-write.
func (d *memDir) removeStaleTemps(base string) {
	entries, _ := fs.ReadDir(d.root.FS(), ".")
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "."+base+".tmp-") {
			d.root.Remove(e.Name())
		}
	}
}

// Remove deletes the memory file at the canonical path through a
// descriptor of the memory directory holding it: a folder on the way
// swapped for a link out makes it fail with ErrOutsideRoots, never delete
// a file elsewhere. A link at the name itself is removed, not followed.
func (w *Writer) Remove(path string) error {
	root, ok := w.rootOf(path)
	if !ok {
		return fmt.Errorf("memory file %s %w: memtomem deletes only inside them", path, ErrOutsideRoots)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer r.Close()
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return err
	}
	return outside(r.Remove(rel), path)
}
