package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/memtomem/memtomem/internal/store"
)

var _ store.Store = (*DB)(nil)

// Times are stored as store.UnixNano writes them.
var nanos, fromNanos = store.UnixNano, store.FromUnixNano

// FileState implements store.Store.
func (db *DB) FileState(ctx context.Context, path string) (store.File, bool, error) {
	var f store.File
	var mtime, indexed int64
	// Every add asks this (twice): a kept statement spares parsing it.
	st, err := db.readStmt(ctx, `SELECT path, size, mtime_ns, sha256, namespace, indexed_at, `+db.tailColumn()+` FROM files WHERE path = ?`)
	if err != nil {
		return store.File{}, false, friendly(err)
	}
	err = st.QueryRowContext(ctx, path).Scan(&f.Path, &f.Size, &mtime, &f.SHA256, &f.Namespace, &indexed, &f.Tail)
	if errors.Is(err, sql.ErrNoRows) {
		return store.File{}, false, nil
	}
	if err != nil {
		return store.File{}, false, friendly(err)
	}
	f.ModTime, f.IndexedAt = fromNanos(mtime), fromNanos(indexed)
	return f, true, nil
}

type storedChunk struct {
	rowid int64
	id    string
	hash  string
	// place is everything updateChunkPlace may change, to skip no-op updates
	// (appending to a day file must not touch the rows of every earlier entry).
	place string
}

func placeOf(start, end int, ns, tags, entryID string, created int64) string {
	return fmt.Sprint(start, "\x00", end, "\x00", ns, "\x00", tags, "\x00", entryID, "\x00", created)
}

// ReplaceFile implements store.Store: a batch of one (see bulk.go).
func (db *DB) ReplaceFile(ctx context.Context, mode store.ReplaceMode, build func() (store.File, []store.Chunk, error)) (store.Diff, []store.Chunk, error) {
	var r store.Replaced
	err := db.write(ctx, func(sqlTx *sql.Tx) error {
		b := db.newBulk(ctx, sqlTx)
		var err error
		if r, err = b.replace(mode, build); err != nil {
			return err
		}
		if r.Err != nil {
			return r.Err // nothing of the file was written
		}
		return b.flush()
	})
	if err != nil {
		return store.Diff{}, nil, err
	}
	return r.Diff, r.Chunks, nil
}

func chunksOfFile(ctx context.Context, tx *sql.Tx, path string) ([]storedChunk, error) {
	rows, err := tx.QueryContext(ctx, `SELECT rowid, id, content_hash, start_line, end_line, namespace, tags, entry_id, created_at
		FROM chunks WHERE source = ? ORDER BY start_line`, path)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedChunk
	for rows.Next() {
		var c storedChunk
		var start, end int
		var ns, tags, entryID string
		var created int64
		if err := rows.Scan(&c.rowid, &c.id, &c.hash, &start, &end, &ns, &tags, &entryID, &created); err != nil {
			return nil, err
		}
		c.place = placeOf(start, end, ns, tags, entryID, created)
		out = append(out, c)
	}
	return out, rows.Err()
}

func heading(h []string) string { return strings.Join(h, " > ") }

func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func insertChunk(ctx context.Context, tx *stmtTx, c *store.Chunk) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO chunks(id, source, filename, heading, hierarchy, content,
			start_line, end_line, content_hash, namespace, tags, entry_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Source, filepath.Base(c.Source), heading(c.Hierarchy), jsonList(c.Hierarchy), c.Content,
		c.StartLine, c.EndLine, c.ContentHash, c.Namespace, jsonList(c.Tags), c.EntryID,
		nanos(c.CreatedAt), nanos(c.UpdatedAt))
	if err != nil {
		return fmt.Errorf("insert chunk: %w", err)
	}
	rowid, err := res.LastInsertId()
	if err != nil {
		return err
	}
	return insertTags(ctx, tx, rowid, c.Tags)
}

// maxSalt bounds the retries after an id collision. Two derived ids
// colliding is a 1-in-2^64 event per pair; eight in a row does not happen.
const maxSalt = 8

