package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/memtomem/memtomem/internal/store"
)

// tailSchema is the first schema with files.tail.
const tailSchema = 3

func (db *DB) hasTail() bool { return db.schema >= tailSchema }

// tailColumn selects files.tail, or an empty string on an older schema.
func (db *DB) tailColumn() string {
	if db.hasTail() {
		return "tail"
	}
	return "''"
}

// upsertFile writes f's row, as indexed at now.
func (db *DB) upsertFile(ctx context.Context, tx *stmtTx, f store.File, now time.Time) error {
	if !db.hasTail() {
		_, err := tx.ExecContext(ctx, `INSERT INTO files(path, size, mtime_ns, sha256, namespace, indexed_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT(path) DO UPDATE SET size=excluded.size, mtime_ns=excluded.mtime_ns,
				sha256=excluded.sha256, namespace=excluded.namespace, indexed_at=excluded.indexed_at`,
			f.Path, f.Size, nanos(f.ModTime), f.SHA256, f.Namespace, nanos(now))
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO files(path, size, mtime_ns, sha256, namespace, indexed_at, tail)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(path) DO UPDATE SET size=excluded.size, mtime_ns=excluded.mtime_ns,
			sha256=excluded.sha256, namespace=excluded.namespace, indexed_at=excluded.indexed_at, tail=excluded.tail`,
		f.Path, f.Size, nanos(f.ModTime), f.SHA256, f.Namespace, nanos(now), f.Tail)
	return err
}

// AppendChunks implements store.Store: the cost of one entry, not of the
// file. The stored row is checked inside the write transaction, so an
// append indexed out of order (another process's append to the same file
// committed first, or an editor's change was indexed) is refused, never
// stacked on a file the store no longer describes.
func (db *DB) AppendChunks(ctx context.Context, before string, f store.File, chunks []store.Chunk) (bool, error) {
	ok := false
	err := db.write(ctx, func(sqlTx *sql.Tx) error {
		ok = false
		tx := db.stmtTx(sqlTx)
		var sum, ns string
		err := tx.QueryRowContext(ctx, `SELECT sha256, namespace FROM files WHERE path = ?`, f.Path).Scan(&sum, &ns)
		if errors.Is(err, sql.ErrNoRows) || err == nil && (sum != before || ns != f.Namespace) {
			return nil
		}
		if err != nil {
			return err
		}
		for i := range chunks {
			chunks[i].Source = f.Path
			if chunks[i].Namespace == "" {
				chunks[i].Namespace = f.Namespace
			}
		}
		// The appended entries' ids are new to the file, so counting
		// repeats among the new chunks alone numbers them as the whole
		// file would (store.AssignIDs).
		nth := store.AssignIDs(f.Path, chunks)
		now := time.Now().UTC()
		for i := range chunks {
			chunks[i].UpdatedAt = now
			if err := insertChunkUnique(ctx, tx, &chunks[i], f.Path, nth[i]); err != nil {
				return err
			}
		}
		ok = true
		return db.upsertFile(ctx, tx, f, now)
	})
	return ok && err == nil, err
}
