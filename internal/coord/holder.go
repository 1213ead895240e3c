package coord

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/memtomem/memtomem/internal/atomicfile"
)

// An exclusive holder writes its pid into the lock file right after locking,
// so that a waiter that gives up can say who is in the way ("held by pid
// 1234"): the one thing a user needs to find a stopped or hung process. The
// pid is informative only; liveness is always the flock, never the pid (pids
// are reused). A holder that released the lock leaves its pid behind, and a
// new holder overwrites it a few microseconds after locking, so the name can
// be stale for that long; it is worded "last recorded" for that reason.

// recordHolder writes this process's pid into a lock file it holds
// exclusively. Failure is ignored: the lock is what matters. The pid is
// padded to a fixed width and written over the old one in place
// (atomicfile.Overwrite: truncating to zero first cost 150 µs or more on
// every lock taken, twice per add).
func recordHolder(f *os.File) {
	_ = atomicfile.Overwrite(f, fmt.Appendf(nil, "%-*d\n", holderWidth, os.Getpid()))
}

// holderWidth is the width a pid is padded to in a lock file: more digits
// than any pid has (Linux caps them at 2^22).
const holderWidth = 15

// HolderPID reads the pid last recorded in the lock file at path (0 when
// none is recorded or the file cannot be read).
func HolderPID(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	data, _ := io.ReadAll(io.LimitReader(f, 64))
	first, _, _ := strings.Cut(string(data), "\n")
	first, _, _ = strings.Cut(first, " ")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// HolderOf describes the holder of the lock at path for an error message.
func HolderOf(path string) string {
	if pid := HolderPID(path); pid > 0 {
		return fmt.Sprintf("another memtomem process (pid %d, as last recorded in the lock file; if it is stopped, e.g. by a debugger or `kill -STOP`, resume it with `kill -CONT %d`)", pid, pid)
	}
	return "another memtomem process"
}
