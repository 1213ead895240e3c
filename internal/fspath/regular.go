package fspath

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// ErrNotRegular is OpenRegular's refusal of a FIFO, device, socket or
// folder.
var ErrNotRegular = errors.New("not a regular file")

// OpenRegular opens path for reading only if it is a regular file, and
// returns it with its information (taken from the open descriptor, so it
// is about the bytes that will be read). The open does not block: a FIFO
// planted under a name that memtomem reads (a hostile repository's
// .git/config, a transcript path in hook input) is refused at once instead
// of hanging the process until something writes to it.
func OpenRegular(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = fmt.Errorf("%s: %w", path, ErrNotRegular)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}
