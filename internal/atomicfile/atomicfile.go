// Package atomicfile replaces small files whole: a temp file in the same
// directory, fsynced, renamed over the target, and the directory fsynced, so
// a crash leaves the old file or the new one, never half of one. The file is
// private (0600): what memtomem keeps this way (config.json with its API
// keys, sources.json) is nobody else's business. Memory files have their own
// writer (memfile), which must also notice outside editors. Overwrite is
// the cheap counterpart, in place and not atomic, for small files a hot
// path rewrites every time.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Write replaces path with data.
func Write(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // 0600
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return SyncDir(dir)
}

// SyncDir makes a rename in dir durable. Some filesystems cannot fsync a
// directory; there the rename is as durable as it gets.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	defer d.Close()
	return SyncOpenDir(d)
}

// SyncOpenDir is SyncDir for a directory already open (one opened beneath
// a root, which must not be looked up by name again).
func SyncOpenDir(d *os.File) error {
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return fmt.Errorf("sync directory %s: %w", d.Name(), err)
	}
	return nil
}

// Overwrite is the other way to replace a small file, for files rewritten
// on every write of a hot path that can tolerate a torn result (they carry
// their own check, or are informative only): data is written over the old
// content at offset 0 and the file is cut to its length. It is neither
// atomic nor synced. It never truncates to zero first: on ext4 a file
// truncated to zero and written again starts its writeback when closed
// (auto_da_alloc), about 150 µs per file here and several times that under
// load, which mattered for the journal, intent and lock records every add
// rewrites.
func Overwrite(f *os.File, data []byte) error {
	if _, err := f.WriteAt(data, 0); err != nil {
		return err
	}
	return f.Truncate(int64(len(data)))
}
