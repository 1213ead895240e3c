package sqlite

import (
	"github.com/memtomem/memtomem/internal/store"

	"context"
	"errors"
	"fmt"
	"time"

	"github.com/memtomem/memtomem/internal/coord"
)

// WriteWait bounds how long one write waits for other writers, from asking
// for this process's turn to the end of SQLite's own busy retries. A write
// that cannot start within it fails with store.ErrBusy (retryable) instead of
// hanging: a writer stopped inside its transaction (SIGSTOP, a debugger, a
// closed laptop lid on a shared machine) must not wedge every other writer
// of every server. Transactions hold the lock for milliseconds (no network
// or embedding work happens inside one), so hitting the bound means a stuck
// holder, not ordinary contention; editors give up on a tool call after tens
// of seconds, so a shorter, clear "busy, retry" beats an opaque timeout.
// Wall-clock worst case is WriteWait plus one SQLite busy_timeout (2 s):
// about 12 s.
const WriteWait = 10 * time.Second

// Writers queue on a lock file before BEGIN IMMEDIATE. SQLite's own busy
// handler makes a waiting writer sleep (up to 100 ms at a time) and retry,
// so under contention a writer can lose the race again and again while
// newcomers win: tens of mm serve processes saw multi-second tails. The lock
// is taken with coord.LockWait, which waits in flock(2) so the kernel hands
// it over the moment the holder commits, yet lets a waiter give up at a
// deadline. It is a coord.QueuedLock: the writers of one process queue in
// order and one of them waits on the flock; a lock file removed with
// memtomem.run is re-created.
// The holder's pid is written into the file (see coord.HolderOf), so a
// waiter that gives up names it. SQLite's locking still guards against
// writers that do not take this lock.
// lockWriters takes this process's turn, then the cross-process lock, both
// before deadline.
func (db *DB) lockWriters(ctx context.Context, deadline time.Time) (func(), error) {
	wl := db.wlock
	if wl == nil {
		return func() {}, nil
	}
	unlock, err := wl.Lock(ctx, deadline)
	switch {
	case coord.IsOwnQueue(err):
		return nil, busyHeld(wl.Path(), "this process's earlier writes are still waiting for it")
	case errors.Is(err, coord.ErrBusy):
		return nil, busyHeld(wl.Path(), "")
	case err != nil && ctx.Err() != nil:
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("write lock: %w", err)
	}
	return unlock, nil
}

// busyHeld is store.ErrBusy saying who holds the write lock.
func busyHeld(lockPath, note string) error {
	msg := fmt.Sprintf("store busy: the database write lock has been held by %s for over %v", coord.HolderOf(lockPath), WriteWait)
	if note != "" {
		msg += " (" + note + ")"
	}
	return &busyError{msg: msg + "; try again"}
}

// busyError is an store.ErrBusy with a more specific message.
type busyError struct{ msg string }

func (e *busyError) Error() string        { return e.msg }
func (e *busyError) Is(target error) bool { return target == store.ErrBusy }
