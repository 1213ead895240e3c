package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"math"
	"slices"
	"strings"
)

// An OR of a few words can match a third of the store, and FTS5 scores
// every match before it can sort. Most of those matches owe their place to
// common words, whose BM25 weight is small. This file skips them without
// changing the answer, by the "max score" argument of search engines:
//
// FTS5's bm25() adds, for each phrase i a chunk contains,
//
//	idf_i · f·(k1+1) / (f + k1·(1 − b + b·len/avglen))
//
// which is below idf_i·(k1+1) whatever the chunk (f ≥ 0, and the
// denominator's second term is at least k1·(1−b) > 0). So a chunk that
// holds only phrases from a set NE scores below U(NE) = Σ idf_i·(k1+1).
// Split the phrases into NE (the commonest, low idf) and E (the rest):
// every chunk holding some phrase of E is scored exactly, and if the k-th
// best of those is at least U(NE), no chunk holding only NE phrases can
// enter the top k. That top k is then the OR's top k, scores included.
// When the test fails, the query falls back to scoring the whole OR.

// FTS5's bm25() constants (fts5_aux.c); the bound above depends on them.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// pruneMinRows is the store size below which scoring the whole OR costs
// less than the counting pruning needs (a variable so that tests can
// prune small corpora). pruneTries bounds the splits tried before it.
var pruneMinRows int64 = 2000

const pruneTries = 3

// scored is a chunk's rowid and score, carried until the final k.
type scored struct {
	rowid int64
	score float64
}

// orPhrases splits an FTS5 expression of the form the search package
// builds — quoted phrases, each optionally followed by *, joined by " OR " —
// into its phrases, verbatim. Anything else returns nil, and the caller
// scores the expression as it is.
func orPhrases(m string) []string {
	var out []string
	for len(m) > 0 {
		if m[0] != '"' {
			return nil
		}
		i := 1
		for {
			j := strings.IndexByte(m[i:], '"')
			if j < 0 {
				return nil
			}
			i += j + 1
			if i < len(m) && m[i] == '"' { // "" is a quote inside the phrase
				i++
				continue
			}
			break
		}
		if i < len(m) && m[i] == '*' {
			i++
		}
		out = append(out, m[:i])
		m = m[i:]
		if m == "" {
			break
		}
		if !strings.HasPrefix(m, " OR ") {
			return nil
		}
		m = m[len(" OR "):]
		if m == "" {
			return nil
		}
	}
	return out
}

// ftsRowCount reads the row count FTS5's bm25() uses for idf: the first
// varint of the index's averages record (rowid 1 of the %_data table, an
// on-disk format SQLite keeps stable). ok is false if it cannot be read.
func ftsRowCount(ctx context.Context, tx *sql.Tx) (n int64, ok bool) {
	var block []byte
	if err := tx.QueryRowContext(ctx, `SELECT block FROM chunks_fts_data WHERE id = 1`).Scan(&block); err != nil {
		return 0, false
	}
	v, used := sqliteVarint(block)
	if used == 0 || v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// sqliteVarint decodes SQLite's big-endian varint (7 bits a byte, the
// ninth byte whole); used is 0 when b is too short.
func sqliteVarint(b []byte) (v uint64, used int) {
	for i := 0; i < 9; i++ {
		if i >= len(b) {
			return 0, 0
		}
		if i == 8 {
			return v<<8 | uint64(b[i]), 9
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}

// bm25Bound is the most phrase i can add to any chunk's score: idf as
// fts5_aux.c computes it, times k1+1.
func bm25Bound(nRow, nHit int64) float64 {
	idf := math.Log((float64(nRow) - float64(nHit) + 0.5) / (float64(nHit) + 0.5))
	if idf <= 0 {
		idf = 1e-6
	}
	return idf * (bm25K1 + 1)
}

// prunedTopK returns the top k of the OR of phrases, as FTS5 would rank
// them, without scoring the chunks that hold only common phrases; ok is
// false when the bound cannot prove that, and the caller must score the
// whole OR. ranked runs one FTS5 expression (filters applied) and returns
// every match with its score.
func prunedTopK(ctx context.Context, tx *sql.Tx, phrases []string, k int,
	ranked func(match string, limit int) ([]scored, error)) (top []scored, ok bool, err error) {
	nRow, ok := ftsRowCount(ctx, tx)
	if !ok || nRow < pruneMinRows {
		return nil, false, nil
	}
	type phrase struct {
		text  string
		hits  int64
		bound float64
	}
	ps := make([]phrase, len(phrases))
	var total int64
	for i, p := range phrases {
		ps[i].text = p
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?`, p).Scan(&ps[i].hits); err != nil {
			return nil, false, err
		}
		ps[i].bound = bm25Bound(nRow, ps[i].hits)
		total += ps[i].hits
	}
	slices.SortStableFunc(ps, func(a, b phrase) int { return cmp.Compare(a.bound, b.bound) })

	// Try the fewest, rarest phrases as E first; give up once E alone
	// would match so much of the OR that scoring it all is as cheap.
	for split := len(ps) - 1; split >= max(1, len(ps)-pruneTries); split-- {
		ne, e := ps[:split], ps[split:]
		var eHits int64
		var bound float64
		for _, p := range e {
			eHits += p.hits
		}
		if eHits*3 > total {
			break
		}
		for _, p := range ne {
			bound += p.bound
		}
		join := func(set []phrase) string {
			parts := make([]string, len(set))
			for i, p := range set {
				parts[i] = p.text
			}
			return "(" + strings.Join(parts, " OR ") + ")"
		}
		// Chunks holding E phrases, scored on E alone: exact for those
		// holding no NE phrase. Those that also hold NE phrases get their
		// full score from E AND NE, where every phrase appears once.
		onlyE, err := ranked(join(e), -1)
		if err != nil {
			return nil, false, err
		}
		if len(onlyE) < k {
			continue
		}
		both, err := ranked(join(e)+" AND "+join(ne), -1)
		if err != nil {
			return nil, false, err
		}
		full := make(map[int64]float64, len(both))
		for _, s := range both {
			full[s.rowid] = s.score
		}
		for i, s := range onlyE {
			if f, ok := full[s.rowid]; ok {
				onlyE[i].score = f
			}
		}
		slices.SortFunc(onlyE, cmpScored)
		// The k-th score must clear the bound with room for rounding:
		// the sums above and FTS5's add the same terms in another order.
		if kth := onlyE[k-1].score; kth >= bound+1e-9*(1+math.Abs(bound)) {
			return onlyE[:k], true, nil
		}
	}
	return nil, false, nil
}

// cmpScored orders best first, then by rowid, so ties come out the same
// way from every path.
func cmpScored(a, b scored) int {
	return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.rowid, b.rowid))
}
