package lifecycle_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/lifecycle"
)

// Work that outlives the grace period is cancelled, the drain still ends,
// and no call starts after it.
func TestDrainBoundsStuckCalls(t *testing.T) {
	c := lifecycle.NewCalls()
	if err := c.Begin(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := c.Detach(context.Background())
	defer cancel()
	go func() {
		<-ctx.Done() // cancelled once the grace period is over
		c.End()
	}()
	if !c.Drain(100 * time.Millisecond) {
		t.Error("the drain reports a call still running after its work was cancelled")
	}
	if err := c.Begin(); !errors.Is(err, lifecycle.ErrShuttingDown) {
		t.Errorf("a call after the drain: %v", err)
	}
}

// A call that ignores the cancellation makes the drain report it, so the
// caller leaves the store open rather than closing it under the call.
func TestDrainReportsCallsThatDoNotStop(t *testing.T) {
	c := lifecycle.NewCalls()
	if err := c.Begin(); err != nil {
		t.Fatal(err)
	}
	defer c.End()
	if c.Drain(10 * time.Millisecond) {
		t.Error("the drain reports every call finished while one is still running")
	}
}

// Long work stops when shutdown begins, with a cause that says so; detached
// writes do not (they get the grace period).
func TestLongWorkStopsWhenShutdownBegins(t *testing.T) {
	c := lifecycle.NewCalls()
	long, cancelLong := c.StopLong(context.Background())
	defer cancelLong()
	write, cancelWrite := c.Detach(context.Background())
	defer cancelWrite()
	c.BeginStop()
	select {
	case <-long.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("long work was not stopped when shutdown began")
	}
	if cause := context.Cause(long); !errors.Is(cause, lifecycle.ErrStopping) {
		t.Errorf("long work stopped with %v", cause)
	}
	if write.Err() != nil {
		t.Error("a detached write was cancelled when shutdown began, before its grace period")
	}
	// The request's own cancellation stops long work too.
	req, cancelReq := context.WithCancel(context.Background())
	long2, cancel2 := lifecycle.NewCalls().StopLong(req)
	defer cancel2()
	cancelReq()
	select {
	case <-long2.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("long work was not stopped when its request was cancelled")
	}
	if cause := context.Cause(long2); !errors.Is(cause, context.Canceled) {
		t.Errorf("long work stopped by its request with %v", cause)
	}
}
