package lifecycle

import (
	"context"
	"os"
	"testing"
	"time"
)

// The poll fallback notices re-parenting (here: a parent pid that is not
// ours from the start, as after the parent died before we looked).
func TestPollParentNoticesReparenting(t *testing.T) {
	defer func(d time.Duration) { parentPoll = d }(parentPoll)
	parentPoll = 5 * time.Millisecond
	ctx, gone := context.WithCancel(t.Context())
	go pollParent(ctx, os.Getppid()+1, gone)
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a changed parent pid was not noticed")
	}
}
