package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/memtomem/memtomem/internal/store"
)

// Vector storage. Each chunk has at most one vector, a row of chunk_vectors
// keyed by the chunk's rowid: the generation (provider/model/dimension) it
// was computed with, the content hash of the text it was computed from, and
// the vector itself as little-endian float32, normalised to unit length.
//
// Dense search reads the vectors of the candidate chunks (the filters are in
// the SQL, so they apply before top-k) and scores them in Go with a dot
// product and a bounded heap. That representation was chosen by measuring
// it against sqlite-vec (vec0 KNN tables and vec_distance_cosine in SQL):
// see docs/vector-storage.md and vectors_bench_test.go.
//
// Vectors never outlive the text they describe: ON DELETE CASCADE removes a
// chunk's vector with the chunk (ReplaceFile deletes a chunk whose text
// changed and inserts a new row), and every read also requires the stored
// content hash to equal the chunk's, which guards against a rowid reused
// after a delete made without foreign keys (say, by the sqlite3 shell).

// maxSQLVars bounds the ids bound in one IN (...) list.
const maxSQLVars = 500

// PutVectors implements store.Store. Each vector is stored only when its
// chunk still exists with the content hash the vector was computed from,
// checked inside the write transaction; a vector computed for text that
// changed meanwhile is skipped, and the writer that changed the text embeds
// the new one.
func (db *DB) PutVectors(ctx context.Context, generation string, vecs []store.ChunkVector) (int, error) {
	if generation == "" {
		return 0, errors.New("put vectors: empty generation")
	}
	if len(vecs) == 0 {
		return 0, nil
	}
	dim := len(vecs[0].Vector)
	blobs := make([][]byte, len(vecs))
	for i, v := range vecs {
		if len(v.Vector) != dim || dim == 0 {
			return 0, fmt.Errorf("put vectors: vector %d has %d dimensions, the first has %d", i, len(v.Vector), dim)
		}
		b, err := encodeUnit(v.Vector)
		if err != nil {
			return 0, fmt.Errorf("put vectors: chunk %s: %w", v.ChunkID, err)
		}
		blobs[i] = b
	}
	var stored int
	err := db.write(ctx, func(tx *sql.Tx) error {
		stored = 0
		// One generation has one dimension; a mismatch means the caller
		// mislabelled a generation, and mixing would make search fail later.
		var have int
		err := tx.QueryRowContext(ctx, `SELECT length(vec) FROM chunk_vectors WHERE generation = ? LIMIT 1`, generation).Scan(&have)
		if err == nil && have != 4*dim {
			return fmt.Errorf("put vectors: generation %q stores %d-dimensional vectors, got %d", generation, have/4, dim)
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO chunk_vectors(chunk_rowid, generation, content_hash, vec)
			SELECT rowid, ?, content_hash, ? FROM chunks WHERE id = ? AND content_hash = ?
			ON CONFLICT(chunk_rowid) DO UPDATE SET generation = excluded.generation,
				content_hash = excluded.content_hash, vec = excluded.vec`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i, v := range vecs {
			res, err := stmt.ExecContext(ctx, generation, blobs[i], v.ChunkID, v.ContentHash)
			if err != nil {
				return fmt.Errorf("put vector of chunk %s: %w", v.ChunkID, err)
			}
			n, _ := res.RowsAffected()
			stored += int(n)
		}
		return nil
	})
	return stored, err
}

// DenseSearch implements store.Store. The filters are part of the SQL that
// selects candidate vectors, so they apply before the limit; the candidates
// are scored in Go and the best Limit kept in a heap, then their chunks are
// read in the same read transaction (one snapshot, so a hit cannot vanish
// between the two statements).
func (db *DB) DenseSearch(ctx context.Context, q store.DenseQuery) ([]store.Hit, error) {
	if len(q.Vector) == 0 {
		return nil, errors.New("dense search: empty query vector")
	}
	query, err := unit(q.Vector)
	if err != nil {
		return nil, fmt.Errorf("dense search: query vector: %w", err)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, friendly(err)
	}
	defer tx.Rollback()

	where, args := filterSQL(q.Filter)
	// "+v.generation" keeps the planner off the generation index: nearly
	// every vector belongs to the current generation, and walking that
	// index costs a table lookup per row on top of the full scan it would
	// replace (measured: see docs/vector-storage.md).
	where = append([]string{"+v.generation = ?", "v.content_hash = c.content_hash"}, where...)
	args = append([]any{q.Generation}, args...)
	rows, err := tx.QueryContext(ctx, `SELECT v.chunk_rowid, v.vec FROM chunk_vectors v
		JOIN chunks c ON c.rowid = v.chunk_rowid`+whereClause(where), args...)
	if err != nil {
		return nil, friendly(err)
	}
	top := topK{k: limit}
	var rowid int64
	var blob sql.RawBytes // the driver's own copy; scanning into RawBytes avoids a second one
	for rows.Next() {
		if err := rows.Scan(&rowid, &blob); err != nil {
			rows.Close()
			return nil, err
		}
		if len(blob) != 4*len(query) {
			rows.Close()
			return nil, fmt.Errorf("dense search: generation %q stores %d-dimensional vectors, the query has %d", q.Generation, len(blob)/4, len(query))
		}
		top.push(rowid, dot(query, blob))
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, friendly(err)
	}
	rows.Close()
	best := top.sorted()
	if len(best) == 0 {
		return nil, nil
	}

	ids := make([]any, len(best))
	for i, s := range best {
		ids[i] = s.rowid
	}
	crows, err := tx.QueryContext(ctx, `SELECT `+chunkColumns+`, c.rowid FROM chunks c WHERE c.rowid IN (`+placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return nil, friendly(err)
	}
	defer crows.Close()
	byRowid := make(map[int64]store.Chunk, len(best))
	for crows.Next() {
		var r int64
		c, err := scanChunk(crows, &r)
		if err != nil {
			return nil, err
		}
		byRowid[r] = c
	}
	if err := crows.Err(); err != nil {
		return nil, friendly(err)
	}
	hits := make([]store.Hit, 0, len(best))
	for _, s := range best {
		if c, ok := byRowid[s.rowid]; ok {
			hits = append(hits, store.Hit{Chunk: c, Score: float64(s.score)})
		}
	}
	return hits, nil
}

// Vectors implements store.Store. The vectors come back unit-length (they
// are stored that way), which is what cosine-based re-ranking needs.
func (db *DB) Vectors(ctx context.Context, generation string, chunkIDs []string) (map[string][]float32, error) {
	out := make(map[string][]float32, len(chunkIDs))
	for ids := range slices.Chunk(chunkIDs, maxSQLVars) {
		args := []any{generation}
		for _, id := range ids {
			args = append(args, id)
		}
		rows, err := db.reader.QueryContext(ctx, `SELECT c.id, v.vec FROM chunks c
			JOIN chunk_vectors v ON v.chunk_rowid = c.rowid AND v.content_hash = c.content_hash
			WHERE v.generation = ? AND c.id IN (`+placeholders(len(ids))+`)`, args...)
		if err != nil {
			return nil, friendly(err)
		}
		for rows.Next() {
			var id string
			var blob sql.RawBytes
			if err := rows.Scan(&id, &blob); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = decode(blob)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, friendly(err)
		}
	}
	return out, nil
}

// missingVector is true for a chunk "c" without a current vector of the
// generation bound to its placeholder.
const missingVector = `NOT EXISTS (SELECT 1 FROM chunk_vectors v
	WHERE v.chunk_rowid = c.rowid AND v.generation = ? AND v.content_hash = c.content_hash)`

// ChunksWithoutVectors implements store.Store: in rowid order (roughly the
// order chunks were indexed), every chunk when limit <= 0. Archived chunks
// are included: a search may ask for them.
func (db *DB) ChunksWithoutVectors(ctx context.Context, generation, source string, limit int) ([]store.Chunk, error) {
	where, args := []string{missingVector}, []any{generation}
	if source != "" {
		where = append(where, "c.source = ?")
		args = append(args, source)
	}
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	args = append(args, limit)
	rows, err := db.reader.QueryContext(ctx, `SELECT `+chunkColumns+` FROM chunks c`+whereClause(where)+
		` ORDER BY c.rowid LIMIT ?`, args...)
	if err != nil {
		return nil, friendly(err)
	}
	defer rows.Close()
	var out []store.Chunk
	for rows.Next() {
		c, err := scanChunk(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, friendly(rows.Err())
}

// VectorStats implements store.Store. Both counts come from one snapshot.
func (db *DB) VectorStats(ctx context.Context, generation string) (store.VectorStats, error) {
	st := store.VectorStats{Generation: generation, Generations: map[string]int{}}
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return st, friendly(err)
	}
	defer tx.Rollback()
	var total int
	err = tx.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE `+missingVector+`) FROM chunks c`, generation).
		Scan(&total, &st.Missing)
	if err != nil {
		return st, friendly(err)
	}
	st.WithVector = total - st.Missing
	// Counted from the generation index alone (no vector is read).
	rows, err := tx.QueryContext(ctx, `SELECT generation, count(*) FROM chunk_vectors GROUP BY generation`)
	if err != nil {
		return st, friendly(err)
	}
	defer rows.Close()
	for rows.Next() {
		var g string
		var n int
		if err := rows.Scan(&g, &n); err != nil {
			return st, err
		}
		st.Generations[g] = n
	}
	return st, friendly(rows.Err())
}

// DropVectors implements store.Store.
func (db *DB) DropVectors(ctx context.Context, keep string) (int, error) {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM chunk_vectors WHERE ? = '' OR generation != ?`, keep, keep)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// Meta implements store.Store.
func (db *DB) Meta(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := db.reader.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, friendly(err)
	}
	return v, true, nil
}

// SetMeta implements store.Store. The keys the schema machinery keeps in
// meta (floors, migration records) are refused: overwriting a floor would
// lock other binaries out of, or into, a schema they cannot handle.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	if key == "" || key == "read_floor" || key == "write_floor" || strings.HasPrefix(key, "migrated_v") {
		return fmt.Errorf("meta key %q is reserved", key)
	}
	return db.write(ctx, func(tx *sql.Tx) error { return setMeta(ctx, tx, key, value) })
}

// unit returns v scaled to unit length, so that a dot product of two stored
// vectors is their cosine similarity. A zero vector stays zero (similarity 0
// to everything); NaN or infinite components are refused.
func unit(v []float32) ([]float32, error) {
	var ss float64
	for _, x := range v {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errors.New("vector has a NaN or infinite component")
		}
		ss += f * f
	}
	out := make([]float32, len(v))
	if ss == 0 {
		return out, nil
	}
	inv := 1 / math.Sqrt(ss)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out, nil
}

// encodeUnit normalises v and encodes it as little-endian float32, the
// layout sqlite-vec also reads, so the stored blobs stay usable by it.
func encodeUnit(v []float32) ([]byte, error) {
	u, err := unit(v)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 4*len(u))
	for i, x := range u {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b, nil
}

func decode(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// dot is the dot product of q and the encoded vector b (len(b) == 4*len(q)),
// decoding as it goes so no []float32 is allocated per candidate. Four
// independent sums let the CPU overlap the multiply-adds.
func dot(q []float32, b []byte) float32 {
	b = b[:4*len(q)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(q); i += 4 {
		qq := q[i : i+4 : i+4]
		bb := b[4*i : 4*i+16 : 4*i+16]
		s0 += qq[0] * math.Float32frombits(binary.LittleEndian.Uint32(bb[0:4]))
		s1 += qq[1] * math.Float32frombits(binary.LittleEndian.Uint32(bb[4:8]))
		s2 += qq[2] * math.Float32frombits(binary.LittleEndian.Uint32(bb[8:12]))
		s3 += qq[3] * math.Float32frombits(binary.LittleEndian.Uint32(bb[12:16]))
	}
	for ; i < len(q); i++ {
		s0 += q[i] * math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return (s0 + s1) + (s2 + s3)
}

type scored struct {
	rowid int64
	score float32
}

// worse orders candidates for the heap: lower score first, and on a tie the
// higher rowid, so results are deterministic.
func worse(a, b scored) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.rowid > b.rowid
}

// topK keeps the k best candidates in a min-heap whose root is the worst
// kept one: a candidate that does not beat the root costs one comparison.
type topK struct {
	k int
	h []scored
}

func (t *topK) push(rowid int64, score float32) {
	s := scored{rowid, score}
	if len(t.h) < t.k {
		t.h = append(t.h, s)
		for i := len(t.h) - 1; i > 0; {
			p := (i - 1) / 2
			if !worse(t.h[i], t.h[p]) {
				break
			}
			t.h[i], t.h[p] = t.h[p], t.h[i]
			i = p
		}
		return
	}
	if !worse(t.h[0], s) {
		return
	}
	t.h[0] = s
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(t.h) && worse(t.h[l], t.h[m]) {
			m = l
		}
		if r < len(t.h) && worse(t.h[r], t.h[m]) {
			m = r
		}
		if m == i {
			break
		}
		t.h[i], t.h[m] = t.h[m], t.h[i]
		i = m
	}
}

// sorted returns the kept candidates best first.
func (t *topK) sorted() []scored {
	out := slices.Clone(t.h)
	slices.SortFunc(out, func(a, b scored) int {
		switch {
		case worse(b, a):
			return -1
		case worse(a, b):
			return 1
		}
		return 0
	})
	return out
}
