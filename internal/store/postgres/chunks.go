package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/memtomem/memtomem/internal/store"
)

// FileState implements store.Store.
func (db *DB) FileState(ctx context.Context, path string) (store.File, bool, error) {
	var f store.File
	var mtime, indexed int64
	host, p := db.own(path)
	err := db.pool.QueryRow(ctx, `SELECT size, mtime_ns, sha256, namespace, indexed_at, tail FROM files WHERE host = $1 AND path = $2`, host, p).
		Scan(&f.Size, &mtime, &f.SHA256, &f.Namespace, &indexed, &f.Tail)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.File{}, false, nil
	}
	if err != nil {
		return store.File{}, false, friendly(err, db.where)
	}
	f.Path = path
	f.ModTime, f.IndexedAt = fromNanos(mtime), fromNanos(indexed)
	return f, true, nil
}

// ReplaceFile implements store.Store.
func (db *DB) ReplaceFile(ctx context.Context, mode store.ReplaceMode, build func() (store.File, []store.Chunk, error)) (store.Diff, []store.Chunk, error) {
	var r store.Replaced
	err := db.write(ctx, func(tx pgx.Tx) error {
		var err error
		if r, err = db.replace(ctx, tx, mode, build); err != nil {
			return err
		}
		return r.Err // a failed build writes nothing of its file
	})
	if err != nil {
		return store.Diff{}, nil, err
	}
	return r.Diff, r.Chunks, nil
}

// ReplaceFiles implements store.Store: every file in one transaction; if a
// statement fails, each file is written alone so the others still land.
func (db *DB) ReplaceFiles(ctx context.Context, mode store.ReplaceMode, builds []func() (store.File, []store.Chunk, error)) ([]store.Replaced, error) {
	out := make([]store.Replaced, len(builds))
	err := db.write(ctx, func(tx pgx.Tx) error {
		for i, build := range builds {
			r, err := db.replace(ctx, tx, mode, build)
			if err != nil {
				return err
			}
			// A failed build (r.Err) wrote nothing of its file: replace
			// runs its statements only after build succeeded.
			out[i] = r
		}
		return nil
	})
	if err == nil {
		return out, nil
	}
	if ctx.Err() != nil || errors.Is(err, store.ErrReadOnly) || errors.Is(err, store.ErrReplaced) {
		return nil, err
	}
	for i, build := range builds {
		out[i] = store.Replaced{}
		out[i].Diff, out[i].Chunks, out[i].Err = db.ReplaceFile(ctx, mode, build)
	}
	return out, nil
}

type storedChunk struct {
	rid                int64
	id, hash           string
	start, end         int
	namespace, entryID string
	tags               []string
	created            int64
}

func (o storedChunk) samePlace(c *store.Chunk) bool {
	return o.start == c.StartLine && o.end == c.EndLine && o.namespace == c.Namespace && o.entryID == c.EntryID &&
		o.created == nanos(c.CreatedAt) && slices.Equal(o.tags, nonNil(c.Tags))
}

