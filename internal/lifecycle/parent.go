package lifecycle

import (
	"context"
	"os"
	"time"
)

// parentPoll is how often the parent pid is checked (a variable for tests).
var parentPoll = time.Second

// pollParent calls gone once our parent pid differs from ppid. A parent pid
// of 1 at start means we were started by init (or already orphaned): there
// is nothing to watch.
func pollParent(ctx context.Context, ppid int, gone context.CancelFunc) {
	if ppid <= 1 {
		return
	}
	t := time.NewTicker(parentPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if os.Getppid() != ppid {
				gone()
				return
			}
		}
	}
}
