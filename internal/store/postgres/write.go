package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/memtomem/memtomem/internal/store"
)

// WriteWait bounds how long a write waits for the store's write lock, held
// by another process on any host, before it fails with ErrBusy.
const WriteWait = 10 * time.Second

// writeLock is the advisory lock key every write transaction takes ("mmwr").
// One writer at a time, whichever host it runs on, is what SQLite gives
// every process on one host: a file's chunks are replaced from the content
// read under the lock, so whoever commits last read the newest file, and
// two hosts never interleave the rows of one file.
const writeLock = 0x6d6d7772

// write runs fn in a write transaction holding the write lock. A deadlock or
// serialization failure the server reports is retried whole, a few times.
func (db *DB) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	if db.readOnlyWhy != "" {
		return fmt.Errorf("%w: %s", store.ErrReadOnly, db.readOnlyWhy)
	}
	if err := db.Verify(); err != nil {
		return err
	}
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		if err = db.writeOnce(ctx, fn); !retryable(err) {
			return friendly(err, db.where)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 20 * time.Millisecond):
		}
	}
	return friendly(err, db.where)
}

func (db *DB) writeOnce(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, fmt.Sprintf(`SET LOCAL lock_timeout = '%dms'`, WriteWait.Milliseconds())); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, writeLock); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "55P03" {
			return fmt.Errorf("%w: another memtomem process held the store's write lock for over %s", store.ErrBusy, WriteWait)
		}
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// Times are stored as store.UnixNano writes them.
var nanos, fromNanos = store.UnixNano, store.FromUnixNano

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}