// replace is ReplaceFile's body, inside the write transaction.
func (db *DB) replace(ctx context.Context, tx pgx.Tx, mode store.ReplaceMode, build func() (store.File, []store.Chunk, error)) (r store.Replaced, err error) {
	f, chunks, err := build()
	if err != nil {
		return store.Replaced{Err: err}, nil
	}
	host, path := db.own(f.Path)
	if f.Gone {
		r.Diff.Deleted, r.Diff.Forgotten, err = forgetFile(ctx, tx, host, path)
		return r, err
	}
	if mode == store.IfChanged {
		var sum, ns string
		err := tx.QueryRow(ctx, `SELECT sha256, namespace FROM files WHERE host = $1 AND path = $2`, host, path).Scan(&sum, &ns)
		if err == nil && sum == f.SHA256 && ns == f.Namespace {
			return r, nil
		}
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return r, err
		}
	}
	for i := range chunks {
		chunks[i].Source = f.Path
		if chunks[i].Namespace == "" {
			chunks[i].Namespace = f.Namespace
		}
	}
	nth := store.AssignIDs(idSource(host, path), chunks)
	old, err := chunksOfFile(ctx, tx, host, path)
	if err != nil {
		return r, err
	}
	byID := map[string]int{}
	for i, o := range old {
		byID[o.id] = i
	}
	matched := make([]bool, len(old))
	keep := make([]int, len(chunks))
	for i, c := range chunks {
		keep[i] = -1
		if j, ok := byID[c.ID]; ok && old[j].hash == c.ContentHash {
			keep[i], matched[j] = j, true
		}
	}
	// Delete before insert: a removed chunk's id may be the one a new chunk
	// derives, and ids are unique.
	var gone []int64
	for j, o := range old {
		if !matched[j] {
			gone = append(gone, o.rid)
		}
	}
	if len(gone) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM chunks WHERE rid = ANY($1)`, gone); err != nil {
			return r, err
		}
	}
	r.Diff.Deleted = len(gone)
	now := time.Now().UTC()
	for i := range chunks {
		c := &chunks[i]
		if j := keep[i]; j >= 0 {
			if !old[j].samePlace(c) {
				if _, err := tx.Exec(ctx, `UPDATE chunks SET start_line = $1, end_line = $2, namespace = $3, tags = $4,
						entry_id = $5, created_at = $6 WHERE rid = $7`,
					c.StartLine, c.EndLine, c.Namespace, nonNil(c.Tags), c.EntryID, nanos(c.CreatedAt), old[j].rid); err != nil {
					return r, err
				}
			}
			r.Diff.Unchanged++
			continue
		}
		c.UpdatedAt = now
		if err := insertChunk(ctx, tx, c, host, path, nth[i]); err != nil {
			return r, err
		}
		r.Diff.Indexed++
	}
	if err := upsertFile(ctx, tx, host, path, f, now); err != nil {
		return r, err
	}
	r.Chunks = chunks
	return r, nil
}

func chunksOfFile(ctx context.Context, tx pgx.Tx, host, path string) ([]storedChunk, error) {
	rows, err := tx.Query(ctx, `SELECT rid, id, content_hash, start_line, end_line, namespace, tags, entry_id, created_at
		FROM chunks WHERE host = $1 AND source = $2 ORDER BY start_line`, host, path)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (storedChunk, error) {
		var c storedChunk
		err := row.Scan(&c.rid, &c.id, &c.hash, &c.start, &c.end, &c.namespace, &c.tags, &c.entryID, &c.created)
		return c, err
	})
}

// maxSalt bounds the retries after a 64-bit id collision (see
// store.DerivedID): eight in a row do not happen.
const maxSalt = 8

// insertChunk inserts c under its derived id, salted should that id belong
// to another file's chunk.
func insertChunk(ctx context.Context, tx pgx.Tx, c *store.Chunk, host, path string, nth int) error {
	heading, body, count := indexText(c.Hierarchy, c.Content, path)
	for salt := 1; ; salt++ {
		tag, err := tx.Exec(ctx, `INSERT INTO chunks(id, host, source, hierarchy, content, start_line, end_line, content_hash,
				namespace, tags, entry_id, created_at, updated_at, words, word_count)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
				`+wordsSQL("$14", "$15")+`, $16)
			ON CONFLICT (id) DO NOTHING`,
			c.ID, host, path, nonNil(c.Hierarchy), c.Content, c.StartLine, c.EndLine, c.ContentHash,
			c.Namespace, nonNil(c.Tags), c.EntryID, nanos(c.CreatedAt), nanos(c.UpdatedAt), heading, body, count)
		if err != nil {
			return fmt.Errorf("insert chunk: %w", err)
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		if salt > maxSalt {
			return fmt.Errorf("insert chunk: id %s collides %d times", c.ID, maxSalt)
		}
		c.ID = store.DerivedID(idSource(host, path), c.EntryID, c.ContentHash, nth, salt)
	}
}

func upsertFile(ctx context.Context, tx pgx.Tx, host, path string, f store.File, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO files(host, path, size, mtime_ns, sha256, namespace, indexed_at, tail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (host, path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256,
			namespace = excluded.namespace, indexed_at = excluded.indexed_at, tail = excluded.tail`,
		host, path, f.Size, nanos(f.ModTime), f.SHA256, f.Namespace, nanos(now), f.Tail)
	return err
}

