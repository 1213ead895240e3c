package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/vector"
)

// Vectors are stored as vector.EncodeUnit writes them (unit length,
// little-endian float32) and scored in this process with vector.DotBytes:
// Debian's PostgreSQL has no pgvector, and a scan in Go needs nothing from
// the server. A vector counts only while its content hash is its chunk's:
// one computed for text that changed since is never served.

// PutVectors implements store.Store.
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
		b, err := vector.EncodeUnit(v.Vector)
		if err != nil {
			return 0, fmt.Errorf("put vectors: chunk %s: %w", v.ChunkID, err)
		}
		blobs[i] = b
	}
	var stored int
	err := db.write(ctx, func(tx pgx.Tx) error {
		stored = 0
		var have int
		err := tx.QueryRow(ctx, `SELECT length(vec) FROM chunk_vectors WHERE generation = $1 LIMIT 1`, generation).Scan(&have)
		if err == nil && have != 4*dim {
			return fmt.Errorf("put vectors: generation %q stores %d-dimensional vectors, got %d", generation, have/4, dim)
		}
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		for i, v := range vecs {
			tag, err := tx.Exec(ctx, `INSERT INTO chunk_vectors(chunk_rid, generation, content_hash, vec)
				SELECT rid, $1, content_hash, $2 FROM chunks WHERE id = $3 AND content_hash = $4
				ON CONFLICT (chunk_rid) DO UPDATE SET generation = excluded.generation,
					content_hash = excluded.content_hash, vec = excluded.vec`, generation, blobs[i], v.ChunkID, v.ContentHash)
			if err != nil {
				return fmt.Errorf("put vector of chunk %s: %w", v.ChunkID, err)
			}
			stored += int(tag.RowsAffected())
		}
		return nil
	})
	return stored, err
}

// current is the condition that a vector v is its chunk c's.
const current = `v.chunk_rid = c.rid AND v.content_hash = c.content_hash`

// Vectors implements store.Store.
func (db *DB) Vectors(ctx context.Context, generation string, chunkIDs []string) (map[string][]float32, error) {
	out := make(map[string][]float32, len(chunkIDs))
	rows, err := db.pool.Query(ctx, `SELECT c.id, v.vec FROM chunks c JOIN chunk_vectors v ON `+current+`
		WHERE v.generation = $1 AND c.id = ANY($2)`, generation, chunkIDs)
	if err != nil {
		return nil, friendly(err, db.where)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var blob []byte
		if err := rows.Scan(&id, &blob); err != nil {
			return nil, err
		}
		out[id] = vector.Decode(blob)
	}
	return out, friendly(rows.Err(), db.where)
}

const missingVector = `NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE ` + current + ` AND v.generation = `

// ChunksWithoutVectors implements store.Store.
func (db *DB) ChunksWithoutVectors(ctx context.Context, generation, source string, after int64, limit int) ([]store.Chunk, int64, error) {
	var a args
	where := []string{"c.rid > " + a.add(after), missingVector + a.add(generation) + ")"}
	if source != "" {
		host, path := db.own(source)
		where = append(where, "c.host = "+a.add(host), "c.source = "+a.add(path))
	}
	q := `SELECT ` + chunkColumns + `, c.rid FROM chunks c` + whereClause(where) + ` ORDER BY c.rid`
	if limit > 0 {
		q += ` LIMIT ` + a.add(limit)
	}
	rows, err := db.pool.Query(ctx, q, a...)
	if err != nil {
		return nil, after, friendly(err, db.where)
	}
	defer rows.Close()
	var out []store.Chunk
	next := after
	for rows.Next() {
		c, err := db.scanChunk(rows, &next)
		if err != nil {
			return nil, after, friendly(err, db.where)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, after, friendly(err, db.where)
	}
	return out, next, nil
}

// VectorStats implements store.Store.
func (db *DB) VectorStats(ctx context.Context, generation string) (store.VectorStats, error) {
	st := store.VectorStats{Generation: generation, Generations: map[string]int{}}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return st, friendly(err, db.where)
	}
	defer tx.Rollback(ctx)
	var total int
	if err := tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE `+missingVector+`$1)) FROM chunks c`, generation).
		Scan(&total, &st.Missing); err != nil {
		return st, friendly(err, db.where)
	}
	st.WithVector = total - st.Missing
	rows, err := tx.Query(ctx, `SELECT generation, count(*) FROM chunk_vectors GROUP BY generation`)
	if err != nil {
		return st, friendly(err, db.where)
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
	return st, friendly(rows.Err(), db.where)
}

// DropVectors implements store.Store.
func (db *DB) DropVectors(ctx context.Context, keep string) (int, error) {
	var n int64
	err := db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM chunk_vectors WHERE $1 = '' OR generation <> $1`, keep)
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}

// DenseSearch implements store.Store: every current vector of the
// generation that passes the filter is scored here, and only the best
// Limit chunks are read.
func (db *DB) DenseSearch(ctx context.Context, q store.DenseQuery) ([]store.Hit, error) {
	if len(q.Vector) == 0 {
		return nil, errors.New("dense search: empty query vector")
	}
	query, err := vector.EncodeUnit(q.Vector)
	if err != nil {
		return nil, fmt.Errorf("dense search: query vector: %w", err)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return nil, friendly(err, db.where)
	}
	defer tx.Rollback(ctx)
	var a args
	where := append(filterSQL(q.Filter, &a), "v.generation = "+a.add(q.Generation))
	rows, err := tx.Query(ctx, `SELECT c.rid, v.vec FROM chunks c JOIN chunk_vectors v ON `+current+whereClause(where), a...)
	if err != nil {
		return nil, friendly(err, db.where)
	}
	top := vector.TopK{K: limit}
	for rows.Next() {
		var rid int64
		var blob []byte
		if err := rows.Scan(&rid, &blob); err != nil {
			rows.Close()
			return nil, err
		}
		if len(blob) != len(query) {
			rows.Close()
			return nil, fmt.Errorf("dense search: generation %q stores %d-dimensional vectors, the query has %d", q.Generation, len(blob)/4, len(q.Vector))
		}
		top.Offer(rid, vector.DotBytes(query, blob))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, friendly(err, db.where)
	}
	best := top.Best()
	scores := make([]scoredRow, len(best))
	for i, b := range best {
		scores[i] = scoredRow{rid: b.ID, score: float64(b.Score)}
	}
	return db.chunksByRid(ctx, tx, scores)
}

// scoredRow is a chunk's row id and score, carried until the final k.
type scoredRow struct {
	rid   int64
	score float64
}

// chunksByRid reads the chunks of rows, in rows' order, with their scores.
func (db *DB) chunksByRid(ctx context.Context, tx pgx.Tx, rows []scoredRow) ([]store.Hit, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.rid
	}
	res, err := tx.Query(ctx, `SELECT `+chunkColumns+`, c.rid FROM chunks c WHERE c.rid = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	byRid := make(map[int64]store.Chunk, len(rows))
	for res.Next() {
		var rid int64
		c, err := db.scanChunk(res, &rid)
		if err != nil {
			return nil, err
		}
		byRid[rid] = c
	}
	if err := res.Err(); err != nil {
		return nil, err
	}
	hits := make([]store.Hit, 0, len(rows))
	for _, r := range rows {
		if c, ok := byRid[r.rid]; ok {
			hits = append(hits, store.Hit{Chunk: c, Score: r.score})
		}
	}
	return hits, nil
}
