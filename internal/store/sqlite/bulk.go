package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/memtomem/memtomem/internal/store"
)

// Bulk writes. FTS5 writes out its pending terms as a new index segment at
// every savepoint, and SQLite opens one (a statement journal) for every
// statement that fires the chunks triggers: inserting chunks one row per
// statement wrote one tiny segment per chunk, and FTS5 then spent more
// time merging segments than indexing text (half of a walk's writer time;
// see docs/benchmarks.md). So the new chunks of a transaction are inserted
// many rows per statement, after the deletes and updates of every file
// before them, and removed chunks are deleted many rows per statement.
// Each file's own deletes still run before its inserts (ids are UNIQUE, and
// a removed chunk's id may be the one a new chunk derives).

// insertRows is how many chunks one INSERT statement writes: 15 bound
// values a row stays far below SQLite's limit of 32766, and past a few
// hundred rows a statement saves nothing more.
const insertRows = 200

// deleteRows is how many rows one DELETE statement removes.
const deleteRows = 500

// bulk is one write transaction replacing the chunks of one or more files.
type bulk struct {
	db      *DB
	ctx     context.Context
	tx      *stmtTx
	pending []pendingRow
	sources map[string]bool // files with pending rows
	// walk is set for a walk's batch (ReplaceFiles), whose end
	// MergeKeywordIndex marks: only those switch the writer to the bulk
	// settings (bulkmode.go).
	walk bool
}

// pendingRow is a chunk to insert at the next flush; c points into the
// chunks its file's result returns, so a salted id shows there too.
type pendingRow struct {
	c   *store.Chunk
	nth int
}

func (db *DB) newBulk(ctx context.Context, tx *sql.Tx) *bulk {
	return &bulk{db: db, ctx: ctx, tx: newStmtTx(tx), sources: map[string]bool{}}
}

// ReplaceFiles implements store.Store. Should a statement fail (the disk
// filled up, a constraint this code did not expect), the transaction is
// rolled back and each file is written in its own transaction instead, so
// the one that fails does not take the others with it and every file gets
// the result ReplaceFile would have given it. (Savepoints would do that
// inside the one transaction, but each makes FTS5 write a segment.)
func (db *DB) ReplaceFiles(ctx context.Context, mode store.ReplaceMode, builds []func() (store.File, []store.Chunk, error)) ([]store.Replaced, error) {
	out := make([]store.Replaced, len(builds))
	err := db.write(ctx, func(sqlTx *sql.Tx) error {
		b := db.newBulk(ctx, sqlTx)
		b.walk = true
		for i, build := range builds {
			r, err := b.replace(mode, build)
			if err != nil {
				return err
			}
			out[i] = r
		}
		return b.flush()
	})
	if err == nil {
		return out, nil
	}
	if ctx.Err() != nil {
		return nil, err
	}
	for i, build := range builds {
		out[i] = store.Replaced{}
		out[i].Diff, out[i].Chunks, out[i].Err = db.ReplaceFile(ctx, mode, build)
	}
	return out, nil
}

