package lifecycle

import (
	"context"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// WatchParent calls gone when the process that started us dies. The kernel
// sends SIGTERM (which Watch handles) when the parent exits; the poll in
// pollParent covers the cases the signal misses: a parent that died before
// prctl ran, or a parent-death signal tied to a parent thread rather than
// the whole parent process.
func WatchParent(ctx context.Context, gone context.CancelFunc) {
	ppid := os.Getppid()
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0, 0, 0)
	if os.Getppid() != ppid {
		gone()
		return
	}
	go pollParent(ctx, ppid, gone)
}
