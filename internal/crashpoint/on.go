//go:build crashtest

package crashpoint

import (
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
)

var (
	target = os.Getenv(EnvVar)
	// skip lets a test let the first N hits pass (MEMTOMEM_CRASH_SKIP), to
	// crash in the middle of a run rather than at its first write.
	skip    = func() int64 { n, _ := strconv.ParseInt(os.Getenv("MEMTOMEM_CRASH_SKIP"), 10, 64); return n }()
	hits    atomic.Int64
	stop    = os.Getenv(HowVar) == "stop"
	stopped atomic.Bool
)

// Hit kills the process with SIGKILL if name is the configured crash point
// (or stops it once with SIGSTOP, see HowVar).
func Hit(name string) {
	if target == "" || name != target {
		return
	}
	if hits.Add(1) <= skip {
		return
	}
	if stop {
		if stopped.CompareAndSwap(false, true) {
			stopSelf()
		}
		return
	}
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // SIGKILL is not deliverable late, but never continue past it
}

// Enabled says whether crash points are compiled in: a writer that must
// be caught halfway through a write (MidAppend) splits it only then.
const Enabled = true
