//go:build crashtest && linux

package crashpoint

import (
	"os"
	"runtime"
	"syscall"
)

// stopSelf stops the process with SIGSTOP before the calling goroutine
// goes on. kill(2) on our own pid would not do: the kernel may hand a
// process-wide signal to another thread, one blocked in an fsync say,
// and this goroutine then runs on (commits, releases its locks, even
// exits) until that thread gets to it. A signal to this very thread stops
// it on the way out of the system call, and the group stop takes the
// other threads with it.
func stopSelf() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	syscall.Tgkill(os.Getpid(), syscall.Gettid(), syscall.SIGSTOP)
}
