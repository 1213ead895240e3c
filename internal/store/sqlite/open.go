// Package sqlite is the embedded default Store: one SQLite file in WAL mode,
// shared by every memtomem process on the machine.
//
// Concurrency model: each process has one writer connection and a small pool
// of readers. Every write is a BEGIN IMMEDIATE transaction retried whole, with
// jitter, when another process holds the write lock, so callers never see a
// raw "database is locked".
package sqlite

import (
	"github.com/memtomem/memtomem/internal/store"

	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"

	"modernc.org/sqlite" // also registers the "sqlite" driver

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
	fault       syscall.Errno // see Fault
	schema      int
	id          fileID // the file opened, for Verify
	replacedState
	dense     *denseIndex // built by the first dense query (denseindex.go)
	denseOnce sync.Once
	bulk      atomic.Bool // the writer has the bulk settings (bulkmode.go)
	kept      keptStmts   // write statements kept with the writer connection (stmts.go)
	reads     readStmts   // the reader pool's kept statements (stmts.go)
	readKept  keptStmts   // search statements kept with the reader connections (stmts.go)
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

// Open opens or creates the database at path, migrating its schema.
//
// On a disk that refuses writes (full, or mounted read-only) the normal open
// can fail even to read: SQLite must create and size the WAL's -shm file.
// Open then opens the database for reading only (see openDegraded), so
// searches still work; every write fails with the disk's errno (see Fault).
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
	db, err := open(ctx, path, opts, 0)
	if err == nil || opts.Exclusive {
		return db, err
	}
	if fault := faultOf(err, path); fault != 0 {
		if db, derr := open(ctx, path, opts, fault); derr == nil {
			return db, nil
		}
		// Not even readable so (a database never written yet): say it is
		// the disk's doing, with its errno.
		return nil, fmt.Errorf("%w (%v)", &fs.PathError{Op: "open", Path: path, Err: fault}, err)
	}
	return nil, err
}

// open opens the pools; fault != 0 opens them for reading only because the
// disk refuses writes with that errno.
func open(ctx context.Context, path string, opts Options, fault syscall.Errno) (*DB, error) {
	db := &DB{path: path, fault: fault}
	extra, err := degradedParams(path, fault)
	if err != nil {
		return nil, err
	}
	if opts.WriteLock != "" {
		db.wlock = coord.NewQueuedLock(opts.WriteLock)
	}
	readOnly := opts.ReadOnly || fault != 0
	// The owner check must happen before any pragma that writes (journal_mode
	// switches rewrite the header), which is why the DSN carries only pragmas
	// that are connection-local.
	db.writer, err = sql.Open("sqlite", dsn(path, fault != 0, extra))
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
	// so that a file swapped in later is noticed (see Verify).
	if db.id, err = statID(path); err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if !readOnly {
		if err := db.enableWAL(ctx); err != nil {
			db.writer.Close()
			return nil, err
		}
	}
	if err := db.migrate(ctx, readOnly, opts.Exclusive); err != nil {
		db.writer.Close()
		return nil, err
	}
	if fault != 0 {
		db.readOnly = true
		db.readOnlyWhy = coord.DiskAdvice(fault, filepath.Dir(path)) + ", then restart mm: it opened the database for reading only, so searches and reads work but writes fail"
	}
	db.reader, err = sql.Open("sqlite", dsn(path, true, extra))
	if err != nil {
		db.writer.Close()
		return nil, err
	}
	db.reader.SetMaxOpenConns(4)
	if !readOnly {
		// Puts our header on disk early (a passive checkpoint never
		// waits), so Verify can tell an overwrite in place.
		_, _ = db.writer.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		_ = db.Verify()
	}
	return db, nil
}

// faultOf tells whether a failed open is the disk's doing: an errno that
// says so, or an I/O, open, read-only or full error from SQLite (which
// keeps the errno to itself) on a filesystem that is read-only or full now.
func faultOf(err error, path string) syscall.Errno {
	if e := coord.DiskFault(err); e != 0 {
		return e
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return 0
	}
	switch se.Code() & 0xff {
	case 8, 10, 13, 14: // SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN
		return coord.ProbeDisk(filepath.Dir(path))
	}
	return 0
}

// degradedParams are the URI parameters that let SQLite read a WAL database
// it cannot write. SQLite must map the -shm file: on a full disk it can still
// create an empty one (an inode, no blocks) and, told readonly_shm, keeps
// the WAL index in its own memory, still seeing what other processes commit.
// On a read-only filesystem no -shm can be made: the database is opened
// immutable, which is sound because nothing can change it while the
// filesystem stays read-only; not when a WAL with commits is left behind
// (a crash) and no -shm is, because immutable would not read that WAL.
func degradedParams(path string, fault syscall.Errno) (url.Values, error) {
	q := url.Values{}
	if fault == 0 {
		return q, nil
	}
	q.Set("mode", "ro")
	shm := path + "-shm"
	if _, err := os.Stat(shm); err == nil {
		q.Set("readonly_shm", "1")
		return q, nil
	}
	if f, err := os.OpenFile(shm, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
		q.Set("readonly_shm", "1")
		return q, nil
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		return nil, fmt.Errorf("database %s has a write-ahead log with changes (%s-wal) but no -shm file, and the disk takes no new file: free space or make it writable to read it", path, path)
	}
	q.Set("immutable", "1")
	return q, nil
}

func dsn(path string, readOnly bool, extra url.Values) string {
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
		q.Add("_pragma", fmt.Sprintf("journal_size_limit(%d)", journalLimit))
		// Statement journals in memory: every multi-row insert into chunks
		// keeps one (it fires the FTS5 triggers), and past 64 KiB SQLite
		// spills it to a temporary file, a write(2) per page. It is bounded
		// by one statement's pages (bulk.go's insertRows).
		q.Add("_pragma", "temp_store(2)")
	}
	for k, vs := range extra {
		q[k] = vs
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Fault is the errno (ENOSPC, EDQUOT, EROFS) of the disk that made Open
// open the database for reading only; 0 when it opened normally.
func (db *DB) Fault() syscall.Errno { return db.fault }

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
			if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil && coord.DiskFault(err) == 0 {
				// (A read-only disk keeps the mode until it is writable.)
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
		return fmt.Errorf("%s is %w (it is not a SQLite file); move it away or set storage.path to another file", path, store.ErrForeign)
	}
	if id := binary.BigEndian.Uint32(hdr[68:72]); id != 0 && id != ApplicationID {
		return fmt.Errorf("%s is %w (application_id %#x belongs to another program); it was left untouched: set storage.path to another file", path, store.ErrForeign, id)
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
	return fmt.Errorf("%s is %w (it has tables but no memtomem marker); it was left untouched: set storage.path to another file", db.path, store.ErrForeign)
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
	_ = db.Verify()
	if db.replaced.Load() == replacedInPlace {
		// Closing the last connection checkpoints the WAL into the
		// file at our path, which now holds someone else's data: leave
		// the connections to the process exit instead, which writes
		// nothing.
		return nil
	}
	var errs []error
	db.dense.close()
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
	for _, p := range sideFiles(path) {
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
	conn, err := sql.Open("sqlite", dsn(path, true, nil))
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var v int
	err = retryBusy(ctx, func() error { return conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v) })
	return v, friendly(err)
}
