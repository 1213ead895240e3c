package coord

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// DiskFault reports the errno behind err when it is one of the ways a disk
// refuses writes: ENOSPC (full), EDQUOT (over quota) or EROFS (mounted
// read-only); 0 for any other error. It is the one place that list lives:
// every part of memtomem that must keep serving reads on such a disk asks it.
func DiskFault(err error) syscall.Errno {
	for _, e := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EROFS} {
		if errors.Is(err, e) {
			return e
		}
	}
	return 0
}

// ProbeDisk says whether the filesystem holding path refuses writes right
// now: EROFS when it is mounted read-only, ENOSPC when less than
// FullBelow bytes are free for this user; 0 when it takes writes or when
// that cannot be told (a quota is only seen when a write hits it). A path
// that does not exist yet is judged by its nearest existing ancestor, where
// it would be created. It costs one statfs(2).
func ProbeDisk(path string) syscall.Errno {
	p, err := filepath.Abs(path)
	if err != nil {
		return 0
	}
	for {
		e, err := statfsFault(p)
		if err == nil {
			return e
		}
		parent := filepath.Dir(p)
		if !errors.Is(err, os.ErrNotExist) || parent == p {
			return 0
		}
		p = parent
	}
}

// FullBelow is the free space under which ProbeDisk calls a disk full. A
// disk is rarely full to the last byte, and one with a few KiB left cannot
// open the database (SQLite sizes a 32 KiB -shm file) nor hold a write
// transaction, so the line is drawn at 1 MiB.
const FullBelow = 1 << 20

// DiskAdvice says what is wrong with the disk holding dir (a disk fault e,
// see DiskFault) and what a user does about it; the caller adds what to do
// then ("then retry").
func DiskAdvice(e syscall.Errno, dir string) string {
	switch e {
	case syscall.ENOSPC:
		return fmt.Sprintf("the disk holding %s is full: free space on it", dir)
	case syscall.EDQUOT:
		return fmt.Sprintf("the disk quota for %s is used up: free space or have the quota raised", dir)
	case syscall.EROFS:
		return fmt.Sprintf("the disk holding %s is mounted read-only: remount it read-write (or move the store with MEMTOMEM_HOME)", dir)
	}
	return fmt.Sprintf("the disk holding %s refused the write (%v)", dir, e)
}
