package sqlite

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/memtomem/memtomem/internal/store"
)

// Column weights for bm25(): heading path, content, file name. A word in a
// heading says more about a chunk than the same word in its body
// (store.HeadingWeight). Any weights keep prunedTopK's bounds: a phrase's
// term in bm25() stays below idf·(k1+1) however large its frequency.
var bm25Weights = strconv.Itoa(store.HeadingWeight) + ".0, 1.0, 1.0"

// KeywordSearch implements store.Store. FTS5's bm25() is lower-is-better;
// it is negated so that every score the store returns is higher-is-better.
//
// Matches travel as rowid and score; only the final k are read from
// chunks. The join to chunks that filters need is skipped when the filter
// cannot exclude anything (the default one, with no archived chunk in the
// store), a namespace filter over many matches is read as a rowid set
// rather than joined, and an OR of words is first scored only where its
// top k can be (prunedTopK), which gives the same top k whenever it
// answers at all. Everything runs in one read snapshot.
func (db *DB) KeywordSearch(ctx context.Context, q store.KeywordQuery) ([]store.Hit, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	if len(q.Phrases) == 0 {
		return nil, nil
	}
	match := fts5Match(q.Phrases)
	db.readKept.prepareNoted(ctx, db.reader)
	sqlTx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, friendly(err)
	}
	defer sqlTx.Rollback()
	tx := db.readTx(sqlTx)
	where, args := filterSQL(q.Filter)
	kept := int64(-1) // chunks the filter keeps, counted when first needed
	defaultView := len(where) > 0 && q.Filter.DefaultView()
	if hidden, hargs := hiddenSQL(q.Filter); defaultView && hidden != "" {
		// Count what the default view hides, up to a quarter of the
		// store: a search runs this every time, so its cost is bounded by
		// that, and a view hiding less (archives, mostly) is answered by
		// broadFirst with kept known. None at all means no filter.
		nRow, known := ftsRowCount(ctx, tx)
		upTo := int64(1)
		if known {
			upTo = nRow/broadShare + 1
		}
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM chunks WHERE `+hidden+` LIMIT ?)`, append(hargs, upTo)...).Scan(&n); err != nil {
			return nil, friendly(err)
		}
		switch {
		case n == 0: // nothing the default view hides: no filter at all
			where, args, defaultView = nil, nil, false
		case known && n < upTo:
			kept = max(nRow-n, 0)
		}
	}
	asSet := len(where) > 0 && onlyNamespaces(q.Filter)
	ranked := func(match string, rows int64, n int) ([]scored, error) {
		// An unknown count (rows < 0) keeps the join: a rare word in a
		// large namespace would pay for reading the whole namespace.
		set := false
		if asSet && rows >= setMinRows {
			if kept < 0 {
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM chunks c`+whereClause(where), args...).Scan(&kept); err != nil {
					return nil, err
				}
			}
			set = rows*8 > kept
		}
		return rankedRowids(ctx, tx, match, where, args, set, n)
	}
	var top []scored
	ok := false
	if len(q.Phrases) > 1 {
		ps := make([]string, len(q.Phrases))
		for i := range q.Phrases {
			ps[i] = fts5Match(q.Phrases[i : i+1])
		}
		if asSet || defaultView && kept >= 0 {
			if top, ok, err = broadFirst(ctx, tx, ps, where, args, limit, &kept); err != nil {
				return nil, friendly(err)
			}
		}
		if !ok {
			var how pruneStage
			if top, how, err = prunedTopK(ctx, tx, ps, limit, ranked); err != nil {
				return nil, friendly(err)
			}
			ok = how != notPruned
		}
	}
	if !ok && len(where) > 0 {
		top, ok, err = filterAfter(ctx, tx, match, where, args, limit)
		if err != nil {
			return nil, friendly(err)
		}
	}
	if !ok {
		if top, err = ranked(match, -1, limit); err != nil {
			return nil, friendly(err)
		}
	}
	hits, err := chunksByRowid(ctx, tx, top)
	return hits, friendly(err)
}

