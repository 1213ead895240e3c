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
	filter := filterSQL(q.Filter, &a)
	var sql string
	if rankWith == "ts_rank_cd" {
		all := "to_tsquery('" + textConfig + "', " + a.add(strings.Join(queries, " | ")) + ")"
		sql = `SELECT c.rid, ts_rank_cd(c.words, ` + all + `)::float8 AS score
			FROM chunks c` + whereClause(append([]string{"c.words @@ " + all}, filter...)) + ` ORDER BY score DESC, c.rid LIMIT ` + a.add(limit)
	} else {
		sql = bm25SQL(&a, queries, texts, prefix, filter, limit)
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

// bm25SQL is the BM25 statement. Term frequencies come from chunk_terms,
// the inverted index (an index-only range scan per query word, a prefix
// included), so the cost grows with the postings of the query's words; the
// chunks are read only for those postings, to filter and to know their
// length.
func bm25SQL(a *args, queries, texts []string, prefix []bool, where []string, limit int) string {
	pq, pt, pp := a.add(queries), a.add(texts), a.add(prefix)
	return `WITH p AS (
			SELECT i, to_tsquery('` + textConfig + `', q) AS tq, pre,
				ARRAY(SELECT lexeme FROM unnest(to_tsvector('` + textConfig + `', t))) AS lex
			FROM unnest(` + pq + `::text[], ` + pt + `::text[], ` + pp + `::bool[]) WITH ORDINALITY AS u(q, t, pre, i)
		), n AS (
			SELECT count(*)::float8 AS n, coalesce(avg(word_count), 1)::float8 AS avglen FROM chunks
		), w AS (
			SELECT p.i, p.tq, p.pre, cardinality(p.lex) AS nlex,
				greatest(ln((n.n - df.df + 0.5) / (df.df + 0.5)), 1e-6) AS idf
			FROM p CROSS JOIN n
			CROSS JOIN LATERAL (SELECT count(*)::float8 AS df FROM chunks c WHERE c.words @@ p.tq) df
		), ql AS (
			SELECT p.i, p.pre, l.lexeme COLLATE "C" AS lexeme FROM p CROSS JOIN LATERAL unnest(p.lex) AS l(lexeme)
		), hit AS (
			SELECT t.rid, ql.i, min(t.tf) AS tf, count(*) AS found
			FROM ql JOIN chunk_terms t ON t.lexeme = ql.lexeme WHERE NOT ql.pre GROUP BY t.rid, ql.i
			UNION ALL
			SELECT t.rid, ql.i, sum(t.tf) AS tf, 1 AS found
			FROM ql JOIN chunk_terms t ON t.lexeme >= ql.lexeme AND t.lexeme < ql.lexeme || chr(1114111)
			WHERE ql.pre GROUP BY t.rid, ql.i
		)
		SELECT c.rid, sum(w.idf * hit.tf * ` + ftoa(bm25K1+1) + ` /
				(hit.tf + ` + ftoa(bm25K1) + ` * (` + ftoa(1-bm25B) + ` + ` + ftoa(bm25B) + ` * c.word_count / n.avglen))) AS score
		FROM hit JOIN w ON w.i = hit.i JOIN chunks c ON c.rid = hit.rid CROSS JOIN n` +
		whereClause(append([]string{"hit.found >= w.nlex", "(w.nlex = 1 OR c.words @@ w.tq)"}, where...)) + `
		GROUP BY c.rid
		ORDER BY score DESC, c.rid
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
