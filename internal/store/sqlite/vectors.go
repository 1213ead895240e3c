package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/vector"
	"modernc.org/sqlite"
)

// Vector storage. Each chunk has at most one vector, a row of chunk_vectors
// keyed by the chunk's rowid: the generation (provider/model/dimension) it
// was computed with, the content hash of the text it was computed from, and
// the vector itself as little-endian float32, normalised to unit length.
//
// Dense search (densesearch.go) scans an in-memory int8 copy of these
// vectors (denseindex.go) and re-scores its best candidates exactly from
// these rows. Scanning the rows themselves with SQL, sqlite-vec's vec0
// tables and vec_distance_cosine were all measured against it: see
// docs/vector-storage.md and vectors_bench_test.go.
//
// Vectors never outlive the text they describe: ON DELETE CASCADE removes a
// chunk's vector with the chunk (ReplaceFile deletes a chunk whose text
// changed and inserts a new row), and every read also requires the stored
// content hash to equal the chunk's, which guards against a rowid reused
// after a delete made without foreign keys (say, by the sqlite3 shell).

// maxSQLVars bounds the ids bound in one IN (...) list.
const maxSQLVars = 500

// vectorSchema is the first schema version with chunk_vectors.
const vectorSchema = 2

// errNoVectorTable is returned by vector writes on a database whose schema
// predates vectors. Only a binary built to behave like a v1 release (the
// schema tests' schemaOverride=1) gets there; reads then find nothing.
var errNoVectorTable = errors.New("this store's schema has no vector table")

func (db *DB) hasVectors() bool { return db.schema >= vectorSchema }

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
	if !db.hasVectors() {
		return 0, errNoVectorTable
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

// Vectors implements store.Store. The vectors come back unit-length (they
// are stored that way), which is what cosine-based re-ranking needs.
func (db *DB) Vectors(ctx context.Context, generation string, chunkIDs []string) (map[string][]float32, error) {
	out := make(map[string][]float32, len(chunkIDs))
	if !db.hasVectors() {
		return out, nil
	}
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
// order chunks were indexed), every one past after when limit <= 0; the
// position is the last rowid returned. The rowid range is a seek on the
// table's key, so a page costs what it returns, whatever came before it: a
// backfill that asked for "the first missing" each time re-read every chunk
// already embedded, and was quadratic. Archived chunks are included: a
// search may ask for them.
func (db *DB) ChunksWithoutVectors(ctx context.Context, generation, source string, after int64, limit int) ([]store.Chunk, int64, error) {
	if !db.hasVectors() {
		return nil, after, nil // nothing could be stored anyway
	}
	where, args := []string{"c.rowid > ?", missingVector}, []any{after, generation}
	if source != "" {
		where = append(where, "c.source = ?")
		args = append(args, source)
	}
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := db.reader.QueryContext(ctx, `SELECT `+chunkColumns+`, c.rowid FROM chunks c`+whereClause(where)+
		` ORDER BY c.rowid LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, after, friendly(err)
	}
	defer rows.Close()
	var out []store.Chunk
	next := after
	for rows.Next() {
		c, err := scanChunk(rows, &next)
		if err != nil {
			return nil, after, friendly(err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, after, friendly(err)
	}
	return out, next, nil
}

// VectorStats implements store.Store. Both counts come from one snapshot.
func (db *DB) VectorStats(ctx context.Context, generation string) (store.VectorStats, error) {
	st := store.VectorStats{Generation: generation, Generations: map[string]int{}}
	if !db.hasVectors() {
		err := db.reader.QueryRowContext(ctx, `SELECT count(*) FROM chunks`).Scan(&st.Missing)
		return st, friendly(err)
	}
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
	if !db.hasVectors() {
		return 0, nil // nothing stored, so nothing to drop
	}
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

func decode(b []byte) []float32 { return vector.Decode(b) }

func encodeUnit(v []float32) ([]byte, error) { return vector.EncodeUnit(v) }

// dotFunc is the SQL name of the scoring function: the dot product of two
// encoded vectors of equal length, which for unit vectors is their cosine
// similarity.
//
// It is registered with VolatileArgs, so SQLite hands it views of its own
// buffers instead of a Go copy of each 1.5 KB blob: vector.DotBytes reads them and
// keeps nothing. Scoring inside the SELECT instead of returning every blob
// to Go through database/sql was 30% faster and allocated 28× less in the
// benchmark (docs/vector-storage.md). The registration is process-wide but
// only adds one function name to connections of the "sqlite" driver.
const dotFunc = "memtomem_dot"

func init() {
	sqlite.MustRegisterFunction(dotFunc, &sqlite.FunctionImpl{
		NArgs: 2, Deterministic: true, VolatileArgs: true,
		Scalar: func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			a, okA := args[0].([]byte)
			b, okB := args[1].([]byte)
			if !okA || !okB || len(a) != len(b) || len(a)%4 != 0 {
				return nil, errors.New(dotFunc + ": arguments must be vectors of the same length")
			}
			return float64(vector.DotBytes(a, b)), nil
		},
	})
}
