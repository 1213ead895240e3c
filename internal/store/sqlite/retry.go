package sqlite

import (
	"github.com/memtomem/memtomem/internal/store"

	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"syscall"
	"time"

	"modernc.org/sqlite"

	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/crashpoint"
)

// busyBudget bounds how long an operation retries SQLite's "database is
// locked" before the caller gets a retryable store.ErrBusy instead of hanging; a
// write shares one WriteWait budget between its lock wait and these retries.
const busyBudget = WriteWait

func isBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return true
		}
	}
	return false
}

// friendly turns leftover busy errors into store.ErrBusy, so no caller prints a
// raw "database is locked", and corruption into store.ErrCorrupt, which says what
// to do.
func friendly(err error) error {
	if isBusy(err) {
		return store.ErrBusy
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 11, 26: // SQLITE_CORRUPT, SQLITE_NOTADB
			return fmt.Errorf("%w (%v)", store.ErrCorrupt, err)
		}
	}
	return err
}

// retryBusy runs fn until it succeeds, fails with a non-busy error, or the
// budget is spent. Backoff is exponential with full jitter so that many
// processes contending at once spread out instead of retrying in lockstep.
func retryBusy(ctx context.Context, fn func() error) error {
	return retryBusyUntil(ctx, time.Now().Add(busyBudget), fn)
}

// retryBusyUntil is retryBusy with an explicit deadline.
func retryBusyUntil(ctx context.Context, deadline time.Time, fn func() error) error {
	backoff := 2 * time.Millisecond
	for {
		err := fn()
		if err == nil || !isBusy(err) {
			return err
		}
		if time.Now().After(deadline) {
			return store.ErrBusy
		}
		sleep := time.Duration(rand.Int64N(int64(backoff))) + time.Millisecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(sleep):
		}
		backoff = min(backoff*2, 250*time.Millisecond)
	}
}

// write runs fn in one BEGIN IMMEDIATE transaction on the writer connection,
// retried whole on contention.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.fault != 0 {
		return &fs.PathError{Op: "write", Path: db.path, Err: db.fault}
	}
	if db.readOnly {
		return fmt.Errorf("%w: %s", store.ErrReadOnly, db.readOnlyWhy)
	}
	deadline := time.Now().Add(WriteWait)
	unlock, err := db.lockWriters(ctx, deadline)
	if err != nil {
		return err
	}
	defer unlock()
	// Checked under the write lock, right before writing: a database file
	// replaced under this process is never written through the old handle.
	if err := db.Verify(); err != nil {
		return err
	}
	// Before BEGIN, while the writer connection is free (stmts.go).
	db.kept.prepareNoted(ctx, db.writer)
	err = retryBusyUntil(ctx, deadline, func() error {
		tx, err := db.writer.BeginTx(ctx, nil) // _txlock=immediate in the DSN
		if err != nil {
			return err
		}
		// Belt and braces, through SQLite's own view of the file: a
		// database that no longer carries our application id is never
		// written. (Verify's raw header read is what catches a file
		// copied over ours in place: SQLite may serve page 1 from the WAL.)
		if err := ownedInTx(ctx, tx, db.path); err != nil {
			tx.Rollback()
			return err
		}
		if err := fn(tx); err != nil {
			tx.Rollback()
			return err
		}
		crashpoint.Hit(crashpoint.BeforeCommit)
		return tx.Commit()
	})
	return db.diskFault(friendly(err))
}

// diskFault gives a write that failed because the disk refused it the
// disk's errno, as a *fs.PathError naming the database, so that callers can
// tell a full or read-only disk from other failures (SQLite keeps errnos to
// itself). SQLite rolled the transaction back: nothing of it was written.
func (db *DB) diskFault(err error) error {
	if err == nil || coord.DiskFault(err) != 0 {
		return err
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	var e syscall.Errno
	switch se.Code() & 0xff {
	case 13: // SQLITE_FULL: SQLite's word for ENOSPC
		e = syscall.ENOSPC
	case 8, 10: // SQLITE_READONLY, SQLITE_IOERR: ask the filesystem
		e = coord.ProbeDisk(filepath.Dir(db.path))
	}
	if e == 0 {
		return err
	}
	return fmt.Errorf("%w (%v)", &fs.PathError{Op: "write", Path: db.path, Err: e}, err)
}
