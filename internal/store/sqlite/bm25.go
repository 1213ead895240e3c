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
// them, without scoring the chunks that cannot reach it; how says which
// stage proved it, or is notPruned when the bounds cannot prove it cheaply
// and the caller must score the whole OR. ranked runs one FTS5 expression (filters applied) and returns its
// best limit matches with their scores, or every match with limit < 0;
// rows is an upper bound on the chunks the expression matches.
//
// Every chunk scored here gets its exact score: bm25() over an expression
// in which each phrase occurs once gives a matching chunk the sum over the
// phrases it holds, so it equals the OR's score for chunks that hold no
// phrase left out of the expression, and is lower for the others. Stages
// cover classes of chunks (by which phrases they hold) so that every chunk
// of a covered class is matched by some expression holding all its
// phrases; the highest score a chunk gets is then its exact score. The
// stages, each run only while the k-th exact score is below the bound of
// the classes still uncovered:
//
//  1. split: chunks holding a rare phrase (E), scored on E alone (or E NOT
//     NE) and on E AND NE; left: chunks holding only common (NE) phrases,
//     below U(NE).
//  2. chain: chunks holding two or more NE phrases, by p1 AND (p2 OR … pm),
//     p2 AND (p3 OR … pm), …; left: chunks holding one NE phrase p only,
//     each below p's bound.
//  3. singles: the chunks holding p only, for the NE phrases of highest
//     bound first.
func prunedTopK(ctx context.Context, tx *stmtTx, phrases []string, k int,
	ranked rankFunc) (top []scored, how pruneStage, err error) {
	nRow, ok := ftsRowCount(ctx, tx)
	if !ok || nRow < pruneMinRows {
		return nil, notPruned, nil
	}
	ps := make([]phrase, len(phrases))
	var total int64
	for i, p := range phrases {
		ps[i].text = p
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?`, p).Scan(&ps[i].hits); err != nil {
			return nil, notPruned, err
		}
		ps[i].bound = bm25Bound(nRow, ps[i].hits)
		total += ps[i].hits
	}
	slices.SortStableFunc(ps, func(a, b phrase) int { return cmp.Compare(a.bound, b.bound) })

	pr := pruner{k: k, known: map[int64]float64{}, ranked: ranked}
	// Stage 1. Try the fewest, rarest phrases as E first. Give up once E
	// alone matches a third of the OR, and skip to the chain once scoring
	// E costs more (two rows per E match, against the chunks holding two
	// phrases if words were independent) unless the bound is so low that
	// a chunk holding the rarest phrase alone could clear it: then the
	// split is all but sure to prove, and the chain would still need the
	// rarest phrase's singles.
	chainAll := chainRows(ps, nRow)
	split := len(ps) // E = ps[split:], NE = ps[:split]
	for s := len(ps) - 1; s >= max(1, len(ps)-pruneTries); s-- {
		ne, e := ps[:s], ps[s:]
		var eHits int64
		for _, p := range e {
			eHits += p.hits
		}
		var bound float64
		var neHits int64
		for _, p := range ne {
			bound += p.bound
			neHits += p.hits
		}
		costly := len(ps) <= maxChain && 2*float64(eHits) > chainAll
		if eHits*3 > total || (costly && bound > ps[len(ps)-1].bound) {
			break
		}
		clear(pr.known)
		// Chunks holding E and NE phrases get their score from E AND NE.
		// When there are many (E in more than 1/18 of the store, if words
		// were independent), E NOT NE skips scoring them on E alone too,
		// which costs more than bm25() counting the NE phrases once more
		// (~0.14 µs a match, against ~2.5 µs a scored row).
		onlyE := orOf(e)
		if eHits*18 > nRow {
			onlyE += " NOT " + orOf(ne)
		}
		if err := pr.add(onlyE, eHits, -1); err != nil {
			return nil, notPruned, err
		}
		if err := pr.add(orOf(e)+" AND "+orOf(ne), min(eHits, neHits), -1); err != nil {
			return nil, notPruned, err
		}
		split = s
		if pr.proves(bound) {
			return pr.top(), prunedSplit, nil
		}
	}
	ne := slices.Clone(ps[:split])
	if len(ne) > maxChain {
		return nil, notPruned, nil
	}
	// Stage 2. The commonest phrase first, so that it is in one
	// expression only.
	slices.SortStableFunc(ne, func(a, b phrase) int { return cmp.Compare(b.hits, a.hits) })
	for i := 0; i+1 < len(ne); i++ {
		var later int64
		for _, p := range ne[i+1:] {
			later += p.hits
		}
		if err := pr.add(ne[i].text+" AND "+orOf(ne[i+1:]), min(ne[i].hits, later), -1); err != nil {
			return nil, notPruned, err
		}
	}
	// Stage 3. A chunk holding p only is not in known, so the best
	// k+len(known) of p hold the best k of those.
	slices.SortStableFunc(ne, func(a, b phrase) int { return cmp.Compare(b.bound, a.bound) })
	var singles int64
	for i, p := range ne {
		if pr.proves(p.bound) {
			if i == 0 {
				return pr.top(), prunedChain, nil
			}
			return pr.top(), prunedSingles, nil
		}
		// Past this, the singles would score as many rows as the OR.
		if singles += p.hits; singles > total {
			return nil, notPruned, nil
		}
		if err := pr.add(p.text, p.hits, k+len(pr.known)); err != nil {
			return nil, notPruned, err
		}
	}
	return pr.top(), prunedAll, nil // every class is covered
}

// pruneStage says which stage of prunedTopK proved its answer.
type pruneStage int

const (
	notPruned     pruneStage = iota // the caller must score the whole OR
	prunedSplit                     // stage 1
	prunedChain                     // stage 2
	prunedSingles                   // stage 3, before every class was covered
	prunedAll                       // stage 3 covered every class
)

// maxChain bounds the common phrases stage 2 takes: it runs one expression
// per phrase, and bm25() counts every phrase of an expression first.
const maxChain = 6

type phrase struct {
	text  string
	hits  int64
	bound float64
}

// chainRows estimates the rows stage 2 scores over ps, as if words were
// independent: for each phrase, the chunks holding it and a later one.
func chainRows(ps []phrase, nRow int64) float64 {
	var rows, later float64
	for i := len(ps) - 1; i >= 0; i-- {
		h := float64(ps[i].hits)
		rows += h * later / float64(nRow)
		later += h
	}
	return rows
}

func orOf(set []phrase) string {
	parts := make([]string, len(set))
	for i, p := range set {
		parts[i] = p.text
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// pruner holds the exact scores found so far: the highest score each
// chunk got from any expression.
type pruner struct {
	k      int
	known  map[int64]float64
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
	for _, s := range out {
		if old, ok := p.known[s.rowid]; !ok || s.score > old {
			p.known[s.rowid] = s.score
		}
	}
	return nil
}

// proves reports whether the k-th known score clears bound, with room for
// rounding: the sums above and FTS5's add the same terms in another order.
func (p *pruner) proves(bound float64) bool {
	if len(p.known) < p.k {
		return false
	}
	scores := make([]float64, 0, len(p.known))
	for _, s := range p.known {
		scores = append(scores, s)
	}
	slices.SortFunc(scores, func(a, b float64) int { return cmp.Compare(b, a) })
	return scores[p.k-1] >= bound+1e-9*(1+math.Abs(bound))
}

func (p *pruner) top() []scored {
	out := make([]scored, 0, len(p.known))
	for r, s := range p.known {
		out = append(out, scored{r, s})
	}
	slices.SortFunc(out, cmpScored)
	return out[:min(p.k, len(out))]
}

// cmpScored orders best first, then by rowid, so ties come out the same
// way from every path.
func cmpScored(a, b scored) int {
	return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.rowid, b.rowid))
}
