package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrReplaced is returned (wrapped) when the database file at the store's
// path is no longer the file this process opened: someone moved, deleted or
// copied another file over it while servers were running. The process then
// never writes through its old handle, which could alter a foreign database
// or write into a file nobody will read; it refuses until restarted, and a
// restarted process goes through Open's schema gate again (a foreign file is
// refused there and never modified).
var ErrReplaced = errors.New("the database file was replaced while this process had it open")

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

// CheckFile reports, at the cost of one stat, whether the path still names
// the database file this process opened. It is run under the write lock
// before every write transaction, and by the root package before every
// Service call.
func (db *DB) CheckFile() error {
	if db.id == (fileID{}) {
		return nil
	}
	cur, err := statID(db.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: %s was deleted or moved away; nothing more is written through this process: restart it (close and reopen the editor session) to open the store afresh", ErrReplaced, db.path)
	case err != nil:
		return fmt.Errorf("check database file %s: %w", db.path, err)
	case cur != db.id:
		return fmt.Errorf("%w: %s is now a different file (inode %d, this process opened inode %d); this process will not write to it: restart it (close and reopen the editor session), and the new file is checked before anything uses it", ErrReplaced, db.path, cur.ino, db.id.ino)
	}
	return nil
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
		return fmt.Errorf("%w: %s was overwritten with a database that is %v (application_id %#x); it was left untouched: restart this process", ErrReplaced, path, ErrForeign, id)
	}
	return nil
}
