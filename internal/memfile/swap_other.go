//go:build !linux && !darwin

package memfile

func swapNames(a, b string) (bool, error) { return false, nil }

func renameNew(a, b string) (ok, exists bool, err error) { return false, false, nil }
