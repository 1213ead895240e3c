//go:build !linux

package lifecycle

import (
	"context"
	"os"
)

// WatchParent calls gone when the process that started us dies (detected
// by our parent pid changing: orphans are re-parented).
func WatchParent(ctx context.Context, gone context.CancelFunc) {
	go pollParent(ctx, os.Getppid(), gone)
}
