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
// bm25() does it, from the stored term statistics (termstats.go): each
// word's postings (chunk, frequency), the chunks' lengths (word_count), and
// the store's chunk and word counts:
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
		var ws []string
		for _, w := range p.Words {
			// Word by word: a phrase's words are words already, and a
			// CJK word split again alone stays itself, where the
			// phrase's text split whole would not (東京 京 → 東京 京 京).
			ws = append(ws, splitWords(w)...)
		}
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
	if Ranking == RankCD {
		return db.keywordSearchCD(ctx, q, queries, limit)
	}
	var a args
	pq, pt, pp := a.add(queries), a.add(texts), a.add(prefix)
	// pw: each phrase word's postings (a prefix's: those of every word it
	// begins, a range of the C-collated index), with the chunk's length;
	// pr: the chunks holding every word of a phrase, with the phrase's
	// frequency (its rarest word's) and, for phrases of several words, the
	// words adjacent (the tsquery); df: how many chunks hold each phrase,
	// over the whole store as FTS5 counts. Only the filter reads chunks.
	sql := `WITH p AS (
			SELECT u.ord, to_tsquery('` + textConfig + `', u.q) AS tq, u.pre, l.lex, cardinality(l.lex) AS nlex
			FROM unnest(` + pq + `::text[], ` + pt + `::text[], ` + pp + `::bool[]) WITH ORDINALITY AS u(q, t, pre, ord)
			CROSS JOIN LATERAL (SELECT ARRAY(SELECT lexeme FROM unnest(to_tsvector('` + textConfig + `', u.t))) AS lex) l
		), n AS (
			SELECT chunks::float8 AS n, CASE WHEN chunks > 0 THEN words::float8 / chunks ELSE 1 END AS avglen FROM corpus
		), pw AS (
			SELECT p.ord, w.i, x.rid, sum(x.tf) AS tf, min(x.chunk_len) AS len
			FROM p CROSS JOIN LATERAL unnest(p.lex) WITH ORDINALITY AS w(lexeme, i)
			JOIN postings x ON x.term >= w.lexeme COLLATE "C"
				AND x.term < (w.lexeme || CASE WHEN p.pre THEN chr(1114111) ELSE chr(1) END) COLLATE "C"
			GROUP BY p.ord, w.i, x.rid
		), pr AS (
			SELECT pw.ord, pw.rid, min(pw.tf)::float8 AS tf, min(pw.len)::float8 AS len
			FROM pw JOIN p ON p.ord = pw.ord
			WHERE p.nlex = 1 OR EXISTS (SELECT 1 FROM chunks c WHERE c.rid = pw.rid AND c.words @@ p.tq)
			GROUP BY pw.ord, pw.rid, p.nlex
			HAVING count(*) = p.nlex
		), df AS (
			SELECT pr.ord, greatest(ln((n.n - count(*) + 0.5) / (count(*) + 0.5)), 1e-6) AS idf
			FROM pr CROSS JOIN n GROUP BY pr.ord, n.n
		), s AS (
			SELECT pr.rid, sum(df.idf * pr.tf * ` + ftoa(bm25K1+1) + ` /
					(pr.tf + ` + ftoa(bm25K1) + ` * (` + ftoa(1-bm25B) + ` + ` + ftoa(bm25B) + ` * pr.len / n.avglen))) AS score
			FROM pr JOIN df ON df.ord = pr.ord CROSS JOIN n
			GROUP BY pr.rid
		)
		SELECT s.rid, s.score FROM s` + keepSQL(q.Filter, "s.rid", &a) + `
		ORDER BY s.score DESC, s.rid
		LIMIT ` + a.add(limit)
	return db.rankedHits(ctx, sql, a)
}

// rankedHits runs a ranking statement (rid, score, best first) and reads
// the chunks of what it returns, in one read snapshot.
func (db *DB) rankedHits(ctx context.Context, sql string, a args) ([]store.Hit, error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return nil, friendly(err, db.where)
	}
	defer tx.Rollback(ctx)
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

// keepSQL is the WHERE clause that keeps the ranked chunks (by their rid
// column) that pass the filter. The default view, which only hides
// archived chunks and other projects', costs nothing while the store holds
// none of those: the check for one runs once per statement (probes of the
// partial indexes chunks_archived and chunks_projects), and the filter per
// candidate only if it finds one.
func keepSQL(f store.Filter, rid string, a *args) string {
	where := filterSQL(f, a)
	if len(where) == 0 {
		return ""
	}
	keep := `EXISTS (SELECT 1 FROM chunks c WHERE c.rid = ` + rid + ` AND ` + strings.Join(where, " AND ") + `)`
	if f.DefaultView() {
		var hides []string
		if f.HidesArchive() {
			hides = append(hides, `EXISTS (SELECT 1 FROM chunks WHERE starts_with(namespace, '`+store.ArchivePrefix+`'))`)
		}
		if f.HidesOtherProjects() {
			// Two probes of the ordered index, below and above the
			// project, each one row at most: one scan for any other
			// project would read every row of this one first.
			p := a.add(f.Project)
			for _, op := range []string{"<", ">"} {
				hides = append(hides, `EXISTS (SELECT 1 FROM chunks WHERE starts_with(namespace, '`+store.ProjectPrefix+`') AND namespace `+op+` `+p+`)`)
			}
		}
		keep = `(NOT (SELECT ` + strings.Join(hides, " OR ") + `) OR ` + keep + `)`
	}
	return " WHERE " + keep
}

// tsquery writes one phrase for to_tsquery: its words quoted and joined by
// <-> (followed by), the last one as a prefix when asked. The words are
// letters and digits only (splitWords()), so nothing in them is syntax.
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
