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
// bm25() does it:
//
//	score = Σ over phrases  idf · tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen))
//	idf   = max(ln((N − df + 0.5) / (df + 0.5)), 1e-6)
//
// Term frequencies come from the inverted index (chunk_terms), document
// frequencies from the same postings, N and the average length from
// chunk_stats, which triggers keep. A phrase of several words counts its
// rarest word's occurrences in the chunks that hold the phrase (an upper
// bound of the phrase's own count, which PostgreSQL does not give), a
// prefix the occurrences of every word it begins. Filters apply in the same
// statement, before the limit; document frequencies are the whole store's,
// as in SQLite.
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
func bm25SQL(a *args, queries, texts []string, prefix []bool, filter []string, limit int) string {
	pq, pt, pp := a.add(queries), a.add(texts), a.add(prefix)
	pass := "true"
	if len(filter) > 0 {
		pass = strings.Join(filter, " AND ")
	}
	return `WITH p AS MATERIALIZED (
			SELECT i, to_tsquery('` + textConfig + `', q) AS tq, pre,
				ARRAY(SELECT lexeme FROM unnest(to_tsvector('` + textConfig + `', t))) AS lex
			FROM unnest(` + pq + `::text[], ` + pt + `::text[], ` + pp + `::bool[]) WITH ORDINALITY AS u(q, t, pre, i)
		), n AS MATERIALIZED (
			SELECT chunks::float8 AS n, CASE WHEN chunks > 0 THEN words::float8 / chunks ELSE 1 END AS avglen FROM chunk_stats
		), ql AS MATERIALIZED (
			SELECT p.i, p.pre, l.lexeme COLLATE "C" AS lexeme FROM p CROSS JOIN LATERAL unnest(p.lex) AS l(lexeme)
		), hit AS MATERIALIZED (
			SELECT t.rid, ql.i, min(t.tf) AS tf, count(*) AS found
			FROM ql CROSS JOIN LATERAL (SELECT rid, tf FROM chunk_terms t WHERE t.lexeme = ql.lexeme OFFSET 0) t
			WHERE NOT ql.pre GROUP BY t.rid, ql.i
			UNION ALL
			SELECT t.rid, ql.i, sum(t.tf) AS tf, 1 AS found
			FROM ql CROSS JOIN LATERAL (SELECT rid, tf FROM chunk_terms t
				WHERE t.lexeme >= ql.lexeme AND t.lexeme < ql.lexeme || chr(1114111) OFFSET 0) t
			WHERE ql.pre GROUP BY t.rid, ql.i
		), cand AS MATERIALIZED (
			SELECT hit.rid, hit.i, hit.tf, c.word_count, ` + pass + ` AS pass
			FROM hit JOIN p ON p.i = hit.i JOIN chunks c ON c.rid = hit.rid
			WHERE hit.found >= cardinality(p.lex) AND (cardinality(p.lex) = 1 OR c.words @@ p.tq)
		), w AS MATERIALIZED (
			SELECT cand.i, greatest(ln((n.n - count(*) + 0.5) / (count(*) + 0.5)), 1e-6) AS idf
			FROM cand CROSS JOIN n GROUP BY cand.i, n.n
		)
		SELECT cand.rid, sum(w.idf * cand.tf * ` + ftoa(bm25K1+1) + ` /
				(cand.tf + ` + ftoa(bm25K1) + ` * (` + ftoa(1-bm25B) + ` + ` + ftoa(bm25B) + ` * cand.word_count / n.avglen))) AS score
		FROM cand JOIN w ON w.i = cand.i CROSS JOIN n
		WHERE cand.pass
		GROUP BY cand.rid
		ORDER BY score DESC, cand.rid
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
