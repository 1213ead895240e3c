package sqlite

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Writers queue on a lock file before BEGIN IMMEDIATE. SQLite's own busy
// handler makes a waiting writer sleep (up to 100 ms at a time) and retry,
// so under contention a writer can lose the race again and again while
// newcomers win: tens of mm serve processes saw multi-second tails. Blocked
// in flock, a waiter is woken by the kernel the moment the holder commits.
// SQLite's locking still guards against writers that do not take this lock.
type writeLock struct {
	mu chan struct{} // in-process turn: flock is per open file, not per goroutine
	f  *os.File
}

func openWriteLock(path string) (*writeLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open write lock: %w", err)
	}
	return &writeLock{mu: make(chan struct{}, 1), f: f}, nil
}

// lockWriters takes this process's turn, then the cross-process lock. The
// flock wait is not interruptible, but it is bounded by other writers'
// transactions, which are short (no network or embedding work happens
// inside one).
func (db *DB) lockWriters(ctx context.Context) (func(), error) {
	wl := db.wlock
	if wl == nil {
		return func() {}, nil
	}
	select {
	case wl.mu <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	for {
		err := unix.Flock(int(wl.f.Fd()), unix.LOCK_EX)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			<-wl.mu
			return nil, fmt.Errorf("write lock: %w", err)
		}
		break
	}
	return func() {
		unix.Flock(int(wl.f.Fd()), unix.LOCK_UN)
		<-wl.mu
	}, nil
}
