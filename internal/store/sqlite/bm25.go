package sqlite

import (
	"cmp"
	"context"
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
// holds only phrases from a set S scores below U(S) = Σ idf_i·(k1+1).
// Once the k-th best of the chunks scored exactly is at least U(S) for
// every set S a chunk not yet scored may hold, none of those can enter
// the top k: the top k found is the OR's, scores included. prunedTopK
// chooses which chunks to score first; when proving the answer would cost
// more than scoring the whole OR, the query does that instead.

// FTS5's bm25() constants (fts5_aux.c); the bound above depends on them.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// pruneMinRows is the store size below which scoring the whole OR costs
// less than the counting pruning needs (a variable so that tests can
// prune small corpora).
var pruneMinRows int64 = 2000

// scored is a chunk's rowid and score, carried until the final k.
type scored struct {
	rowid int64
	score float64
}

// ftsRowCount reads the row count FTS5's bm25() uses for idf: the first
// varint of the index's averages record (rowid 1 of the %_data table, an
// on-disk format SQLite keeps stable). ok is false if it cannot be read.
func ftsRowCount(ctx context.Context, tx *stmtTx) (n int64, ok bool) {
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
// them, without scoring the chunks that cannot reach it; how says how it
// proved the answer, or is notPruned when the bounds cannot prove it for
// less than scoring the whole OR costs, and the caller must do that.
// ranked runs one FTS5 expression (filters applied) and returns its best
// limit matches with their scores; rows is an upper bound on the chunks
// the expression matches.
//
// The phrases are taken rarest (highest bound) first, p0, p1, … pm. A
// chunk of the OR holds one phrase only (a single of it) or two or more,
// the rarest of which is some pi: step i scores those, by
// (pi AND (pi+1 OR … pm)) NOT (p0 OR … pi-1). After step i, a chunk not
// yet scored holds phrases of pi+1 … pm only, and scores below their
// bounds summed, or is a single of one of p0 … pi, and scores below its
// bound. prunedTopK stops as soon as the k-th score found clears the
// highest of these bounds. When a phrase's bound is the highest, its
// singles (pj NOT the others) are scored before the next step. Most of an
// OR's matches hold one common word alone, and are never scored.
//
// Each phrase occurs once in each expression, so bm25() gives a matching
// chunk the sum over the phrases it holds, which is its OR score, since
// it holds no phrase left out. No chunk matches two of the expressions,
// and each keeps its best k only: a chunk of the true top k is among the
// best k of its own expression. The k-th score found is then at most the
// true k-th, and any bound it clears, the chunks left out cannot reach.
func prunedTopK(ctx context.Context, tx *stmtTx, phrases []string, k int,
	ranked rankFunc) (top []scored, how pruneStage, err error) {
	nRow, ok := ftsRowCount(ctx, tx)
	if !ok || nRow < pruneMinRows || len(phrases) < 2 {
		return nil, notPruned, nil
	}
	ps := make([]phrase, len(phrases))
	for i, p := range phrases {
		ps[i].text = p
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?`, p).Scan(&ps[i].hits); err != nil {
			return nil, notPruned, err
		}
		ps[i].bound = bm25Bound(nRow, ps[i].hits)
		ps[i].share = float64(ps[i].hits) / float64(nRow)
	}
	slices.SortStableFunc(ps, func(a, b phrase) int { return cmp.Compare(b.bound, a.bound) })
	// later[i] is the bound of a chunk holding phrases of ps[i:] only.
	later := make([]float64, len(ps)+1)
	for i := len(ps) - 1; i >= 0; i-- {
		later[i] = later[i+1] + ps[i].bound
	}
	// Every step and single, run, scores the whole OR in parts; left is
	// the cost of those not yet run. Giving up costs the whole OR afresh,
	// so prunedTopK goes on while what it has spent stays within that, or
	// while finishing costs less than starting again.
	whole := exprCost(ps, float64(nRow)*(1-absent(ps)))
	steps := make([]expr, len(ps)-1)
	singles := make([]expr, len(ps))
	left := 0.0
	for i := range ps {
		if i < len(steps) {
			steps[i] = stepExpr(ps, i, nRow)
			left += steps[i].cost
		}
		singles[i] = singleExpr(ps, i, nRow)
		left += singles[i].cost
	}
	spent := 0.0
	pr := pruner{k: k, ranked: ranked}
	scoredSingle := make([]bool, len(ps))
	anySingle := false
	for step := 0; ; {
		// The highest bound of a chunk not yet scored.
		bound, single := 0.0, -1
		if step < len(steps) {
			bound = later[step]
		}
		for j := range min(step+1, len(ps)) {
			if !scoredSingle[j] && ps[j].bound > bound {
				bound, single = ps[j].bound, j
			}
		}
		if bound == 0 || pr.proves(bound) { // bound 0: every chunk is scored
			if anySingle {
				return pr.top(), prunedSingles, nil
			}
			return pr.top(), prunedChain, nil
		}
		var e expr
		if single >= 0 {
			e = singles[single]
			scoredSingle[single], anySingle = true, true
		} else {
			e = steps[step]
			step++
		}
		if spent+e.cost > whole && left > whole {
			return nil, notPruned, nil
		}
		spent, left = spent+e.cost, left-e.cost
		if err := pr.add(e.match, e.rows, k); err != nil {
			return nil, notPruned, err
		}
	}
}

// stepExpr matches exactly the chunks scored by step i: those holding
// ps[i] and a later phrase, and no earlier one. singleExpr matches exactly
// ps[i]'s singles. Each phrase of ps occurs in them once, so bm25() scores
// their chunks exactly; no chunk matches two of prunedTopK's expressions,
// so each needs its best k only. bm25() counts the phrases left out too,
// but those of a step are the rarest.
func stepExpr(ps []phrase, i int, nRow int64) expr {
	p, later := ps[i], ps[i+1:]
	var laterHits int64
	for _, q := range later {
		laterHits += q.hits
	}
	// The AND stays the root: under a NOT (or an OR), FTS5 clears the
	// position lists below an AND whenever a phrase of several words in it
	// misses a row, those of iterators already on a later row included, and
	// bm25() then scores those phrases 0 at their next match. A NOT below
	// the AND holds phrases only, which FTS5 leaves alone.
	e := expr{match: p.text + " AND " + orOf(later), rows: min(p.hits, laterHits)}
	share := p.share * (1 - absent(later))
	if i > 0 {
		e.match = p.text + " AND (" + orOf(later) + " NOT " + orOf(ps[:i]) + ")"
		share *= absent(ps[:i])
	}
	e.cost = exprCost(ps, share*float64(nRow))
	return e
}

func singleExpr(ps []phrase, i int, nRow int64) expr {
	others := append(slices.Clone(ps[:i]), ps[i+1:]...)
	p := ps[i]
	return expr{match: p.text + " NOT " + orOf(others), rows: p.hits,
		cost: exprCost(ps, p.share*absent(others)*float64(nRow))}
}

// absent is the share of the store holding none of ps, as if words were
// independent.
func absent(ps []phrase) float64 {
	none := 1.0
	for _, p := range ps {
		none *= 1 - p.share
	}
	return none
}

// expr is one FTS5 expression prunedTopK runs: match, an upper bound on
// its rows, and its estimated cost.
type expr struct {
	match string
	rows  int64
	cost  float64
}

// exprCost estimates, in microseconds on a 2-core machine, an expression
// over the phrases ps scoring rows chunks and keeping the best few: each
// phrase's matches are read twice (by the match, and by bm25() counting
// them), and each of the expression's matches is scored.
func exprCost(ps []phrase, rows float64) float64 {
	const stmt, perHit, perRow = 30, 0.1, 1.5
	cost := stmt + perRow*rows
	for _, p := range ps {
		cost += perHit * float64(p.hits)
	}
	return cost
}

// pruneStage says how prunedTopK proved its answer.
type pruneStage int

const (
	notPruned     pruneStage = iota // the caller must score the whole OR
	prunedChain                     // steps alone proved it
	prunedSingles                   // singles were scored too
)

type phrase struct {
	text  string
	hits  int64
	bound float64
	share float64 // of the store
}

func orOf(set []phrase) string {
	parts := make([]string, len(set))
	for i, p := range set {
		parts[i] = p.text
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// pruner holds the exact scores found so far, best first.
type pruner struct {
	k      int
	known  []scored
	ranked rankFunc
}

// rankFunc runs one FTS5 expression with the search's filter and returns
// its best limit matches (every match with limit < 0) with their scores.
// rows is an upper bound on the chunks the expression matches (< 0:
// unknown), which decides how the filter is applied.
type rankFunc func(match string, rows int64, limit int) ([]scored, error)

func (p *pruner) add(match string, rows int64, limit int) error {
	out, err := p.ranked(match, rows, limit)
	if err != nil {
		return err
	}
	p.known = append(p.known, out...)
	slices.SortFunc(p.known, cmpScored)
	return nil
}

// proves reports whether the k-th known score clears bound, with room for
// rounding: the sums above and FTS5's add the same terms in another order.
func (p *pruner) proves(bound float64) bool {
	return len(p.known) >= p.k && p.known[p.k-1].score >= bound+1e-9*(1+math.Abs(bound))
}

func (p *pruner) top() []scored {
	return p.known[:min(p.k, len(p.known))]
}

// cmpScored orders best first, then by rowid, so ties come out the same
// way from every path.
func cmpScored(a, b scored) int {
	return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.rowid, b.rowid))
}
