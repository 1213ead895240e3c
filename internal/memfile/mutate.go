package memfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/memtomem/memtomem/internal/crashpoint"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/fspath"
)

// Writer is the only way memtomem writes memory files. Many processes write
// the same files, so every change is a read-modify-write under the file's
// lock, written to a temp file and renamed into place: readers (ours, editors,
// sync tools) only ever see the old or the new file, never half of one.
type Writer struct {
	Locks *coord.FileLocks
}

// maxAttempts bounds how often Mutate re-runs fn when a program that ignores
// our lock keeps rewriting the file under us.
const maxAttempts = 5

// crashHook lets crash tests stop the process at the points where a crash is
// most interesting. Nil outside tests.
var crashHook atomic.Pointer[func(point string)]

// SetCrashHookForTest installs f to be called at "after-temp-write" and
// "before-rename" inside Mutate. Only for tests (it is process-global); pass
// nil to remove it.
func SetCrashHookForTest(f func(point string)) {
	if f == nil {
		crashHook.Store(nil)
		return
	}
	crashHook.Store(&f)
}

func hook(point string) {
	crashpoint.Hit(point)
	if f := crashHook.Load(); f != nil {
		(*f)(point)
	}
}

// fileState is what we remember about the file we read, to notice a writer
// that does not take our lock (a text editor) replacing it in the meantime.
type fileState struct {
	exists bool
	size   int64
	mtime  time.Time
	ino    uint64
	dev    uint64
	mode   fs.FileMode
}

func stateOf(fi fs.FileInfo) fileState {
	s := fileState{exists: true, size: fi.Size(), mtime: fi.ModTime(), mode: fi.Mode()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.ino, s.dev = uint64(st.Ino), uint64(st.Dev)
	}
	return s
}

func (s fileState) same(o fileState) bool {
	return s.exists == o.exists && s.size == o.size && s.mtime.Equal(o.mtime) &&
		s.ino == o.ino && s.dev == o.dev
}

// Mutate replaces the content of the memory file at path with fn(old). A
// missing file reads as empty. fn may run more than once (see above), so it
// must be a pure function of old apart from recording its result. When fn
// returns old unchanged nothing is written. A symlinked memory file is written
// through: the link target is replaced and the link stays a link.
func (w *Writer) Mutate(ctx context.Context, path string, fn func(old []byte) ([]byte, error)) error {
	if w == nil || w.Locks == nil {
		return errors.New("memfile: Writer has no Locks")
	}
	target, err := resolve(path)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("memory dir for %s: %w", path, err)
	}
	unlock, err := w.Locks.Lock(ctx, target)
	if err != nil {
		return err
	}
	defer unlock()
	removeStaleTemps(target)
	for range maxAttempts {
		old, st, err := readState(target)
		if err != nil {
			return err
		}
		updated, err := fn(old)
		if err != nil {
			return err
		}
		if bytes.Equal(updated, old) {
			return nil
		}
		raced, err := replace(target, st, updated)
		if err != nil || !raced {
			return err
		}
	}
	return fmt.Errorf("memory file %s kept changing while we wrote it (another program is writing it without memtomem's lock); retry the operation", path)
}

// removeStaleTemps deletes temp files a crashed writer left for this file.
// Only the holder of the file's lock writes them, and we hold it, so any
// that exist belong to a process that died mid-write.
func removeStaleTemps(target string) {
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".tmp-*"))
	for _, p := range stale {
		os.Remove(p)
	}
}

// resolve gives the file's canonical path (fspath), so the lock, the write
// and the index all name one file; a symlinked memory file is followed to
// its target, because renaming over the link would turn it into a plain
// file. A link whose target is gone is refused rather than replaced.
func resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("memory file %s: %w", path, err)
	}
	if fi, err := os.Lstat(abs); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if _, err := filepath.EvalSymlinks(abs); err != nil {
			return "", fmt.Errorf("memory file %s is a symlink that cannot be followed: %w", path, err)
		}
	}
	return fspath.Canonical(abs)
}

// readState stats the open file before reading it, so a write that lands
// while we read also shows up as a change.
func readState(path string) ([]byte, fileState, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fileState{}, nil
	}
	if err != nil {
		return nil, fileState{}, fmt.Errorf("read memory file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fileState{}, fmt.Errorf("read memory file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fileState{}, fmt.Errorf("memory file %s is not a regular file", path)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fileState{}, fmt.Errorf("read memory file %s: %w", path, err)
	}
	return data, stateOf(fi), nil
}

func statState(path string) (fileState, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fileState{}, nil
	}
	if err != nil {
		return fileState{}, err
	}
	return stateOf(fi), nil
}

// replace writes data over path atomically unless path no longer matches
// was, in which case it writes nothing and reports raced. A window remains
// between the final check and the rename; only the lock could close it, and
// outside editors do not take it.
func replace(path string, was fileState, data []byte) (raced bool, err error) {
	dir, base := filepath.Split(path)
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return false, fmt.Errorf("write memory file %s: %w", path, err)
	}
	renamed := false
	defer func() {
		if !renamed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return false, fmt.Errorf("write memory file %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return false, fmt.Errorf("sync memory file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("write memory file %s: %w", path, err)
	}
	hook("after-temp-write")
	now, err := statState(path)
	if err != nil {
		return false, fmt.Errorf("stat memory file %s: %w", path, err)
	}
	if !now.same(was) {
		return true, nil
	}
	mode := fs.FileMode(0o644)
	if was.exists {
		mode = was.mode.Perm()
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return false, fmt.Errorf("write memory file %s: %w", path, err)
	}
	hook("before-rename")
	if err := os.Rename(tmp.Name(), path); err != nil {
		return false, fmt.Errorf("replace memory file %s: %w", path, err)
	}
	renamed = true
	return false, syncDir(dir)
}

// syncDir makes the rename itself durable. Some filesystems cannot fsync a
// directory; there the rename is as durable as it gets.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync memory dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return fmt.Errorf("sync memory dir %s: %w", dir, err)
	}
	return nil
}
