package coord

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/memtomem/memtomem/internal/fspath"
)

// RunDir returns <home>/memtomem.run, the private directory that holds lock
// files, creating it if needed. Lock files live apart from the memory files so
// that memory directories stay clean markdown that users can sync or commit.
func RunDir(home string) (string, error) {
	dir := filepath.Join(home, "memtomem.run")
	if err := os.MkdirAll(dir, 0o700); err != nil && DiskFault(err) == 0 {
		// (On a disk that takes no new directory, the store is still
		// opened to be read: see Join.)
		return "", fmt.Errorf("run dir: %w", err)
	}
	return dir, nil
}

// DefaultFileLockWait bounds how long a write waits for another process's
// write to the same memory file. Writes hold the lock for milliseconds, so
// running into this means something is stuck, not merely busy.
const DefaultFileLockWait = 10 * time.Second

// FileLocks hands out one exclusive lock per memory file. Locking a separate
// file keyed by the memory file's path (rather than the memory file itself)
// matters because memory files are replaced by rename: a lock on the old inode
// would not exclude a writer that opened the new one. Each file's lock is a
// QueuedLock, so the writers of one file in one process are served in order.
type FileLocks struct {
	Dir  string
	Wait time.Duration

	mu    sync.Mutex
	turns map[string]*fileTurn
}

// fileTurn is one file's queued lock; users counts the goroutines holding
// or waiting for it, so idle entries are dropped.
type fileTurn struct {
	lock  *QueuedLock
	users int
}

// NewFileLocks keeps per-file lock files under runDir/files.
func NewFileLocks(runDir string) *FileLocks {
	return &FileLocks{Dir: filepath.Join(runDir, "files"), Wait: DefaultFileLockWait}
}

// Lock takes the exclusive lock for the memory file at path. The returned
// unlock is idempotent.
func (f *FileLocks) Lock(ctx context.Context, path string) (unlock func(), err error) {
	// One file, one lock, however it is spelled: the lock is keyed by the
	// same canonical path the store keys the file by.
	canon, err := fspath.Canonical(path)
	if err != nil {
		return nil, err
	}
	wait := f.Wait
	if wait <= 0 {
		wait = DefaultFileLockWait
	}
	t := f.turn(canon)
	release, err := t.lock.Lock(ctx, time.Now().Add(wait))
	if err != nil {
		f.leave(canon)
		switch {
		case IsOwnQueue(err):
			return nil, fmt.Errorf("memory file %s is busy: another memtomem process has been writing it for over %v; retry the operation: %w (the lock is held by %s)", path, wait, err, HolderOf(t.lock.Path()))
		case errors.Is(err, ErrBusy):
			return nil, fmt.Errorf("memory file %s is busy: another memtomem process has been writing it for over %v; retry the operation: %w", path, wait, err)
		}
		return nil, fmt.Errorf("lock memory file %s: %w", path, err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			release()
			f.leave(canon)
		})
	}, nil
}

// turn registers a user of the file's queued lock.
func (f *FileLocks) turn(canon string) *fileTurn {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.turns == nil {
		f.turns = map[string]*fileTurn{}
	}
	t := f.turns[canon]
	if t == nil {
		t = &fileTurn{lock: NewQueuedLock(f.LockFile(canon))}
		f.turns[canon] = t
	}
	t.users++
	return t
}

// leave drops a user of the file's queued lock, and the entry once unused.
func (f *FileLocks) leave(canon string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t := f.turns[canon]; t != nil {
		if t.users--; t.users == 0 {
			delete(f.turns, canon)
		}
	}
}

// LockFile is the lock file used for an already canonical path. Hashing keeps
// the name short and flat however deep or odd the memory path is.
func (f *FileLocks) LockFile(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return filepath.Join(f.Dir, hex.EncodeToString(sum[:])[:32]+".lock")
}

// JournalFile is where memfile keeps its journal of the memory file at
// path, beside the file's lock (keyed the same way); it is read and written
// only under that lock.
func (f *FileLocks) JournalFile(path string) string {
	canon, err := fspath.Canonical(path)
	if err != nil {
		canon = path
	}
	return strings.TrimSuffix(f.LockFile(canon), ".lock") + ".journal"
}
