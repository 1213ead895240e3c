package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/vector"
)

// DenseSearch implements store.Store. The in-memory index (denseindex.go)
// proposes the best candidates by their int8 codes, with the filters
// applied as it scans; one SELECT then reads only those rows, in one
// snapshot with the filter, re-scores them exactly from their float32
// vectors, checks the generation and the stale-vector guard, and keeps the
// best Limit. When that leaves fewer than Limit (a row deleted or
// re-filtered since the index saw it), the candidate list is widened.
func (db *DB) DenseSearch(ctx context.Context, q store.DenseQuery) ([]store.Hit, error) {
	if len(q.Vector) == 0 {
		return nil, errors.New("dense search: empty query vector")
	}
	query, err := encodeUnit(q.Vector)
	if err != nil {
		return nil, fmt.Errorf("dense search: query vector: %w", err)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	if !db.hasVectors() {
		return nil, nil
	}
	x := db.denseIndexFor()
	// A row found stale at fetch time (its rowid reused for other text)
	// forces a resync and one more round; twice is plenty, since the
	// resync re-reads that row's bucket from the same store.
	for round := 0; ; round++ {
		dim, err := x.sync(ctx, q.Generation)
		if err != nil {
			return nil, fmt.Errorf("dense search: %w", err)
		}
		if dim == 0 {
			return nil, nil // nothing of this generation stored
		}
		if dim != len(q.Vector) {
			return nil, fmt.Errorf("dense search: generation %q stores %d-dimensional vectors, the query has %d", q.Generation, dim, len(q.Vector))
		}
		hits, stale, err := db.denseRound(ctx, x, q, query, limit)
		if err != nil || !stale || round == 2 {
			return hits, err
		}
	}
}

// candidateDepth is how many int8 candidates are re-scored exactly per
// result asked for (plus a constant): int8 codes move a score by well
// under 1%, so the true top Limit is inside this many by a wide margin.
func candidateDepth(limit int) int { return 2*limit + 32 }

// denseRound is one candidate pass and fetch, in one read snapshot.
func (db *DB) denseRound(ctx context.Context, x *denseIndex, q store.DenseQuery, query []byte, limit int) ([]store.Hit, bool, error) {
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, false, friendly(err)
	}
	defer tx.Rollback()
	keep, err := filterRows(ctx, tx, q.Filter)
	if err != nil {
		return nil, false, err
	}
	codes := make([]int8, len(query)/4)
	qScale := vector.QuantizeBytes(codes, query)
	where, args := filterSQL(q.Filter)
	where = append([]string{"v.chunk_rowid IN (SELECT value FROM json_each(?))", "+v.generation = ?", "v.content_hash = c.content_hash"}, where...)
	fetch := `SELECT ` + chunkColumns + `, ` + dotFunc + `(v.vec, ?) AS score, v.chunk_rowid
		FROM chunk_vectors v JOIN chunks c ON c.rowid = v.chunk_rowid` + whereClause(where) + `
		ORDER BY score DESC, v.chunk_rowid LIMIT ?`
	total := x.len()
	for m := candidateDepth(limit); ; m *= 4 {
		cands := x.candidates(codes, qScale, m, keep)
		if len(cands) == 0 {
			return nil, false, nil
		}
		ids := make([]int64, len(cands))
		for i, c := range cands {
			ids[i] = c.ID
		}
		list, _ := json.Marshal(ids)
		rows, err := tx.QueryContext(ctx, fetch, append(append([]any{query, string(list), q.Generation}, args...), limit)...)
		if err != nil {
			return nil, false, friendly(err)
		}
		var hits []store.Hit
		stale := false
		for rows.Next() {
			var h store.Hit
			var rowid int64
			c, err := scanChunk(rows, &h.Score, &rowid)
			if err != nil {
				rows.Close()
				return nil, false, friendly(err)
			}
			if x.stale(rowid, c.ContentHash) {
				x.invalidate(rowid)
				stale = true
			}
			h.Chunk = c
			hits = append(hits, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, false, friendly(err)
		}
		if stale || len(hits) >= limit || len(cands) < m || m >= total {
			return hits, stale, nil
		}
	}
}

// filterRows turns a filter into a test on chunk rowids, read from the
// chunk indexes in the query's snapshot (nil: every row passes). The
// default view, everything but archive:* (and other projects'), is the
// common case: it reads the few hidden rowids from the namespace index and
// keeps the rest.
func filterRows(ctx context.Context, tx *sql.Tx, f store.Filter) (func(int64) bool, error) {
	plain := f.DefaultView()
	hidden, args := hiddenSQL(f)
	if plain && hidden == "" {
		return nil, nil
	}
	var query string
	if plain {
		query = `SELECT group_concat(rowid) FROM chunks WHERE ` + hidden
	} else {
		where, a := filterSQL(f)
		query, args = `SELECT group_concat(c.rowid) FROM chunks c`+whereClause(where), a
	}
	// One row of comma-separated rowids: SQLite builds it at C speed,
	// where a row per rowid through database/sql costs ~1 µs each (10 ms
	// for a namespace holding 10k chunks).
	var list sql.NullString
	if err := tx.QueryRowContext(ctx, query, args...).Scan(&list); err != nil {
		return nil, friendly(err)
	}
	set := rowSet{}
	for part := range strings.SplitSeq(list.String, ",") {
		if part == "" {
			continue
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("dense search: filter rowids: %w", err)
		}
		set.add(id)
	}
	if plain {
		if set.n == 0 {
			return nil, nil
		}
		return func(id int64) bool { return !set.has(id) }, nil
	}
	return set.has, nil
}

// rowSet is a set of rowids: a bitmap over the dense low range that
// rowids occupy, a map for any far outside it.
type rowSet struct {
	bits []uint64
	far  map[int64]bool
	n    int
}

// maxBitmapRowid bounds the bitmap at 8 MB.
const maxBitmapRowid = 1 << 26

func (s *rowSet) add(id int64) {
	s.n++
	if id < 0 || id >= maxBitmapRowid {
		if s.far == nil {
			s.far = map[int64]bool{}
		}
		s.far[id] = true
		return
	}
	w := int(id >> 6)
	if w >= len(s.bits) {
		s.bits = append(s.bits, make([]uint64, w+1-len(s.bits))...)
	}
	s.bits[w] |= 1 << (id & 63)
}

func (s *rowSet) has(id int64) bool {
	if id < 0 || id >= maxBitmapRowid {
		return s.far[id]
	}
	w := int(id >> 6)
	return w < len(s.bits) && s.bits[w]&(1<<(id&63)) != 0
}