// insertChunkUnique inserts c under its derived id. Should that id already
// belong to a chunk of another file (a 64-bit collision), the id is derived
// again with a salt: still deterministic, and never an error for the user.
func insertChunkUnique(ctx context.Context, tx *stmtTx, c *store.Chunk, source string, nth int) error {
	for salt := 1; ; salt++ {
		err := insertChunk(ctx, tx, c)
		if err == nil || !isUniqueID(err) || salt > maxSalt {
			return err
		}
		c.ID = store.DerivedID(source, c.EntryID, c.ContentHash, nth, salt)
	}
}

// rekeyChunk gives a stored row its derived id (salted on a collision).
func rekeyChunk(ctx context.Context, tx *stmtTx, rowid int64, c *store.Chunk, source string, nth int) error {
	for salt := 1; ; salt++ {
		_, err := tx.ExecContext(ctx, `UPDATE chunks SET id = ? WHERE rowid = ?`, c.ID, rowid)
		if err == nil || !isUniqueID(err) || salt > maxSalt {
			return err
		}
		c.ID = store.DerivedID(source, c.EntryID, c.ContentHash, nth, salt)
	}
}

// isUniqueID reports a UNIQUE violation on chunks.id. SQLite undoes only
// the failed statement, so the transaction can go on.
func isUniqueID(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed: chunks.id")
}

func insertTags(ctx context.Context, tx *stmtTx, rowid int64, tags []string) error {
	for _, t := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO chunk_tags(tag, chunk_rowid) VALUES (?, ?)`, t, rowid); err != nil {
			return err
		}
	}
	return nil
}

// updateChunkPlace refreshes what can change without the text changing: line
// numbers (an entry above was edited), tags, namespace and created time. The
// text itself is unchanged, so the FTS trigger does not fire.
func updateChunkPlace(ctx context.Context, tx *stmtTx, rowid int64, c *store.Chunk) error {
	if _, err := tx.ExecContext(ctx, `UPDATE chunks SET start_line=?, end_line=?, namespace=?, tags=?,
			entry_id=?, created_at=? WHERE rowid=?`,
		c.StartLine, c.EndLine, c.Namespace, jsonList(c.Tags), c.EntryID, nanos(c.CreatedAt), rowid); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM chunk_tags WHERE chunk_rowid = ?`, rowid); err != nil {
		return err
	}
	return insertTags(ctx, tx, rowid, c.Tags)
}

// DeleteFile implements store.Store.
func (db *DB) DeleteFile(ctx context.Context, path string) (int, error) {
	var n int
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		n, _, err = forgetFile(ctx, tx, path)
		return err
	})
	return n, err
}

// forgetFile deletes a file's chunks (their tags, vectors and FTS rows go
// with them by cascade and trigger) and its files row.
func forgetFile(ctx context.Context, tx *sql.Tx, path string) (chunks int, known bool, err error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM chunks WHERE source = ?`, path)
	if err != nil {
		return 0, false, err
	}
	n, _ := res.RowsAffected()
	res, err = tx.ExecContext(ctx, `DELETE FROM files WHERE path = ?`, path)
	if err != nil {
		return 0, false, err
	}
	f, _ := res.RowsAffected()
	return int(n), f > 0, nil
}

// Files implements store.Store.
func (db *DB) Files(ctx context.Context, prefix string) ([]store.File, error) {
	rows, err := db.reader.QueryContext(ctx,
		`SELECT path, size, mtime_ns, sha256, namespace, indexed_at FROM files
		 WHERE substr(path, 1, length(?)) = ? ORDER BY path`, prefix, prefix)
	if err != nil {
		return nil, friendly(err)
	}
	defer rows.Close()
	var out []store.File
	for rows.Next() {
		var f store.File
		var mtime, indexed int64
		if err := rows.Scan(&f.Path, &f.Size, &mtime, &f.SHA256, &f.Namespace, &indexed); err != nil {
			return nil, err
		}
		f.ModTime, f.IndexedAt = fromNanos(mtime), fromNanos(indexed)
		out = append(out, f)
	}
	return out, rows.Err()
}

const chunkColumns = `c.id, c.source, c.hierarchy, c.content, c.start_line, c.end_line, c.content_hash,
	c.namespace, c.tags, c.entry_id, c.created_at, c.updated_at`

type scanner interface{ Scan(...any) error }

func scanChunk(s scanner, extra ...any) (store.Chunk, error) {
	var c store.Chunk
	var hier, tags string
	var created, updated int64
	dest := append([]any{&c.ID, &c.Source, &hier, &c.Content, &c.StartLine, &c.EndLine, &c.ContentHash,
		&c.Namespace, &tags, &c.EntryID, &created, &updated}, extra...)
	if err := s.Scan(dest...); err != nil {
		return c, err
	}
	json.Unmarshal([]byte(hier), &c.Hierarchy)
	json.Unmarshal([]byte(tags), &c.Tags)
	c.CreatedAt, c.UpdatedAt = fromNanos(created), fromNanos(updated)
	return c, nil
}

// Chunk implements store.Store.
func (db *DB) Chunk(ctx context.Context, id string) (store.Chunk, error) {
	c, err := scanChunk(db.reader.QueryRowContext(ctx, `SELECT `+chunkColumns+` FROM chunks c WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("chunk %q: %w", id, store.ErrNotFound)
	}
	return c, friendly(err)
}

