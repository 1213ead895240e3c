package coord

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
)

// networkFS maps statfs(2) f_type magic numbers of filesystems where flock is
// not reliable (emulated, per-client, or silently a no-op) and where SQLite's
// WAL shared memory (an mmap'ed -shm file) is not coherent between processes,
// to the name used in the error, with its article. On such a filesystem the
// coordination in this package would appear to work and then let two
// writers in at once, so refusing up front is the only honest answer.
// GlusterFS, sshfs, rclone and the like all report FUSE.
var networkFS = map[int64]string{
	0x6969:     "an NFS",
	0x517B:     "an SMB",
	0xFF534D42: "a CIFS",
	0xFE534D42: "an SMB2",
	0x65735546: "a FUSE",
	0x01021997: "a 9P",
	0x5346414F: "an AFS",
	0x00C36400: "a Ceph",
	0x0BD00BD0: "a Lustre",
}

// CheckLocalFS refuses a store path on a network or FUSE filesystem, where
// flock and SQLite WAL are unreliable. The path may not exist yet (a fresh
// MEMTOMEM_HOME); then its nearest existing ancestor is checked, which is
// where it will be created. On systems without statfs magic numbers
// (anything but Linux) it returns nil.
func CheckLocalFS(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("check filesystem of %s: %w", path, err)
	}
	p := abs
	for {
		typ, err := statfsType(p)
		if err == nil {
			if kind, bad := networkFS[typ]; bad {
				return fmt.Errorf("%s is on %s filesystem: memtomem needs a local disk for its locks and database (flock and SQLite WAL are unreliable there); set MEMTOMEM_HOME to a local directory", path, kind)
			}
			return nil
		}
		parent := filepath.Dir(p)
		if !errors.Is(err, fs.ErrNotExist) || parent == p {
			return fmt.Errorf("check filesystem of %s: %w", path, err)
		}
		p = parent
	}
}
