package sqlite

import (
	"github.com/memtomem/memtomem/internal/store"

	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"syscall"
)

// fileID is a file's identity: device and inode.
type fileID struct{ dev, ino uint64 }

func statID(path string) (fileID, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileID{}, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, nil // no inode numbers here: identity checks are off
	}
	return fileID{dev: uint64(st.Dev), ino: st.Ino}, nil
}

// Verify reports whether the path still names the database file this
// process opened, and whether that file still carries a memtomem header. It
// costs a stat and a 100-byte read, and runs under the write lock before
// every write transaction, and in the root package before every Service
// call.
//
// A replaced file gets store.ErrReplaced (wrapped): someone moved, deleted
// or copied another file over ours while servers were running. The process
// then never writes through its old handle, which could alter a foreign
// database or write into a file nobody will read; it refuses until
// restarted, and a restarted process goes through Open's schema gate again
// (a foreign file is refused there and never modified).
//
// Two ways a file gets swapped in: renamed over ours (a new inode: the stat
// tells), or copied over ours in place, as cp does (same inode: only the
// header on disk tells). Our header reaches the disk with the first
// checkpoint (Open runs one), so once this process has seen memtomem's
// application id on disk, any other header means someone else's file.
func (db *DB) Verify() error {
	if db.id == (fileID{}) {
		return nil
	}
	cur, err := statID(db.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: %s was deleted or moved away; nothing more is written through this process: restart it (close and reopen the editor session) to open the store afresh", store.ErrReplaced, db.path)
	case err != nil:
		return fmt.Errorf("check database file %s: %w", db.path, err)
	case cur != db.id:
		db.replaced.Store(replacedByRename)
		return fmt.Errorf("%w: %s is now a different file (inode %d, this process opened inode %d); this process will not write to it: restart it (close and reopen the editor session), and the new file is checked before anything uses it", store.ErrReplaced, db.path, cur.ino, db.id.ino)
	}
	id, ok := diskAppID(db.path)
	switch {
	case ok && id == ApplicationID:
		db.ownHeaderSeen.Store(true)
	case !ok || id != 0 || db.ownHeaderSeen.Load():
		db.replaced.Store(replacedInPlace)
		return fmt.Errorf("%w: %s was overwritten in place with a file that is %v (application_id %#x on disk); this process will not write to it, nor checkpoint into it when it exits: restart it, and the new file is checked before anything uses it", store.ErrReplaced, db.path, store.ErrForeign, id)
	}
	return nil
}

// How the file was replaced (0: not seen replaced).
const (
	replacedByRename int32 = 1 + iota
	replacedInPlace
)

// diskAppID reads the application id from the raw header on disk; ok is
// false when the file is not a SQLite database at all.
func diskAppID(path string) (id uint32, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	var hdr [100]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil || string(hdr[:16]) != "SQLite format 3\x00" {
		return 0, false
	}
	return binary.BigEndian.Uint32(hdr[68:72]), true
}

// replacedState is embedded in DB.
type replacedState struct {
	replaced      atomic.Int32
	ownHeaderSeen atomic.Bool
}

// ownedInTx checks, inside a write transaction, that the database still
// carries memtomem's application id: a file copied over ours in place keeps
// the inode, and only its header tells.
func ownedInTx(ctx context.Context, tx *sql.Tx, path string) error {
	var id int64
	if err := tx.QueryRowContext(ctx, "SELECT application_id FROM pragma_application_id()").Scan(&id); err != nil {
		return err
	}
	if id != ApplicationID {
		return fmt.Errorf("%w: %s was overwritten with a database that is %v (application_id %#x); it was left untouched: restart this process", store.ErrReplaced, path, store.ErrForeign, id)
	}
	return nil
}
