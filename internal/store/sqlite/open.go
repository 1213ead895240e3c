// Package sqlite is the embedded default Store: one SQLite file in WAL mode,
// shared by every memtomem process on the machine.
//
// Concurrency model: each process has one writer connection and a small pool
// of readers. Every write is a BEGIN IMMEDIATE transaction retried whole, with
// jitter, when another process holds the write lock, so callers never see a
// raw "database is locked".
package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/memtomem/memtomem/internal/coord"
)

// ApplicationID marks databases created by memtomem ("mmtm"). A database
// with any other id is not ours and is never modified.
const ApplicationID = 0x6d6d746d

// DB is the SQLite store.
type DB struct {
	path        string
	writer      *sql.DB           // exactly one connection: SQLite allows one writer anyway
	reader      *sql.DB           // read-only pool for searches
	wlock       *coord.QueuedLock // nil when Options.WriteLock is empty
	readOnly    bool              // set when the schema is newer than this binary can write
	readOnlyWhy string
	schema      int
	id          fileID // the file opened, for CheckFile
	replacedState
}

// Options tune Open.
type Options struct {
	// ReadOnly opens without ever writing (no migrations, no WAL switch).
	ReadOnly bool
	// WriteLock is a lock file every writing process queues on before a
	// write transaction ("" = rely on SQLite's busy handling alone).
	WriteLock string
	// Exclusive says the caller holds the store to itself (mm migrate), so
	// destructive schema steps may run.
	Exclusive bool
}

// ErrForeign is returned (wrapped) for a file that is not a memtomem database.
var ErrForeign = errors.New("not a memtomem database")

// Open opens or creates the database at path, migrating its schema.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if err := checkForeign(path); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	if err := makePrivate(path); err != nil {
		return nil, err
	}
	db := &DB{path: path}
	var err error
	if opts.WriteLock != "" {
		db.wlock = coord.NewQueuedLock(opts.WriteLock)
	}
	// The owner check must happen before any pragma that writes (journal_mode
	// switches rewrite the header), which is why the DSN carries only pragmas
	// that are connection-local.
	db.writer, err = sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	db.writer.SetMaxOpenConns(1)
	db.writer.SetConnMaxIdleTime(0)
	if err := db.checkOwner(ctx); err != nil {
		db.writer.Close()
		return nil, err
	}
	// The connection is open now, so the file exists: remember which one,
	// so that a file swapped in later is noticed (see CheckFile).
	if db.id, err = statID(path); err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if !opts.ReadOnly {
		if err := db.enableWAL(ctx); err != nil {
			db.writer.Close()
			return nil, err
		}
	}
	if err := db.migrate(ctx, opts.ReadOnly, opts.Exclusive); err != nil {
		db.writer.Close()
		return nil, err
	}
	db.reader, err = sql.Open("sqlite", dsn(path, true))
	if err != nil {
		db.writer.Close()
		return nil, err
	}
	db.reader.SetMaxOpenConns(4)
	if !opts.ReadOnly {
		// Puts our header on disk early (a passive checkpoint never
		// waits), so CheckFile can tell an overwrite in place.
		_, _ = db.writer.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		_ = db.CheckFile()
	}
	return db, nil
}

func dsn(path string, readOnly bool) string {
	q := url.Values{}
	// Short, because a write's whole wait is bounded by WriteWait and
	// retryBusy retries anyway: one attempt must not overshoot it by much.
	q.Add("_pragma", "busy_timeout(2000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// checkForeign reads the raw file header, without SQLite, so that a file
// that is not a database at all, or one another program created, is refused
// before anything could touch it.
// makePrivate creates the database file 0600 before SQLite does (SQLite
// would make it 0644, and gives its -wal and -shm files the database's
// mode), and takes group and other access off an existing one of ours: the
// index holds every memory in clear. checkForeign has already vouched that
// the file is ours or empty.
func makePrivate(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create database %s: %w", path, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
				return fmt.Errorf("make database %s private: %w", p, err)
			}
		}
	}
	return nil
}

func checkForeign(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	defer f.Close()
	var hdr [100]byte
	n, err := io.ReadFull(f, hdr[:])
	if n == 0 {
		return nil // empty file: SQLite treats it as a new database
	}
	if err != nil || string(hdr[:16]) != "SQLite format 3\x00" {
		return fmt.Errorf("%s is %w (it is not a SQLite file); move it away or set storage.path to another file", path, ErrForeign)
	}
	if id := binary.BigEndian.Uint32(hdr[68:72]); id != 0 && id != ApplicationID {
		return fmt.Errorf("%s is %w (application_id %#x belongs to another program); it was left untouched: set storage.path to another file", path, ErrForeign, id)
	}
	return nil
}

// checkOwner catches what the raw header cannot show: a SQLite database with
// application_id 0 that already has tables belongs to someone else; one with
// no tables at all is a fresh file we may initialise.
func (db *DB) checkOwner(ctx context.Context) error {
	var id int64
	var tables int
	// One statement, so one snapshot: another process may be creating the
	// schema right now, and reading the id and the tables separately could
	// see the tables without the id.
	err := retryBusy(ctx, func() error {
		return db.writer.QueryRowContext(ctx,
			"SELECT (SELECT application_id FROM pragma_application_id()), (SELECT count(*) FROM sqlite_master)").
			Scan(&id, &tables)
	})
	if err != nil {
		return fmt.Errorf("read database %s: %w", db.path, friendly(err))
	}
	if id == ApplicationID || (id == 0 && tables == 0) {
		return nil
	}
	return fmt.Errorf("%s is %w (it has tables but no memtomem marker); it was left untouched: set storage.path to another file", db.path, ErrForeign)
}

func (db *DB) enableWAL(ctx context.Context) error {
	return retryBusy(ctx, func() error {
		var mode string
		if err := db.writer.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
			return err
		}
		if mode != "wal" {
			return fmt.Errorf("database %s could not switch to WAL mode (got %q)", db.path, mode)
		}
		return nil
	})
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// ReadOnly reports whether the schema is too new for this binary to write.
func (db *DB) ReadOnly() bool { return db.readOnly }

// Close closes both pools; the WAL is checkpointed by SQLite when the last
// connection of the last process closes.
func (db *DB) Close() error {
	_ = db.CheckFile()
	if db.replaced.Load() == replacedInPlace {
		// Closing the last connection checkpoints the WAL into the
		// file at our path, which now holds someone else's data: leave
		// the connections to the process exit instead, which writes
		// nothing.
		return nil
	}
	var errs []error
	if db.reader != nil {
		errs = append(errs, db.reader.Close())
	}
	if db.writer != nil {
		errs = append(errs, db.writer.Close())
	}
	return errors.Join(errs...)
}

// Remove deletes the database at path with its WAL and shared-memory files,
// refusing a file that is not a memtomem database. The caller must make
// sure no process has it open (mm reset holds the lifecycle lock
// exclusively for that).
func Remove(path string) error {
	if err := checkForeign(path); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// StoredVersion reads the schema version of the database at path without
// migrating or otherwise writing it (0 when there is no database yet).
func StoredVersion(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err := checkForeign(path); err != nil {
		return 0, err
	}
	conn, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var v int
	err = retryBusy(ctx, func() error { return conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v) })
	return v, friendly(err)
}
