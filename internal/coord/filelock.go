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
	if err := os.MkdirAll(dir, 0o700); err != nil {
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
// would not exclude a writer that opened the new one.
//
// Within one process, writers of one file first queue for that file's turn
// (a channel: blocked goroutines are served in order), so only one goroutine
// per process polls the flock. With many adds in flight per process into one
// day file, everyone polling at once made the wait a lottery with a long
// tail (some waiters lost round after round and hit the bound); queueing
// locally keeps the wait close to the length of the queue.
type FileLocks struct {
	Dir  string
	Wait time.Duration

	mu    sync.Mutex
	turns map[string]*fileTurn
}

// fileTurn is one file's in-process queue; users counts the goroutines
// holding or waiting for it, so idle entries are dropped.
type fileTurn struct {
	ch    chan struct{}
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
	lockPath := f.LockFile(canon)
	wait := f.Wait
	if wait <= 0 {
		wait = DefaultFileLockWait
	}
	deadline := time.Now().Add(wait)
	busy := func(err error) error {
		return fmt.Errorf("memory file %s is busy: another memtomem process has been writing it for over %v; retry the operation: %w", path, wait, err)
	}
	turn := f.turn(canon)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case turn.ch <- struct{}{}:
	case <-ctx.Done():
		f.leave(canon, turn, false)
		return nil, fmt.Errorf("lock memory file %s: %w", path, ctx.Err())
	case <-t.C:
		f.leave(canon, turn, false)
		return nil, busy(fmt.Errorf("%w: this process's earlier writes of the file are still waiting; the lock is held by %s", ErrBusy, HolderOf(lockPath)))
	}
	l, err := LockWait(ctx, lockPath, true, time.Until(deadline))
	if err != nil {
		f.leave(canon, turn, true)
		if errors.Is(err, ErrBusy) {
			return nil, busy(err)
		}
		return nil, fmt.Errorf("lock memory file %s: %w", path, err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			_ = l.Unlock()
			f.leave(canon, turn, true)
		})
	}, nil
}

// turn registers a user of the file's in-process queue.
func (f *FileLocks) turn(canon string) *fileTurn {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.turns == nil {
		f.turns = map[string]*fileTurn{}
	}
	t := f.turns[canon]
	if t == nil {
		t = &fileTurn{ch: make(chan struct{}, 1)}
		f.turns[canon] = t
	}
	t.users++
	return t
}

// leave gives the turn back (if held) and drops the queue when unused.
func (f *FileLocks) leave(canon string, t *fileTurn, held bool) {
	if held {
		<-t.ch
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if t.users--; t.users == 0 {
		delete(f.turns, canon)
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