// List implements store.Store.
func (db *DB) List(ctx context.Context, q store.ListQuery) ([]store.Chunk, error) {
	where, args := listWhere(q)
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	query := `SELECT ` + chunkColumns + ` FROM chunks c` + whereClause(where) +
		` ORDER BY c.created_at DESC, c.source, c.start_line LIMIT ? OFFSET ?`
	return db.queryChunks(ctx, query, append(args, limit, q.Offset)...)
}

// listWhere is the WHERE terms of a List.
func listWhere(q store.ListQuery) ([]string, []any) {
	where, args := filterSQL(q.Filter)
	if q.Source != "" {
		where = append(where, "c.source = ?")
		args = append(args, q.Source)
	}
	return where, args
}

// queryChunks runs a SELECT of chunkColumns on the reader pool.
func (db *DB) queryChunks(ctx context.Context, query string, args ...any) ([]store.Chunk, error) {
	return scanChunks(db.reader.QueryContext(ctx, query, args...))
}

// scanChunks reads the rows of a SELECT of chunkColumns.
func scanChunks(rows *sql.Rows, err error) ([]store.Chunk, error) {
	if err != nil {
		return nil, friendly(err)
	}
	defer rows.Close()
	var out []store.Chunk
	for rows.Next() {
		c, err := scanChunk(rows)
		if err != nil {
			return nil, friendly(err)
		}
		out = append(out, c)
	}
	return out, friendly(rows.Err())
}

// Stats implements store.Store.
func (db *DB) Stats(ctx context.Context) (store.Stats, error) {
	s := store.Stats{Namespaces: map[string]int{}, Tags: map[string]int{}, SchemaVersion: db.schema}
	if err := db.reader.QueryRowContext(ctx, `SELECT count(*) FROM files`).Scan(&s.Files); err != nil {
		return s, friendly(err)
	}
	if err := db.reader.QueryRowContext(ctx, `SELECT count(*) FROM chunks`).Scan(&s.Chunks); err != nil {
		return s, friendly(err)
	}
	for _, q := range []struct {
		of    store.CountOf
		m     map[string]int
		total *int
	}{
		{store.ByNamespace, s.Namespaces, &s.NamespaceCount},
		{store.ByTag, s.Tags, &s.TagCount},
	} {
		// The most used first; SQLite keeps only the top rows while it
		// sorts, so memory stays bounded however many names there are.
		rows, err := db.reader.QueryContext(ctx, countSQL(q.of, "count(*) DESC, 1")+` LIMIT ?`, store.StatsTop)
		if err != nil {
			return s, friendly(err)
		}
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				rows.Close()
				return s, err
			}
			q.m[k] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s, friendly(err)
		}
		if *q.total, err = db.countNames(ctx, q.of); err != nil {
			return s, err
		}
	}
	var pages, size int64
	db.reader.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages)
	db.reader.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&size)
	s.DBBytes = pages * size
	return s, nil
}

