//go:build !linux

package mcpserver

import (
	"context"
	"os"
)

// watchParent calls gone when the process that started us dies (detected
// by our parent pid changing: orphans are re-parented).
func watchParent(ctx context.Context, gone context.CancelFunc) {
	go pollParent(ctx, os.Getppid(), gone)
}