// replace makes the stored chunks of the file build returns equal to its
// chunks (the body of ReplaceFile). The build's own error comes back in
// r.Err with nothing of the file written; err is a failed statement, which
// must end the transaction. New chunks are only queued: flush inserts them.
func (b *bulk) replace(mode store.ReplaceMode, build func() (store.File, []store.Chunk, error)) (r store.Replaced, err error) {
	ctx, tx := b.ctx, b.tx
	f, built, err := build()
	if err != nil {
		return store.Replaced{Err: err}, nil
	}
	if b.sources[f.Path] {
		// The same file twice in one batch: its first chunks must be in
		// the table before they are compared with.
		if err := b.flush(); err != nil {
			return r, err
		}
	}
	diff := &r.Diff
	if f.Gone {
		diff.Deleted, diff.Forgotten, err = forgetFile(ctx, tx.Tx, f.Path)
		return r, err
	}
	if mode == store.IfChanged {
		var sum, ns string
		err := tx.QueryRowContext(ctx, `SELECT sha256, namespace FROM files WHERE path = ?`, f.Path).Scan(&sum, &ns)
		if err == nil && sum == f.SHA256 && ns == f.Namespace {
			return r, nil
		}
	}
	chunks := built
	for i := range chunks {
		chunks[i].Source = f.Path
		if chunks[i].Namespace == "" {
			chunks[i].Namespace = f.Namespace
		}
	}
	nth := store.AssignIDs(f.Path, chunks)
	old, err := chunksOfFile(ctx, tx.Tx, f.Path)
	if err != nil {
		return r, err
	}
	byID := map[string]int{}
	for i, o := range old {
		byID[o.id] = i
	}
	matched := make([]bool, len(old))
	keep := make([]int, len(chunks)) // index into old, or -1
	for i, c := range chunks {
		keep[i] = -1
		if j, ok := byID[c.ID]; ok && old[j].hash == c.ContentHash {
			keep[i], matched[j] = j, true
		}
	}
	// Rows written before ids were derived (random ids) are matched by
	// text and re-keyed in place, so they keep their vectors. No other
	// row of this file can hold the derived id: it would have matched.
	byHash := map[string][]int{}
	for j, o := range old {
		if !matched[j] {
			byHash[o.hash] = append(byHash[o.hash], j)
		}
	}
	for i, c := range chunks {
		if keep[i] >= 0 {
			continue
		}
		if js := byHash[c.ContentHash]; len(js) > 0 {
			byHash[c.ContentHash] = js[1:]
			keep[i], matched[js[0]] = js[0], true
			if err := rekeyChunk(ctx, tx, old[js[0]].rowid, &chunks[i], f.Path, nth[i]); err != nil {
				return r, err
			}
		}
	}
	// Delete before insert: a removed chunk's id may be the one a new
	// chunk derives (an entry moved back to where it was), and ids are
	// UNIQUE.
	var gone []int64
	for j, o := range old {
		if !matched[j] {
			gone = append(gone, o.rowid)
		}
	}
	if err := b.deleteRows(gone); err != nil {
		return r, err
	}
	diff.Deleted = len(gone)
	now := time.Now().UTC()
	for i := range chunks {
		c := &chunks[i]
		if j := keep[i]; j >= 0 {
			if old[j].place != placeOf(c.StartLine, c.EndLine, c.Namespace, jsonList(c.Tags), c.EntryID, nanos(c.CreatedAt)) {
				if err := updateChunkPlace(ctx, tx, old[j].rowid, c); err != nil {
					return r, err
				}
			}
			diff.Unchanged++
			continue
		}
		c.UpdatedAt = now
		b.pending = append(b.pending, pendingRow{c, nth[i]})
		b.sources[f.Path] = true
		diff.Indexed++
	}
	if err := b.db.upsertFile(ctx, tx, f, now); err != nil {
		return r, err
	}
	r.Chunks = chunks
	if len(b.pending) >= insertRows {
		// Flushing only full statements keeps the pending text small.
		err = b.flushFull()
	}
	return r, err
}

// deleteRows deletes chunks by rowid (their tags, vectors and FTS rows go
// by cascade and trigger).
func (b *bulk) deleteRows(rowids []int64) error {
	for len(rowids) > 0 {
		n := min(len(rowids), deleteRows)
		args := make([]any, n)
		for i, id := range rowids[:n] {
			args[i] = id
		}
		q := `DELETE FROM chunks WHERE rowid IN (?` + strings.Repeat(", ?", n-1) + `)`
		if _, err := b.tx.ExecContext(b.ctx, q, args...); err != nil {
			return err
		}
		rowids = rowids[n:]
	}
	return nil
}

// flushFull inserts the pending chunks that fill whole statements.
func (b *bulk) flushFull() error {
	for len(b.pending) >= insertRows {
		if err := b.insert(b.pending[:insertRows]); err != nil {
			return err
		}
		b.pending = b.pending[insertRows:]
	}
	return nil
}