// overFetch is how many times k unfiltered matches filterAfter ranks: a
// filter keeping one chunk in ten still fills k from them most of the time.
const overFetch = 16

// filterAfter ranks the whole match without the join, keeps the best
// overFetch·k, and applies the filter to those alone. The first k that pass
// are the filtered top k, because filtering does not reorder; ok is false
// when fewer than k pass and more matches exist, and the caller joins.
func filterAfter(ctx context.Context, tx *stmtTx, match string, where []string, args []any, k int) ([]scored, bool, error) {
	n := max(k*overFetch, 64)
	cands, err := rankedRowids(ctx, tx, match, nil, nil, false, n)
	if err != nil || len(cands) == 0 {
		return nil, err == nil, err
	}
	top, err := passing(ctx, tx, cands, where, args, k)
	return top, err == nil && (len(top) == k || len(cands) < n), err
}

// broadFirst answers a namespace filter, or the default view's hiding of
// archives and other projects, that keeps a large share of the store (at
// least 1/broadShare) from the unfiltered pruned top n, n about
// broadFetch·k over the share kept: the first k of those that pass the
// filter are the filtered top k, exactly, as in filterAfter. Pruned with
// the filter instead, every stage's expression read the namespace's rowids
// or joined chunks, and a namespace of half the store made a search three
// to four times slower than the unfiltered one. ok is false when the
// unfiltered search does not prune or fewer than k pass (the caller then
// prunes with the filter). kept is the count of chunks the filter keeps,
// read here if still unknown (< 0).
func broadFirst(ctx context.Context, tx *stmtTx, phrases []string, where []string, args []any, k int, kept *int64) ([]scored, bool, error) {
	nRow, ok := ftsRowCount(ctx, tx)
	if !ok || nRow < pruneMinRows {
		return nil, false, nil
	}
	if *kept < 0 {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM chunks c`+whereClause(where), args...).Scan(kept); err != nil {
			return nil, false, err
		}
	}
	if *kept*broadShare < nRow {
		return nil, false, nil
	}
	n := int(min(int64(k)*broadFetch*nRow/max(*kept, 1), int64(k)*broadFetch*broadShare))
	unfiltered := func(match string, _ int64, limit int) ([]scored, error) {
		return rankedRowids(ctx, tx, match, nil, nil, false, limit)
	}
	cands, how, err := prunedTopK(ctx, tx, phrases, n, unfiltered)
	if err != nil || how == notPruned {
		return nil, false, err
	}
	top, err := passing(ctx, tx, cands, where, args, k)
	return top, err == nil && (len(top) == k || len(cands) < n), err
}

// broadShare and broadFetch shape broadFirst: filters keeping at least a
// quarter of the store, three times k over the share they keep (a filter
// keeping half the store: 6k candidates, of which k fail to pass about once
// in a thousand searches).
const (
	broadShare = 4
	broadFetch = 3
)

// passing returns the first k of cands, in order, that pass the filter.
func passing(ctx context.Context, tx *stmtTx, cands []scored, where []string, args []any, k int) ([]scored, error) {
	if len(cands) == 0 {
		return nil, nil
	}
	ids := make([]any, len(cands))
	for i, c := range cands {
		ids[i] = c.rowid
	}
	rows, err := tx.QueryContext(ctx, `SELECT c.rowid FROM chunks c`+
		whereClause(append([]string{"c.rowid IN (" + placeholders(len(ids)) + ")"}, where...)), append(ids, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	pass := make(map[int64]bool, len(cands))
	for rows.Next() {
		var r int64
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		pass[r] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	top := make([]scored, 0, k)
	for _, c := range cands {
		if pass[c.rowid] && len(top) < k {
			top = append(top, c)
		}
	}
	return top, nil
}

// setMinRows is the estimated match count from which a namespace filter is
// applied as a set of rowids rather than by a join (a variable so that
// tests can take both ways on small corpora). Building the set reads the
// namespace index once, ~0.3 µs a kept chunk; the join reads a chunks row
// per match, ~2.5 µs. Below this many matches the join always wins.
var setMinRows int64 = 2000

// onlyNamespaces reports whether f's only conditions are namespaces (and
// the archive rule), which the chunks_namespace index answers alone.
func onlyNamespaces(f store.Filter) bool {
	return len(f.Namespaces) > 0 && len(f.Tags) == 0 && f.SourceGlob == "" && f.Since.IsZero() && f.Until.IsZero()
}

// rankedRowids runs one FTS5 match with the filter terms where (over the
// chunks table "c", joined only when there are any; with set, read once as
// a set of rowids instead) and returns rowids and scores: the best limit of
// them, or with limit < 0 every match unsorted.
func rankedRowids(ctx context.Context, tx *stmtTx, match string, where []string, args []any, set bool, limit int) ([]scored, error) {
	// The score is named and the sort uses the name: ordering by bm25()
	// again would compute it a second time for every match.
	query := `SELECT chunks_fts.rowid, -bm25(chunks_fts, ` + bm25Weights + `) AS score FROM chunks_fts`
	conds := []string{"chunks_fts MATCH ?"}
	switch {
	case len(where) > 0 && set:
		// The unary + keeps SQLite from handing the set to FTS5 as
		// rowid constraints, which would run the match once per rowid.
		conds = append(conds, "+chunks_fts.rowid IN (SELECT c.rowid FROM chunks c"+whereClause(where)+")")
	case len(where) > 0:
		query += ` JOIN chunks c ON c.rowid = chunks_fts.rowid`
		conds = append(conds, where...)
	}
	query += whereClause(conds)
	args = append([]any{match}, args...)
	if limit >= 0 {
		query += ` ORDER BY score DESC, chunks_fts.rowid LIMIT ?`
		args = append(args, limit)
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []scored
	for rows.Next() {
		var s scored
		if err := rows.Scan(&s.rowid, &s.score); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// chunksByRowid reads the chunks of ranked rowids, in rank order.
func chunksByRowid(ctx context.Context, tx *stmtTx, ranked []scored) ([]store.Hit, error) {
	if len(ranked) == 0 {
		return nil, nil
	}
	args := make([]any, len(ranked))
	for i, s := range ranked {
		args[i] = s.rowid
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+chunkColumns+`, c.rowid FROM chunks c WHERE c.rowid IN (`+placeholders(len(args))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byRowid := make(map[int64]store.Chunk, len(ranked))
	for rows.Next() {
		var rowid int64
		c, err := scanChunk(rows, &rowid)
		if err != nil {
			return nil, err
		}
		byRowid[rowid] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	hits := make([]store.Hit, 0, len(ranked))
	for _, s := range ranked {
		if c, ok := byRowid[s.rowid]; ok {
			hits = append(hits, store.Hit{Chunk: c, Score: s.score})
		}
	}
	return hits, nil
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

// hiddenSQL is the condition (over chunks, unaliased) of the rows the
// default view of f hides, archived ones and other projects', both read
// from the namespace index; "" when it hides none.
func hiddenSQL(f store.Filter) (string, []any) {
	var or []string
	var args []any
	if f.HidesArchive() {
		or = append(or, "namespace GLOB '"+store.ArchivePrefix+"*'")
	}
	if f.HidesOtherProjects() {
		or = append(or, "(namespace GLOB '"+store.ProjectPrefix+"*' AND namespace <> ?)")
		args = append(args, f.Project)
	}
	return strings.Join(or, " OR "), args
}

// filterSQL turns a Filter into WHERE terms over the chunks table "c".
func filterSQL(f store.Filter) ([]string, []any) {
	var where []string
	var args []any
	if len(f.Namespaces) > 0 {
		var or []string
		for _, ns := range f.Namespaces {
			if store.IsGlob(ns) {
				or = append(or, "c.namespace GLOB ?")
			} else {
				or = append(or, "c.namespace = ?")
			}
			args = append(args, ns)
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	if f.HidesArchive() {
		where = append(where, "c.namespace NOT GLOB 'archive:*'")
	}
	if f.HidesOtherProjects() {
		where = append(where, "(c.namespace = ? OR c.namespace NOT GLOB '"+store.ProjectPrefix+"*')")
		args = append(args, f.Project)
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

func whereClause(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
