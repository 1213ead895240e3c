package lifecycle

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrShuttingDown answers calls that arrive once shutdown has begun.
var ErrShuttingDown = errors.New("the memtomem server is shutting down; the client should start a new one and retry")

// ErrStopping is the cause of long work's end at shutdown (see Calls.Stopping).
var ErrStopping = errors.New("the server is shutting down")

// Calls tracks a server's in-flight calls so that shutdown drains them: no
// call starts once shutdown began, every running one gets the grace period
// to finish, and work still running after that is cancelled.
type Calls struct {
	mu      sync.Mutex // guards closing and the counter's Add
	closing bool
	running sync.WaitGroup

	// hardStop is cancelled when the grace period runs out: detached work
	// (see Detach) derives from it so it cannot outlive the process by more
	// than the grace period.
	hardStop    context.Context
	stopWorkNow context.CancelFunc
	// stopping is cancelled when shutdown begins: long work that can stop
	// between steps stops then, rather than holding the drain.
	stopping  context.Context
	beginStop context.CancelFunc
}

// NewCalls returns a tracker with no calls running.
func NewCalls() *Calls {
	c := &Calls{}
	c.hardStop, c.stopWorkNow = context.WithCancel(context.Background())
	c.stopping, c.beginStop = context.WithCancel(context.Background())
	return c
}

// Begin registers a call; it fails with ErrShuttingDown once shutdown has
// begun. Every successful Begin is paired with one End.
func (c *Calls) Begin() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return ErrShuttingDown
	}
	c.running.Add(1)
	return nil
}

// End marks a call begun with Begin as finished.
func (c *Calls) End() { c.running.Done() }

// Detach returns the context a writing call runs on. It is detached from the
// request, because a client that disconnects must not abort a write
// half-way, and is bounded by the shutdown grace period instead.
func (c *Calls) Detach(ctx context.Context) (context.Context, context.CancelFunc) {
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(c.hardStop, cancel)
	return wctx, func() { stop(); cancel() }
}

// StopLong returns a context for long work made of steps, each complete on
// its own: detached from the request like Detach, but cancelled when the
// request is (cause context.Canceled) and when shutdown begins (cause
// ErrStopping), so that it neither holds the drain for the whole grace
// period nor runs on for a client that gave up on it.
func (c *Calls) StopLong(req context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(req))
	stops := []func() bool{
		context.AfterFunc(req, func() { cancel(context.Canceled) }),
		context.AfterFunc(c.stopping, func() { cancel(ErrStopping) }),
		context.AfterFunc(c.hardStop, func() { cancel(ErrStopping) }),
	}
	return ctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel(nil)
	}
}

// BeginStop tells long work to stop at its next step; new calls are still
// taken until Drain.
func (c *Calls) BeginStop() { c.beginStop() }

// Drain stops taking calls and waits up to grace for the running ones;
// then it cancels detached work and waits briefly for it to return. It
// reports whether every call finished: if not, what they hold (the store)
// must be left for the process exit to release, not closed under them.
func (c *Calls) Drain(grace time.Duration) bool {
	c.beginStop()
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	idle := make(chan struct{})
	go func() { c.running.Wait(); close(idle) }()
	finished := WaitFor(idle, grace)
	c.stopWorkNow()
	if !finished {
		finished = WaitFor(idle, 2*time.Second)
	}
	return finished
}

// WaitFor waits up to d for ch to be closed and reports whether it was.
func WaitFor(ch <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}