// flush inserts every pending chunk.
func (b *bulk) flush() error {
	if err := b.flushFull(); err != nil {
		return err
	}
	if len(b.pending) > 0 {
		if err := b.insert(b.pending); err != nil {
			return err
		}
	}
	b.pending = nil
	clear(b.sources)
	return nil
}

// insert writes rows in one statement. Each row gets the rowid SQLite
// would have given it inserted alone (one past the largest), so the tags
// can follow without asking. Should a derived id collide with another
// file's chunk, the rows go in one at a time instead, each salted as
// insertChunkUnique does.
func (b *bulk) insert(rows []pendingRow) error {
	var last int64
	if err := b.tx.QueryRowContext(b.ctx, `SELECT coalesce(max(rowid), 0) FROM chunks`).Scan(&last); err != nil {
		return err
	}
	if last > math.MaxInt64-int64(len(rows)) {
		// Past the largest rowid SQLite picks one at random: let it.
		return b.insertEach(rows)
	}
	if b.walk && len(rows) >= insertRows {
		if err := b.db.enterBulk(b.tx); err != nil {
			return err
		}
	}
	const cols = 15
	args := make([]any, 0, cols*len(rows))
	for i, p := range rows {
		c := p.c
		args = append(args, last+1+int64(i), c.ID, c.Source, filepath.Base(c.Source), heading(c.Hierarchy), jsonList(c.Hierarchy), c.Content,
			c.StartLine, c.EndLine, c.ContentHash, c.Namespace, jsonList(c.Tags), c.EntryID,
			nanos(c.CreatedAt), nanos(c.UpdatedAt))
	}
	q := `INSERT INTO chunks(rowid, id, source, filename, heading, hierarchy, content,
			start_line, end_line, content_hash, namespace, tags, entry_id, created_at, updated_at)
		VALUES ` + valuesList(cols, len(rows))
	_, err := b.tx.ExecContext(b.ctx, q, args...)
	if isUniqueID(err) {
		return b.insertEach(rows) // the failed statement left nothing behind
	}
	if err != nil {
		return fmt.Errorf("insert chunks: %w", err)
	}
	for i, p := range rows {
		if err := insertTags(b.ctx, b.tx, last+1+int64(i), p.c.Tags); err != nil {
			return err
		}
	}
	return nil
}

func (b *bulk) insertEach(rows []pendingRow) error {
	for _, p := range rows {
		if err := insertChunkUnique(b.ctx, b.tx, p.c, p.c.Source, p.nth); err != nil {
			return err
		}
	}
	return nil
}

// valuesList is "(?, …), (?, …)": rows groups of cols placeholders.
func valuesList(cols, rows int) string {
	row := "(?" + strings.Repeat(", ?", cols-1) + ")"
	return row + strings.Repeat(", "+row, rows-1)
}

// mergePages is how much of the keyword index one merge step rewrites at
// most (pages of 4 KiB): a step is one write transaction, and other writers
// get the lock between steps.
const mergePages = 500

// maxMergeSteps bounds MergeKeywordIndex (a step that finds nothing to
// merge ends it long before).
const maxMergeSteps = 1000

// MergeKeywordIndex implements store.Store. FTS5 merges the index segments
// it writes as it goes ("automerge"), with work counted in pages written;
// one segment per chunk made it count a page per chunk, and bulk inserts
// count the pages they really write, so after a walk the index holds more
// segments than it used to, and every search reads each one (a third
// slower at 10k chunks). This does the merging FTS5's automerge would do
// eventually ('merge' with a positive page count: only levels holding
// usermerge, 4, segments), in steps of mergePages.
func (db *DB) MergeKeywordIndex(ctx context.Context) error {
	defer db.leaveBulk(ctx)
	for range maxMergeSteps {
		var before, after int64
		err := db.write(ctx, func(tx *sql.Tx) error {
			if err := tx.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&before); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('merge', ?)`, mergePages); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&after)
		})
		// FTS5's documented test: a step that merged nothing changes
		// fewer than two rows.
		if err != nil || after-before < 2 {
			return err
		}
	}
	return nil
}
