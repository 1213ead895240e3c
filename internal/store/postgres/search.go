package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/memtomem/memtomem/internal/store"
)

// BM25's parameters, FTS5's defaults, so scores agree with SQLite's.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// KeywordSearch implements store.Store with Okapi BM25 computed as FTS5's
// bm25() does it, from each chunk's term frequencies (the positions in its
// tsvector) and length (word_count), and from the store's document
// frequencies counted at query time through the GIN index:
//
//	score = Σ over phrases  idf · tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen))
//	idf   = max(ln((N − df + 0.5) / (df + 0.5)), 1e-6)
//
// A phrase of several words counts its rarest word's occurrences (an upper
// bound of the phrase's own, which PostgreSQL does not give), a prefix the
// occurrences of every word it begins. Filters apply in the same statement,
// before the limit.
func (db *DB) KeywordSearch(ctx context.Context, q store.KeywordQuery) ([]store.Hit, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	var queries, texts []string
	var prefix []bool
	for _, p := range q.Phrases {
		ws := words(strings.Join(p.Words, " "))
		if len(ws) == 0 {
			continue
		}
		pre := p.Prefix && len(ws) == 1
		queries = append(queries, tsquery(ws, pre))
		texts = append(texts, strings.Join(ws, " "))
		prefix = append(prefix, pre)
	}
	if len(queries) == 0 {
		return nil, nil
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return nil, friendly(err, db.where)
	}
	defer tx.Rollback(ctx)
	var a args
	pq, pt, pp := a.add(queries), a.add(texts), a.add(prefix)
	all := a.add(strings.Join(queries, " | "))
	where := append([]string{"c.words @@ to_tsquery('" + textConfig + "', " + all + ")"}, filterSQL(q.Filter, &a)...)
	sql := `WITH p AS (
			SELECT to_tsquery('` + textConfig + `', q) AS tq, pre,
				ARRAY(SELECT lexeme FROM unnest(to_tsvector('` + textConfig + `', t))) AS lex
			FROM unnest(` + pq + `::text[], ` + pt + `::text[], ` + pp + `::bool[]) AS u(q, t, pre)
		), n AS (
			SELECT count(*)::float8 AS n, coalesce(avg(word_count), 1)::float8 AS avglen FROM chunks
		), w AS (
			SELECT p.tq, p.pre, p.lex,
				greatest(ln((n.n - df.df + 0.5) / (df.df + 0.5)), 1e-6) AS idf
			FROM p CROSS JOIN n
			CROSS JOIN LATERAL (SELECT count(*)::float8 AS df FROM chunks c WHERE c.words @@ p.tq) df
		), m AS (
			SELECT c.rid, c.words, c.word_count FROM chunks c` + whereClause(where) + `
		)
		SELECT m.rid, sum(w.idf * tf.tf * ` + ftoa(bm25K1+1) + ` /
				(tf.tf + ` + ftoa(bm25K1) + ` * (` + ftoa(1-bm25B) + ` + ` + ftoa(bm25B) + ` * m.word_count / n.avglen))) AS score
		FROM m CROSS JOIN n CROSS JOIN w
		CROSS JOIN LATERAL (SELECT CASE
				WHEN NOT (m.words @@ w.tq) THEN 0
				WHEN w.pre THEN (SELECT coalesce(sum(array_length(x.positions, 1)), 0) FROM unnest(m.words) x WHERE starts_with(x.lexeme, w.lex[1]))
				ELSE (SELECT coalesce(min(array_length(x.positions, 1)), 0) FROM unnest(m.words) x WHERE x.lexeme = ANY(w.lex))
			END::float8 AS tf) tf
		GROUP BY m.rid
		ORDER BY score DESC, m.rid
		LIMIT ` + a.add(limit)
	rows, err := tx.Query(ctx, sql, a...)
	if err != nil {
		return nil, friendly(err, db.where)
	}
	top, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (scoredRow, error) {
		var s scoredRow
		err := row.Scan(&s.rid, &s.score)
		return s, err
	})
	if err != nil {
		return nil, friendly(err, db.where)
	}
	hits, err := chunksByRid(ctx, tx, top)
	return hits, friendly(err, db.where)
}

// tsquery writes one phrase for to_tsquery: its words quoted and joined by
// <-> (followed by), the last one as a prefix when asked. The words are
// letters and digits only (words()), so nothing in them is syntax.
func tsquery(ws []string, prefix bool) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = "'" + w + "'"
	}
	if prefix {
		parts[len(parts)-1] += ":*"
	}
	return "(" + strings.Join(parts, " <-> ") + ")"
}
