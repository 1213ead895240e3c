//go:build !linux && !darwin

package memfile

import "os"

func swapNames(dir *os.File, a, b string) (bool, error) { return false, nil }

func renameNew(dir *os.File, a, b string) (ok, exists bool, err error) { return false, false, nil }
