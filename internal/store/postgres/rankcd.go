package postgres

import (
	"context"
	"strings"

	"github.com/memtomem/memtomem/internal/store"
)

// Rankings KeywordSearch can use. BM25 ships: on SciFact train it is within
// 0.01 nDCG@10 of SQLite's FTS5 and ts_rank_cd is far behind (figures in
// docs/benchmarks.md, "Keyword ranking on PostgreSQL"); ts_rank_cd stays so
// that the comparison can be re-run (eval_test.go) when either changes.
const (
	RankBM25 = "bm25"
	// RankCD is PostgreSQL's cover density ranking, ts_rank_cd, with the
	// normalization in RankCDNormalization.
	RankCD = "ts_rank_cd"
)

// Ranking is the ranking of KeywordSearch: RankBM25, or RankCD for the
// measurement only (its scores are not on the BM25 scale KeywordScale
// names). Set it before opening stores, never while they search.
var Ranking = RankBM25

// RankCDNormalization is ts_rank_cd's normalization bit mask: 1 divides the
// rank by 1 + log(length), the one that helps most on SciFact.
var RankCDNormalization = 1

// keywordSearchCD is KeywordSearch ranked by ts_rank_cd: the same phrases,
// prefixes and filters (before the limit), only the score differs.
func (db *DB) keywordSearchCD(ctx context.Context, q store.KeywordQuery, queries []string, limit int) ([]store.Hit, error) {
	var a args
	tq := "to_tsquery('" + textConfig + "', " + a.add(strings.Join(queries, " | ")) + ")"
	where := append([]string{"c.words @@ " + tq}, filterSQL(q.Filter, &a)...)
	sql := `SELECT c.rid, ts_rank_cd(c.words, ` + tq + `, ` + a.add(RankCDNormalization) + `)::float8 AS score
		FROM chunks c` + whereClause(where) + `
		ORDER BY score DESC, c.rid
		LIMIT ` + a.add(limit)
	return db.rankedHits(ctx, sql, a)
}
