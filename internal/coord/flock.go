// Package coord coordinates the many memtomem processes (one per editor
// session) that share one store. Everything here is advisory flock(2):
// the kernel drops a lock when its holder dies, so a crashed process can
// never leave a store wedged, and no stale-lock cleanup is ever needed.
package coord

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ErrBusy means another holder kept the lock for longer than we were willing
// to wait. It is a transient condition: the operation can be retried.
var ErrBusy = errors.New("lock busy")

// Lock is one held flock. The lock belongs to the open file description, so
// two Locks in one process on the same path exclude each other just as two
// processes do.
type Lock struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

// TryLock takes the lock without blocking. ok is false, with a nil error, when
// someone else holds a conflicting lock. The lock file and its directory are
// created if missing; they are private (0600/0700) because the run directory
// is nobody else's business.
func TryLock(path string, exclusive bool) (l *Lock, ok bool, err error) {
	return lockFile(path, exclusive, false)
}

// lockFile is TryLock, or with block a flock(2) that waits in the kernel.
func lockFile(path string, exclusive, block bool) (l *Lock, ok bool, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("lock dir for %s: %w", path, err)
	}
	// O_NOFOLLOW: the holder's pid is written into the lock file, so a lock
	// name planted as a symlink would be a write to wherever it points.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, 0o600)
	if errors.Is(err, unix.ELOOP) {
		return nil, false, fmt.Errorf("open lock %s: it is a symbolic link, which memtomem's lock files never are; remove it", path)
	}
	if errors.Is(err, syscall.EROFS) {
		// flock works on a descriptor opened for reading: on a store
		// mounted read-only a process still holds the locks that tell the
		// others it is there (only the holder's pid goes unrecorded).
		// A missing one stays the read-only error: that is what is wrong.
		if ro, rerr := os.OpenFile(path, os.O_RDONLY|unix.O_NOFOLLOW, 0); rerr == nil {
			f, err = ro, nil
		}
	}
	if err != nil {
		return nil, false, fmt.Errorf("open lock %s: %w", path, err)
	}
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	if !block {
		how |= unix.LOCK_NB
	}
	for {
		err = unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("flock %s: %w", path, err)
	}
	l = &Lock{path: path, f: f}
	if exclusive {
		recordHolder(f)
	}
	return l, true, nil
}

// LockWait takes the lock, waiting at most wait (wait <= 0: only ctx bounds
// the wait). The wait happens in the kernel: flock(2) queues the waiters
// and wakes them the moment the holder lets go. Polling with sleeps, as an
// earlier version did, made the hand-over a lottery: a waiter asleep when
// the lock came free lost it to whoever asked next, again and again, and
// under load some waited out their whole bound behind writes of a few
// milliseconds each.
//
// A blocked flock cannot be interrupted, so it runs in its own goroutine:
// a caller whose bound runs out (or whose ctx ends) leaves, and should the
// abandoned flock succeed later, that goroutine releases the lock at once.
// (One such goroutine per lock per process at most: QueuedLock lets only
// the head of a process's queue wait here.)
func LockWait(ctx context.Context, path string, exclusive bool, wait time.Duration) (*Lock, error) {
	if l, ok, err := TryLock(path, exclusive); err != nil || ok {
		return l, err
	}
	type result struct {
		l   *Lock
		err error
	}
	var (
		mu     sync.Mutex
		gaveUp bool
		got    = make(chan result, 1)
	)
	go func() {
		l, err := lockLive(path, exclusive)
		mu.Lock()
		defer mu.Unlock()
		if gaveUp {
			if l != nil {
				l.Unlock()
			}
			return
		}
		got <- result{l, err}
	}()
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	leave := func() (result, bool) {
		mu.Lock()
		defer mu.Unlock()
		gaveUp = true
		select {
		case r := <-got: // it came in just now: take it
			return r, true
		default:
			return result{}, false
		}
	}
	select {
	case r := <-got:
		return r.l, r.err
	case <-timeout:
		if r, ok := leave(); ok {
			return r.l, r.err
		}
		return nil, fmt.Errorf("%w: %s still held by %s after %v", ErrBusy, path, HolderOf(path), wait)
	case <-ctx.Done():
		if r, ok := leave(); ok && r.l != nil {
			r.l.Unlock()
		}
		return nil, fmt.Errorf("waiting for lock %s: %w", path, ctx.Err())
	}
}

// lockLive blocks until it holds the lock on the file that path names when
// it gets it. A lock file removed while we waited on it (memtomem.run
// deleted, then re-created by another process) would give us a lock
// nobody else can see, so then it locks the new file instead.
func lockLive(path string, exclusive bool) (*Lock, error) {
	for {
		l, _, err := lockFile(path, exclusive, true)
		if err != nil {
			return nil, err
		}
		held, err1 := l.f.Stat()
		named, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			return l, nil
		}
		l.Unlock()
	}
}

// Path is the lock file this Lock holds.
func (l *Lock) Path() string { return l.path }

// Unlock releases the lock by closing the descriptor. It is safe to call more
// than once (deferred and explicit unlocks can coexist). The lock file itself
// is left in place on purpose: unlinking it while another process holds or is
// about to take a lock on the old inode would let two holders in at once.
func (l *Lock) Unlock() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
