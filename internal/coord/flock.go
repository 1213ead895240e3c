// Package coord coordinates the many memtomem processes (one per editor
// session) that share one store. Everything here is advisory flock(2):
// the kernel drops a lock when its holder dies, so a crashed process can
// never leave a store wedged, and no stale-lock cleanup is ever needed.
package coord

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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
	for {
		err = unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
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

// LockWait polls TryLock rather than blocking in flock(2), because a blocked
// flock cannot be interrupted by ctx or bounded by a timeout. The backoff
// starts at about 1ms so an uncontended hand-over is quick, and is capped at
// about 5ms with jitter so waiters do not retry in lockstep. A low cap keeps
// the hand-over fair: with tens of writers on one day file, a 50ms cap let
// unlucky waiters sleep through hand-over after hand-over (seconds of tail
// latency), while polling a free-or-held flock costs microseconds. wait <= 0
// means only ctx bounds the wait.
func LockWait(ctx context.Context, path string, exclusive bool, wait time.Duration) (*Lock, error) {
	var deadline time.Time
	if wait > 0 {
		deadline = time.Now().Add(wait)
	}
	backoff := time.Millisecond
	const maxBackoff = 5 * time.Millisecond
	for {
		l, ok, err := TryLock(path, exclusive)
		if err != nil {
			return nil, err
		}
		if ok {
			return l, nil
		}
		sleep := backoff/2 + rand.N(backoff)
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return nil, fmt.Errorf("%w: %s still held by %s after %v", ErrBusy, path, HolderOf(path), wait)
			}
			sleep = min(sleep, left)
		}
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waiting for lock %s: %w", path, ctx.Err())
		case <-t.C:
		}
		backoff = min(backoff*2, maxBackoff)
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
