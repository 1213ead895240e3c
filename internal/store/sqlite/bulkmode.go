package sqlite

import (
	"context"
	"fmt"
	"time"
)

// A walk writes far more than an add, and two of SQLite's defaults that
// suit adds cost a walk much of its writer's time (docs/benchmarks.md,
// "Keyword indexing"):
//
//   - wal_autocheckpoint: every 1,000 pages of WAL, the commit that crosses
//     the line copies them into the database file. A walk's transactions
//     rewrite the same FTS5 segment and b-tree pages again and again, so
//     checkpointing ten times less often copies each hot page ten times less
//     often. Adds keep the default: a checkpoint runs inside some writer's
//     commit, and a big one would be that add's latency.
//   - cache_size: a batch dirties more pages than the default 2 MiB cache
//     holds, and SQLite then spills pages to the WAL mid-transaction, some of
//     which the same transaction writes again.
//
// So the writer connection switches to bulk settings when a walk's batch
// (ReplaceFiles) inserts a full statement of chunks, and back, with a
// checkpoint and its cache memory returned, when the walk ends
// (MergeKeywordIndex). A walk that never gets there (cancelled, crashed)
// leaves a bigger WAL and cache behind in this process until the next walk
// ends or the process exits; both are still bounded, by the values below.
const (
	bulkCheckpointPages = 10000 // 40 MiB of WAL at 4 KiB pages
	// cache_size in PRAGMA cache_size's own terms: negative is KiB.
	bulkCache = -16 << 10 // 16 MiB
	// The defaults restored afterwards (SQLite's own).
	normalCheckpointPages = 1000
	normalCache           = -2000 // 2,000 KiB
)

// journalLimit truncates the WAL file back to at most this size each time a
// writer starts it over after a checkpoint, so a walk's big WAL does not stay
// on disk for the life of the store (without it SQLite keeps the file at its
// largest size).
const journalLimit = 8 << 20

// enterBulk switches the writer connection to the bulk settings; called
// inside a write transaction, on its connection (the writer has exactly
// one). Idempotent.
func (db *DB) enterBulk(tx *stmtTx) error {
	if db.bulk.Load() {
		return nil
	}
	if _, err := tx.ExecContext(context.Background(), fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", bulkCheckpointPages)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(context.Background(), fmt.Sprintf("PRAGMA cache_size = %d", bulkCache)); err != nil {
		return err
	}
	db.bulk.Store(true)
	return nil
}

// leaveBulk restores the writer's settings, checkpoints what the walk left
// in the WAL (passive: it never waits for readers), and hands the bulk
// cache's memory back. It runs even when ctx has ended, bounded by its own
// short timeout, so a cancelled walk still leaves the store as adds expect.
func (db *DB) leaveBulk(ctx context.Context) {
	if !db.bulk.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	for _, q := range []string{
		fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", normalCheckpointPages),
		fmt.Sprintf("PRAGMA cache_size = %d", normalCache),
		"PRAGMA wal_checkpoint(PASSIVE)",
		"PRAGMA shrink_memory",
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return // bulk stays set: the next walk's end tries again
		}
	}
	db.bulk.Store(false)
}
