package memfile

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// swapNames atomically exchanges the files named a and b in the directory
// open as dir (single names: nothing is looked up outside it). ok is false
// when the filesystem cannot (the caller then renames instead).
func swapNames(dir *os.File, a, b string) (ok bool, err error) {
	fd := int(dir.Fd())
	err = unix.RenameatxNp(fd, a, fd, b, unix.RENAME_SWAP)
	if errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EINVAL) {
		return false, nil
	}
	return err == nil, err
}

// renameNew renames a to b in dir only if b does not exist; exists reports
// that it does. ok is false when the filesystem cannot tell (the caller
// renames).
func renameNew(dir *os.File, a, b string) (ok, exists bool, err error) {
	fd := int(dir.Fd())
	err = unix.RenameatxNp(fd, a, fd, b, unix.RENAME_EXCL)
	switch {
	case errors.Is(err, unix.EEXIST):
		return true, true, nil
	case errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EINVAL):
		return false, false, nil
	}
	return err == nil, false, err
}