// countSQL groups chunks by tag or namespace, ordered by the given terms.
// Both group along an index (chunk_tags' primary key, chunks_namespace).
func countSQL(of store.CountOf, order string) string {
	if of == store.ByTag {
		return `SELECT tag, count(*) FROM chunk_tags GROUP BY tag ORDER BY ` + order
	}
	return `SELECT namespace, count(*) FROM chunks GROUP BY namespace ORDER BY ` + order
}

func (db *DB) countNames(ctx context.Context, of store.CountOf) (int, error) {
	q := `SELECT count(DISTINCT namespace) FROM chunks`
	if of == store.ByTag {
		q = `SELECT count(DISTINCT tag) FROM chunk_tags`
	}
	var n int
	err := db.reader.QueryRowContext(ctx, q).Scan(&n)
	return n, friendly(err)
}

// Counts implements store.Store.
func (db *DB) Counts(ctx context.Context, q store.CountQuery) (store.CountPage, error) {
	page := store.CountPage{Counts: []store.NameCount{}}
	rows, err := db.reader.QueryContext(ctx, countSQL(q.Of, "1")+` LIMIT ? OFFSET ?`, q.Limit, q.Offset)
	if err != nil {
		return page, friendly(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c store.NameCount
		if err := rows.Scan(&c.Name, &c.Chunks); err != nil {
			return page, friendly(err)
		}
		page.Counts = append(page.Counts, c)
	}
	if err := rows.Err(); err != nil {
		return page, friendly(err)
	}
	page.Total, err = db.countNames(ctx, q.Of)
	return page, err
}

// CountChunks implements store.Store.
func (db *DB) CountChunks(ctx context.Context, q store.ListQuery) (int, error) {
	where, args := listWhere(q)
	var n int
	err := db.reader.QueryRowContext(ctx, `SELECT count(*) FROM chunks c`+whereClause(where), args...).Scan(&n)
	return n, friendly(err)
}

// Reset implements store.Store.
func (db *DB) Reset(ctx context.Context) error {
	stmts := []string{`DELETE FROM chunk_tags`, `DELETE FROM chunks`, `DELETE FROM files`,
		`INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')`}
	if db.hasVectors() {
		// The cascade from chunks would drop them too, one row at a time;
		// emptying the table first is one cheap statement. (A binary built
		// to behave like schema v1 has no such table.)
		stmts = append([]string{`DELETE FROM chunk_vectors`}, stmts...)
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
}

// Check implements store.Store: SQLite's integrity check plus FTS5's own.
func (db *DB) Check(ctx context.Context) error {
	var res string
	if err := db.writer.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return friendly(err)
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	_, err := db.writer.ExecContext(ctx, `INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)`)
	if err != nil {
		return fmt.Errorf("full-text index check: %w", err)
	}
	// integrity_check does not look at foreign keys; a tag or vector left
	// behind by a delete made with foreign keys off shows up here.
	var table string
	var rowid sql.NullInt64
	var parent string
	var fkid int
	err = db.writer.QueryRowContext(ctx, `PRAGMA foreign_key_check`).Scan(&table, &rowid, &parent, &fkid)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return friendly(err)
	default:
		return fmt.Errorf("foreign key check: row %d of %s has no %s row", rowid.Int64, table, parent)
	}
}

// ChunksByEntry implements store.Store.
func (db *DB) ChunksByEntry(ctx context.Context, entryID string) ([]store.Chunk, error) {
	if entryID == "" {
		return nil, nil
	}
	// "entry_id != ''" repeats the condition of the partial index
	// chunks_entry: without it SQLite cannot know at prepare time that the
	// bound id is not '', plans a scan of every chunk in source order, and
	// re-prepares the statement for each value bound. Every keyed add runs
	// this (twice), so it must cost the entry, not the store.
	st, err := db.readStmt(ctx, `SELECT `+chunkColumns+` FROM chunks c WHERE c.entry_id = ? AND c.entry_id != '' ORDER BY c.source, c.start_line`)
	if err != nil {
		return nil, friendly(err)
	}
	return scanChunks(st.QueryContext(ctx, entryID))
}

// RenameNamespace implements store.Store.
func (db *DB) RenameNamespace(ctx context.Context, from, to string) (int, error) {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE files SET namespace = ? WHERE namespace = ?`, to, from); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE chunks SET namespace = ? WHERE namespace = ?`, to, from)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}
