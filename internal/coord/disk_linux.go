package coord

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// statfsFault is ProbeDisk's statfs(2) of one existing path.
func statfsFault(path string) (syscall.Errno, error) {
	st, err := statfs(path)
	if err != nil {
		return 0, err
	}
	switch {
	case st.Flags&unix.ST_RDONLY != 0:
		return syscall.EROFS, nil
	case st.Blocks > 0 && st.Bavail*uint64(st.Bsize) < FullBelow:
		// Blocks == 0 is a pseudo filesystem that reports no sizes.
		return syscall.ENOSPC, nil
	}
	return 0, nil
}
