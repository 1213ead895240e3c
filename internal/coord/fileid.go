package coord

import (
	"os"
	"syscall"
)

// fileID is a file's identity (device and inode): what tells a file from
// another one renamed over its name.
type fileID struct{ dev, ino uint64 }

func idOf(fi os.FileInfo) fileID {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fileID{dev: uint64(st.Dev), ino: st.Ino}
	}
	return fileID{}
}

// pathID is the identity of the file path names now.
func pathID(path string) (fileID, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileID{}, err
	}
	return idOf(fi), nil
}

// fdID is the identity of an open file.
func fdID(f *os.File) (fileID, error) {
	fi, err := f.Stat()
	if err != nil {
		return fileID{}, err
	}
	return idOf(fi), nil
}

// stillAt reports whether the lock's path still names the file it holds.
func (l *Lock) stillAt() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return false
	}
	held, err := fdID(l.f)
	if err != nil {
		return true // cannot tell: keep leading rather than flap
	}
	cur, err := pathID(l.path)
	return err == nil && cur == held
}
