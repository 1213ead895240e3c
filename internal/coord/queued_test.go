package coord

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// A writer queued behind another of its own process gives up at the
// deadline with ErrOwnQueue (an ErrBusy), and gets the lock once released.
func TestQueuedLockOwnQueue(t *testing.T) {
	q := NewQueuedLock(filepath.Join(t.TempDir(), "q.lock"))
	ctx := context.Background()
	unlock, err := q.Lock(ctx, time.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	_, err = q.Lock(ctx, time.Now().Add(20*time.Millisecond))
	if !IsOwnQueue(err) || !errors.Is(err, ErrBusy) {
		t.Fatalf("second lock while held: %v, want ErrOwnQueue", err)
	}
	unlock()
	unlock() // idempotent
	again, err := q.Lock(ctx, time.Now().Add(time.Second))
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again()
}
