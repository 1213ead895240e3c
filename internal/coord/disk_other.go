//go:build !linux

package coord

import "syscall"

// statfsFault tells nothing outside Linux: there a disk fault is seen only
// when a write fails with it (see DiskFault).
func statfsFault(path string) (syscall.Errno, error) { return 0, nil }