// AppendChunks implements store.Store.
func (db *DB) AppendChunks(ctx context.Context, before string, f store.File, chunks []store.Chunk) (bool, error) {
	ok := false
	err := db.write(ctx, func(tx pgx.Tx) error {
		ok = false
		host, path := db.own(f.Path)
		var sum, ns string
		err := tx.QueryRow(ctx, `SELECT sha256, namespace FROM files WHERE host = $1 AND path = $2`, host, path).Scan(&sum, &ns)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && (sum != before || ns != f.Namespace) {
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
		nth := store.AssignIDs(idSource(host, path), chunks)
		now := time.Now().UTC()
		for i := range chunks {
			chunks[i].UpdatedAt = now
			if err := insertChunk(ctx, tx, &chunks[i], host, path, nth[i]); err != nil {
				return err
			}
		}
		ok = true
		return upsertFile(ctx, tx, host, path, f, now)
	})
	return ok && err == nil, err
}

// MergeKeywordIndex implements store.Store: after a bulk write, the
// keyword tables are vacuumed and analyzed at once rather than whenever
// autovacuum gets to them. Until then the planner plans the BM25 statement
// for the store as it was (empty, say) and runs it many times slower, and
// the postings are read from the table rather than from their index alone
// (the visibility map that index-only scans need is VACUUM's). A role that
// does not own the tables gets a warning from the server, not an error.
func (db *DB) MergeKeywordIndex(ctx context.Context) error {
	_, err := db.pool.Exec(ctx, `VACUUM (ANALYZE) chunks, postings, corpus`)
	return friendly(err, db.where)
}

// DeleteFile implements store.Store.
func (db *DB) DeleteFile(ctx context.Context, path string) (int, error) {
	var n int
	err := db.write(ctx, func(tx pgx.Tx) error {
		var err error
		host, p := db.own(path)
		n, _, err = forgetFile(ctx, tx, host, p)
		return err
	})
	return n, err
}

// forgetFile deletes a file's chunks (their vectors go by cascade) and its
// files row.
func forgetFile(ctx context.Context, tx pgx.Tx, host, path string) (int, bool, error) {
	tag, err := tx.Exec(ctx, `DELETE FROM chunks WHERE host = $1 AND source = $2`, host, path)
	if err != nil {
		return 0, false, err
	}
	ftag, err := tx.Exec(ctx, `DELETE FROM files WHERE host = $1 AND path = $2`, host, path)
	if err != nil {
		return 0, false, err
	}
	return int(tag.RowsAffected()), ftag.RowsAffected() > 0, nil
}

// RenameNamespace implements store.Store.
func (db *DB) RenameNamespace(ctx context.Context, from, to string) (int, error) {
	var n int64
	err := db.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE files SET namespace = $1 WHERE namespace = $2`, to, from); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE chunks SET namespace = $1 WHERE namespace = $2`, to, from)
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}

// Reset implements store.Store.
func (db *DB) Reset(ctx context.Context) error {
	return db.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `TRUNCATE chunk_vectors, chunks, files`) // the term statistics follow by trigger
		return err
	})
}

// Check implements store.Store: the invariants the schema cannot declare.
func (db *DB) Check(ctx context.Context) error {
	var orphans, badWords int
	err := db.pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.host = c.host AND f.path = c.source)),
			(SELECT count(*) FROM chunks WHERE word_count < 0)`).Scan(&orphans, &badWords)
	if err != nil {
		return friendly(err, db.where)
	}
	if orphans > 0 {
		return fmt.Errorf("check: %d chunks belong to no indexed file", orphans)
	}
	if badWords > 0 {
		return fmt.Errorf("check: %d chunks have a negative word count", badWords)
	}
	return db.checkTermStats(ctx)
}
