package coord

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
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
// padded to a fixed width (holderWidth) and written over the old one in
// place: truncating the file to zero first, as an earlier version did,
// makes ext4 start writeback when the file is closed (auto_da_alloc),
// which cost 150 µs or more on every lock taken, twice per add.
func recordHolder(f *os.File) {
	line := fmt.Sprintf("%-*d\n", holderWidth, os.Getpid())
	if n, err := f.WriteAt([]byte(line), 0); err == nil && n == len(line) {
		// A file longer than one record (never written by memtomem)
		// loses the rest, so the record is all it says.
		if fi, err := f.Stat(); err == nil && fi.Size() > int64(len(line)) {
			_ = f.Truncate(int64(len(line)))
		}
	}
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
