package fspath

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrEscapes marks an open refused because the path, as it was on disk at
// the instant of the open, led out of the folder it was opened beneath (a
// component is, or was just swapped for, a symlink to somewhere else).
var ErrEscapes = errors.New("leads out of the folder")

// Checking a path (Canonical, Within) and then opening it by name leaves a
// gap in which a component can be swapped for a symlink. Opening through a
// descriptor of the allowed folder (os.Root: openat with every component
// resolved beneath it, symlinks followed only while they stay beneath)
// closes that gap. Beneath is such a folder: the allowed root and an open
// descriptor of it.
type Beneath struct {
	Dir  string // canonical
	Root *os.Root
}

// OpenBeneath opens the canonical directory dir as a root for reads.
func OpenBeneath(dir string) (*Beneath, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Beneath{Dir: dir, Root: r}, nil
}

// Sub opens the directory at the canonical path dir, which must lie below
// b, through b: the result is beneath b whatever was swapped in meanwhile.
func (b *Beneath) Sub(dir string) (*Beneath, error) {
	rel, err := b.rel(dir)
	if err != nil {
		return nil, err
	}
	r, err := b.Root.OpenRoot(rel)
	if err != nil {
		return nil, Escaped(err, dir, b.Dir)
	}
	return &Beneath{Dir: dir, Root: r}, nil
}

// Open opens the file at the canonical path, which must lie below b, for
// reading. A path that leads out of b fails with ErrEscapes.
func (b *Beneath) Open(path string) (*os.File, error) {
	rel, err := b.rel(path)
	if err != nil {
		return nil, err
	}
	f, err := b.Root.Open(rel)
	if err != nil {
		return nil, Escaped(err, path, b.Dir)
	}
	return f, nil
}

// ReadFile reads the file at the canonical path beneath b.
func (b *Beneath) ReadFile(path string) ([]byte, error) {
	rel, err := b.rel(path)
	if err != nil {
		return nil, err
	}
	data, err := b.Root.ReadFile(rel)
	return data, Escaped(err, path, b.Dir)
}

// Close releases the descriptor.
func (b *Beneath) Close() error { return b.Root.Close() }

func (b *Beneath) rel(path string) (string, error) {
	if !Within(b.Dir, path) {
		return "", &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w %s", ErrEscapes, b.Dir)}
	}
	return filepath.Rel(b.Dir, path)
}

// ReadFileBeneath reads the file at the canonical path through a
// descriptor of dir, a folder containing it.
func ReadFileBeneath(dir, path string) ([]byte, error) {
	b, err := OpenBeneath(dir)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return b.ReadFile(path)
}

// Escaped turns os.Root's refusal of a path that leads out of the root
// into an error wrapping ErrEscapes that names both; other errors (and nil)
// come back as they are. os.Root's refusal has no exported identity, only
// its message (os.errPathEscapes), so the message is what is matched; the
// tests of planted symlinks fail if a Go release rewords it.
func Escaped(err error, path, dir string) error {
	var pe *fs.PathError
	if err == nil || !errors.As(err, &pe) || !strings.Contains(pe.Err.Error(), "path escapes from parent") {
		return err
	}
	return &fs.PathError{Op: pe.Op, Path: path, Err: fmt.Errorf("%w %s", ErrEscapes, dir)}
}
