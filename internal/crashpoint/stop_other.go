//go:build crashtest && !linux

package crashpoint

import (
	"os"
	"syscall"
)

// stopSelf stops the process with SIGSTOP (see stop_linux.go for why
// Linux sends it to the calling thread).
func stopSelf() { syscall.Kill(os.Getpid(), syscall.SIGSTOP) }
