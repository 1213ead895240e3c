package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/memtomem/memtomem/internal/store"
)

const chunkColumns = `c.id, c.host, c.source, c.hierarchy, c.content, c.start_line, c.end_line, c.content_hash,
	c.namespace, c.tags, c.entry_id, c.created_at, c.updated_at`

func (db *DB) scanChunk(row pgx.Row, extra ...any) (store.Chunk, error) {
	var c store.Chunk
	var host string
	var created, updated int64
	dest := append([]any{&c.ID, &host, &c.Source, &c.Hierarchy, &c.Content, &c.StartLine, &c.EndLine, &c.ContentHash,
		&c.Namespace, &c.Tags, &c.EntryID, &created, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt = fromNanos(created), fromNanos(updated)
	c.Source = db.show(host, c.Source)
	return c, nil
}

func (db *DB) queryChunks(ctx context.Context, query string, args ...any) ([]store.Chunk, error) {
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, friendly(err, db.where)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Chunk, error) { return db.scanChunk(row) })
	return out, friendly(err, db.where)
}

// Files implements store.Store: this host's files (the ones it indexed from
// its own disk).
func (db *DB) Files(ctx context.Context, prefix string) ([]store.File, error) {
	rows, err := db.pool.Query(ctx, `SELECT path, size, mtime_ns, sha256, namespace, indexed_at FROM files
		WHERE host = $1 AND starts_with(path, $2) ORDER BY path COLLATE "C"`, db.host, prefix)
	if err != nil {
		return nil, friendly(err, db.where)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.File, error) {
		var f store.File
		var mtime, indexed int64
		err := row.Scan(&f.Path, &f.Size, &mtime, &f.SHA256, &f.Namespace, &indexed)
		f.ModTime, f.IndexedAt = fromNanos(mtime), fromNanos(indexed)
		return f, err
	})
	return out, friendly(err, db.where)
}

