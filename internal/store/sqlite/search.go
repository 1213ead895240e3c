package sqlite

import (
	"context"
	"strings"

	"github.com/memtomem/memtomem/internal/store"
)

// Column weights for bm25(): heading path, content, file name. A word in a
// heading says more about a chunk than the same word in its body.
const bm25Weights = "2.0, 1.0, 1.0"

// KeywordSearch implements store.Store. FTS5's bm25() is lower-is-better;
// it is negated so that every score the store returns is higher-is-better.
func (db *DB) KeywordSearch(ctx context.Context, q store.KeywordQuery) ([]store.Hit, error) {
	where, args := filterSQL(q.Filter)
	where = append([]string{"chunks_fts MATCH ?"}, where...)
	args = append([]any{q.Match}, args...)
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	query := `SELECT ` + chunkColumns + `, -bm25(chunks_fts, ` + bm25Weights + `) AS score
		FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid` + whereClause(where) +
		` ORDER BY bm25(chunks_fts, ` + bm25Weights + `) LIMIT ?`
	return db.queryHits(ctx, query, append(args, limit)...)
}

// queryHits runs a SELECT of chunkColumns followed by a score column.
func (db *DB) queryHits(ctx context.Context, query string, args ...any) ([]store.Hit, error) {
	rows, err := db.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, friendly(err)
	}
	defer rows.Close()
	var hits []store.Hit
	for rows.Next() {
		var h store.Hit
		c, err := scanChunk(rows, &h.Score)
		if err != nil {
			return nil, friendly(err)
		}
		h.Chunk = c
		hits = append(hits, h)
	}
	return hits, friendly(rows.Err())
}

// filterSQL turns a Filter into WHERE terms over the chunks table "c".
func filterSQL(f store.Filter) ([]string, []any) {
	var where []string
	var args []any
	if len(f.Namespaces) > 0 {
		var or []string
		for _, ns := range f.Namespaces {
			if strings.ContainsAny(ns, "*?[") {
				or = append(or, "c.namespace GLOB ?")
			} else {
				or = append(or, "c.namespace = ?")
			}
			args = append(args, ns)
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	if !f.IncludeArchive && !namesArchive(f.Namespaces) {
		where = append(where, "c.namespace NOT GLOB 'archive:*'")
	}
	if len(f.Tags) > 0 {
		where = append(where, "EXISTS (SELECT 1 FROM chunk_tags t WHERE t.chunk_rowid = c.rowid AND t.tag IN ("+
			placeholders(len(f.Tags))+"))")
		for _, t := range f.Tags {
			args = append(args, t)
		}
	}
	if f.SourceGlob != "" {
		where = append(where, "c.source GLOB ?")
		args = append(args, f.SourceGlob)
	}
	if !f.Since.IsZero() {
		where = append(where, "c.created_at >= ?")
		args = append(args, f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		where = append(where, "c.created_at < ?")
		args = append(args, f.Until.UnixNano())
	}
	return where, args
}

// namesArchive reports whether the caller asked for archived namespaces by
// name; a bare "*" still hides them, because archiving means "out of the way".
func namesArchive(patterns []string) bool {
	for _, p := range patterns {
		if strings.HasPrefix(p, "archive") {
			return true
		}
	}
	return false
}

func whereClause(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
