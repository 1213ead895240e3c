package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/memtomem/memtomem/internal/store"
)

// rankWith is the keyword ranking: "bm25", or "ts_rank_cd", PostgreSQL's
// own cover density ranking, kept to measure one against the other
// (TestSciFact, build tag eval; docs/postgres.md has the figures).
var rankWith = "bm25"

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
	all := "to_tsquery('" + textConfig + "', " + a.add(strings.Join(queries, " | ")) + ")"
	where := append([]string{"c.words @@ " + all}, filterSQL(q.Filter, &a)...)
	var sql string
	if rankWith == "ts_rank_cd" {
		sql = `SELECT c.rid, ts_rank_cd(c.words, ` + all + `)::float8 AS score
			FROM chunks c` + whereClause(where) + ` ORDER BY score DESC, c.rid LIMIT ` + a.add(limit)
	} else {
		sql = bm25SQL(&a, queries, texts, prefix, where, limit)
	}
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
	hits, err := db.chunksByRid(ctx, tx, top)
	return hits, friendly(err, db.where)
}

// bm25SQL is the BM25 statement. Each matching chunk's tsvector is
// unnested once and joined to the query's words (a hash join for whole
// words, a scan of the few prefixes), so the cost grows with the matches,
// not with matches × words.
func bm25SQL(a *args, queries, texts []string, prefix []bool, where []string, limit int) string {
	pq, pt, pp := a.add(queries), a.add(texts), a.add(prefix)
	return `WITH p AS (
			SELECT i, to_tsquery('` + textConfig + `', q) AS tq, pre,
				ARRAY(SELECT lexeme FROM unnest(to_tsvector('` + textConfig + `', t))) AS lex
			FROM unnest(` + pq + `::text[], ` + pt + `::text[], ` + pp + `::bool[]) WITH ORDINALITY AS u(q, t, pre, i)
		), n AS (
			SELECT count(*)::float8 AS n, coalesce(avg(word_count), 1)::float8 AS avglen FROM chunks
		), w AS (
			SELECT p.i, p.tq, p.pre, p.lex, cardinality(p.lex) AS nlex,
				greatest(ln((n.n - df.df + 0.5) / (df.df + 0.5)), 1e-6) AS idf
			FROM p CROSS JOIN n
			CROSS JOIN LATERAL (SELECT count(*)::float8 AS df FROM chunks c WHERE c.words @@ p.tq) df
		), ql AS (
			SELECT w.i, w.pre, l.lexeme FROM w CROSS JOIN LATERAL unnest(w.lex) AS l(lexeme)
		), m AS MATERIALIZED (
			SELECT c.rid, c.words, c.word_count FROM chunks c` + whereClause(where) + `
		), x AS MATERIALIZED (
			SELECT m.rid, u.lexeme, cardinality(u.positions) AS cnt FROM m CROSS JOIN LATERAL unnest(m.words) u
		), hit AS (
			SELECT x.rid, ql.i, min(x.cnt) AS tf, count(*) AS found
			FROM x JOIN ql ON x.lexeme = ql.lexeme AND NOT ql.pre GROUP BY x.rid, ql.i
			UNION ALL
			SELECT x.rid, ql.i, sum(x.cnt) AS tf, 1 AS found
			FROM x JOIN ql ON ql.pre AND starts_with(x.lexeme, ql.lexeme) GROUP BY x.rid, ql.i
		)
		SELECT m.rid, sum(w.idf * hit.tf * ` + ftoa(bm25K1+1) + ` /
				(hit.tf + ` + ftoa(bm25K1) + ` * (` + ftoa(1-bm25B) + ` + ` + ftoa(bm25B) + ` * m.word_count / n.avglen))) AS score
		FROM hit JOIN w ON w.i = hit.i JOIN m ON m.rid = hit.rid CROSS JOIN n
		WHERE hit.found >= w.nlex AND (w.nlex = 1 OR m.words @@ w.tq)
		GROUP BY m.rid
		ORDER BY score DESC, m.rid
		LIMIT ` + a.add(limit)
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