// Chunk implements store.Store.
func (db *DB) Chunk(ctx context.Context, id string) (store.Chunk, error) {
	c, err := db.scanChunk(db.pool.QueryRow(ctx, `SELECT `+chunkColumns+` FROM chunks c WHERE c.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("chunk %q: %w", id, store.ErrNotFound)
	}
	return c, friendly(err, db.where)
}

// ChunksByEntry implements store.Store.
func (db *DB) ChunksByEntry(ctx context.Context, entryID string) ([]store.Chunk, error) {
	if entryID == "" {
		return nil, nil
	}
	return db.queryChunks(ctx, `SELECT `+chunkColumns+` FROM chunks c WHERE c.entry_id = $1
		ORDER BY c.host <> `+"$2"+`, c.host COLLATE "C", c.source COLLATE "C", c.start_line`, entryID, db.host)
}

// List implements store.Store.
func (db *DB) List(ctx context.Context, q store.ListQuery) ([]store.Chunk, error) {
	var a args
	where := db.listWhere(q, &a)
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	return db.queryChunks(ctx, `SELECT `+chunkColumns+` FROM chunks c`+whereClause(where)+
		` ORDER BY c.created_at DESC, c.source COLLATE "C", c.start_line LIMIT `+a.add(limit)+` OFFSET `+a.add(q.Offset), a...)
}

// CountChunks implements store.Store.
func (db *DB) CountChunks(ctx context.Context, q store.ListQuery) (int, error) {
	var a args
	where := db.listWhere(q, &a)
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM chunks c`+whereClause(where), a...).Scan(&n)
	return n, friendly(err, db.where)
}

func (db *DB) listWhere(q store.ListQuery, a *args) []string {
	where := filterSQL(q.Filter, a)
	if q.Source != "" {
		host, path := db.own(q.Source)
		where = append(where, "c.host = "+a.add(host), "c.source = "+a.add(path))
	}
	return where
}

// args collects the parameters of a statement being built.
type args []any

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// filterSQL turns a Filter into WHERE terms over the chunks table "c".
// Globs are matched as regular expressions rendered by store.Glob.
func filterSQL(f store.Filter, a *args) []string {
	var where []string
	if len(f.Namespaces) > 0 {
		var or []string
		for _, ns := range f.Namespaces {
			if store.IsGlob(ns) {
				or = append(or, "c.namespace ~ "+a.add(store.ParseGlob(ns).Regexp()))
			} else {
				or = append(or, "c.namespace = "+a.add(ns))
			}
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	if f.HidesArchive() {
		where = append(where, "NOT starts_with(c.namespace, '"+store.ArchivePrefix+"')")
	}
	if f.HidesOtherProjects() {
		where = append(where, "(c.namespace = "+a.add(f.Project)+" OR NOT starts_with(c.namespace, '"+store.ProjectPrefix+"'))")
	}
	if len(f.Tags) > 0 {
		where = append(where, "c.tags && "+a.add(f.Tags)+"::text[]")
	}
	if f.SourceGlob != "" {
		where = append(where, "c.source ~ "+a.add(store.ParseGlob(f.SourceGlob).Regexp()))
	}
	if !f.Since.IsZero() {
		where = append(where, "c.created_at >= "+a.add(f.Since.UnixNano()))
	}
	if !f.Until.IsZero() {
		where = append(where, "c.created_at < "+a.add(f.Until.UnixNano()))
	}
	return where
}

func whereClause(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// countSQL groups chunks by tag or namespace, in name order (byte order,
// as SQLite sorts), the most used first when byCount is set.
func countSQL(of store.CountOf, byCount bool) string {
	col, from := "namespace", "chunks"
	if of == store.ByTag {
		col, from = "tag", "chunks, unnest(tags) AS tag"
	}
	order := col + ` COLLATE "C"`
	if byCount {
		order = "count(*) DESC, " + order
	}
	return `SELECT ` + col + `, count(*) FROM ` + from + ` GROUP BY ` + col + ` ORDER BY ` + order
}

func (db *DB) countNames(ctx context.Context, of store.CountOf) (int, error) {
	q := `SELECT count(DISTINCT namespace) FROM chunks`
	if of == store.ByTag {
		q = `SELECT count(DISTINCT tag) FROM chunks, unnest(tags) AS tag`
	}
	var n int
	err := db.pool.QueryRow(ctx, q).Scan(&n)
	return n, friendly(err, db.where)
}

// Counts implements store.Store.
func (db *DB) Counts(ctx context.Context, q store.CountQuery) (store.CountPage, error) {
	page := store.CountPage{Counts: []store.NameCount{}}
	rows, err := db.pool.Query(ctx, countSQL(q.Of, false)+` LIMIT $1 OFFSET $2`, q.Limit, q.Offset)
	if err != nil {
		return page, friendly(err, db.where)
	}
	page.Counts, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.NameCount, error) {
		var c store.NameCount
		err := row.Scan(&c.Name, &c.Chunks)
		return c, err
	})
	if err != nil {
		return page, friendly(err, db.where)
	}
	page.Total, err = db.countNames(ctx, q.Of)
	return page, err
}

// Stats implements store.Store.
func (db *DB) Stats(ctx context.Context) (store.Stats, error) {
	s := store.Stats{Namespaces: map[string]int{}, Tags: map[string]int{}, SchemaVersion: db.schema}
	if err := db.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM chunks),
			(SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			 WHERE n.nspname = $1 AND c.relkind = 'r')`, schemaName).Scan(&s.Files, &s.Chunks, &s.DBBytes); err != nil {
		return s, friendly(err, db.where)
	}
	for _, q := range []struct {
		of    store.CountOf
		m     map[string]int
		total *int
	}{
		{store.ByNamespace, s.Namespaces, &s.NamespaceCount},
		{store.ByTag, s.Tags, &s.TagCount},
	} {
		rows, err := db.pool.Query(ctx, countSQL(q.of, true)+` LIMIT $1`, store.StatsTop)
		if err != nil {
			return s, friendly(err, db.where)
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
			return s, friendly(err, db.where)
		}
		if *q.total, err = db.countNames(ctx, q.of); err != nil {
			return s, err
		}
	}
	return s, nil
}

// Meta implements store.Store.
func (db *DB) Meta(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := db.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, friendly(err, db.where)
	}
	return v, true, nil
}

// reservedMeta are the keys the schema itself keeps.
var reservedMeta = []string{"", "application", "store_id", "schema_version", "read_floor", "write_floor"}

// SetMeta implements store.Store.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	for _, r := range reservedMeta {
		if key == r {
			return fmt.Errorf("meta key %q is reserved", key)
		}
	}
	return db.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
}

// ftoa writes a constant of the schema's SQL.
func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
