package coord

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrOwnQueue means the wait ran out while this process's own earlier
// writers still had the lock's turn: the other holder is in this process's
// queue, not in another process. It is an ErrBusy.
var ErrOwnQueue = fmt.Errorf("%w: this process's earlier writes are still waiting for it", ErrBusy)

// QueuedLock is an exclusive flock taken in order within a process: the
// goroutines of one process first queue for the lock's turn (a channel, so
// blocked goroutines are served in order), and only the one holding the turn
// waits for the flock (LockWait). With many writes in flight per process,
// everyone waiting on the flock at once made the wait a lottery with a long tail; queueing
// locally keeps it close to the length of the queue. Both waits end at one
// deadline, so a stopped holder gives a retryable ErrBusy, never a hang.
type QueuedLock struct {
	path string
	turn chan struct{}
}

// NewQueuedLock returns the queued lock on the lock file at path. The file is
// opened by path at every attempt, so a removed one is simply re-created.
func NewQueuedLock(path string) *QueuedLock {
	return &QueuedLock{path: path, turn: make(chan struct{}, 1)}
}

// Path is the lock file.
func (q *QueuedLock) Path() string { return q.path }

// Lock takes this process's turn, then the flock, both before deadline. The
// returned unlock is idempotent. A wait that runs out returns ErrOwnQueue
// (still queued in-process) or LockWait's ErrBusy (another process holds
// the flock).
func (q *QueuedLock) Lock(ctx context.Context, deadline time.Time) (unlock func(), err error) {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case q.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, ErrOwnQueue
	}
	l, err := LockWait(ctx, q.path, true, time.Until(deadline))
	if err != nil {
		<-q.turn
		return nil, err
	}
	done := false
	return func() {
		if !done {
			done = true
			_ = l.Unlock()
			<-q.turn
		}
	}, nil
}

// IsOwnQueue reports whether err is a wait that ran out in this process's
// own queue.
func IsOwnQueue(err error) bool { return errors.Is(err, ErrOwnQueue) }
