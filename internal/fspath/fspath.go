// Package fspath owns the one spelling of a file's path that memtomem uses
// everywhere: as the store's key for a file, for the per-file lock, and to
// decide whether a file is inside a memory directory. A home reached
// through a symlink (macOS /var → /private/var, a Dropbox folder, a
// symlinked ~/.memtomem) must not make one file two files: every other
// package calls Canonical and never resolves symlinks itself.
package fspath

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Canonical returns the absolute path of path with every symlink resolved,
// the file itself included (a symlinked file is the file it points to).
// A path that does not exist yet (a day file about to be created, a memory
// directory not made yet) is resolved through its nearest existing
// ancestor, which gives the same answer the path will give once it exists.
// The only error is an unknown working directory for a relative path.
func Canonical(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("path %s: %w", path, err)
	}
	dir, rest := abs, ""
	for {
		if resolved, err := filepath.EvalSymlinks(dir); err == nil {
			if rest == "" {
				return resolved, nil
			}
			return filepath.Join(resolved, rest), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
}

// MustCanonical is Canonical for a path already known to be absolute
// (where Canonical cannot fail); a relative path comes back cleaned.
func MustCanonical(abs string) string {
	c, err := Canonical(abs)
	if err != nil {
		return filepath.Clean(abs)
	}
	return c
}

// CanonicalChild is Canonical(filepath.Join(dir, name)) for a dir that is
// already canonical and a name without separators, with one lstat instead
// of one per path element: an add looks up its day file's parts several
// times, and resolving each from the root was most of its system calls.
// exists says whether the path leads to something (os.Stat succeeds).
func CanonicalChild(dir, name string) (path string, exists bool) {
	path = filepath.Join(dir, name)
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return path, false // resolved through dir, as Canonical does
	case err != nil || fi.Mode()&fs.ModeSymlink != 0:
		path = MustCanonical(path)
		_, err = os.Stat(path)
		return path, err == nil
	}
	return path, true
}

// CanonicalGlob canonicalises the literal directory part of an absolute
// glob ("/Users/me/Dropbox/notes/**/*.md"), so that it matches the
// canonical paths the store keys files by. Relative globs ("**/work/*")
// and globs whose first segment is already a pattern come back unchanged.
func CanonicalGlob(glob string) string {
	if !filepath.IsAbs(glob) {
		return glob
	}
	meta := strings.IndexAny(glob, `*?[{\`)
	if meta < 0 {
		return MustCanonical(glob)
	}
	sep := strings.LastIndexByte(glob[:meta], filepath.Separator)
	if sep <= 0 {
		return glob
	}
	return MustCanonical(glob[:sep]) + glob[sep:]
}

// Within reports whether path is dir or lies below it. Both must be
// canonical; the test is on whole path segments ("/a/bc" is not in "/a/b").
func Within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
