//go:build sqlitevec

package sqlite

// The sqlite-vec side of BenchmarkDense (see vectors_bench_test.go). It is
// behind a build tag because importing modernc.org/sqlite/vec installs the
// extension on every connection the test binary opens, which under -race
// made the ordinary tests of this package 100 times slower (TestSchemaGate:
// 0.1 s → 10 s).
//
//	go test -tags sqlitevec -run='^$' -bench=Dense -benchtime=100x ./internal/store/sqlite/

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/store"

	_ "modernc.org/sqlite/vec" // sqlite-vec on every connection opened by this test binary
)

func init() {
	denseVariants = append(denseVariants,
		denseVariant{"sqlvec", denseSQLVec},
		denseVariant{"vec0", denseVec0},
		denseVariant{"vec0meta", denseVec0Meta},
	)
	benchSetupVec0 = setupVec0
}

// setupVec0 copies the fixture's vectors into a vec0 table under the
// chunks' rowids, with the namespace as a metadata column so that an
// equality filter can run inside the KNN.
func setupVec0(b *testing.B, db *DB, all []store.Chunk, vecs [][]float32) {
	ctx := context.Background()
	before := dbBytes(b, db)
	start := time.Now()
	if _, err := db.writer.Exec(fmt.Sprintf(`CREATE VIRTUAL TABLE bench_vec0 USING vec0(
		embedding float[%d] distance_metric=cosine, namespace text)`, benchDim)); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(all); i += 64 {
		err := db.write(ctx, func(tx *sql.Tx) error {
			for j := i; j < min(i+64, len(all)); j++ {
				if _, err := tx.Exec(`INSERT INTO bench_vec0(rowid, embedding, namespace)
					SELECT rowid, ?, namespace FROM chunks WHERE id = ?`, blobOf(vecs[j]), all[j].ID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("n=%d: vec0 table %v (+%.1f MB)", len(all), time.Since(start).Round(time.Millisecond),
		float64(dbBytes(b, db)-before)/1e6)
}

// denseSQLVec scores chunk_vectors with sqlite-vec inside the SELECT; the
// filters are in the same WHERE, so they apply before the LIMIT.
func denseSQLVec(ctx context.Context, db *DB, q store.DenseQuery) ([]store.Hit, error) {
	where, args := filterSQL(q.Filter)
	where = append([]string{"+v.generation = ?", "v.content_hash = c.content_hash"}, where...)
	args = append([]any{blobOf(q.Vector), q.Generation}, args...)
	args = append(args, q.Limit)
	return rankedQuery(ctx, db, `SELECT v.chunk_rowid, 1 - vec_distance_cosine(v.vec, ?) AS score
		FROM chunk_vectors v JOIN chunks c ON c.rowid = v.chunk_rowid`+whereClause(where)+
		` ORDER BY score DESC LIMIT ?`, args...)
}

// denseVec0 runs vec0 KNN; chunk filters can only be applied to the k
// nearest afterwards, so a filtered query returns fewer than k hits.
func denseVec0(ctx context.Context, db *DB, q store.DenseQuery) ([]store.Hit, error) {
	where, args := filterSQL(q.Filter)
	args = append([]any{blobOf(q.Vector), q.Limit}, args...)
	return rankedQuery(ctx, db, `SELECT c.rowid, 1 - knn.distance FROM (
			SELECT rowid, distance FROM bench_vec0 WHERE embedding MATCH ? AND k = ?
		) knn JOIN chunks c ON c.rowid = knn.rowid`+whereClause(where)+` ORDER BY knn.distance`, args...)
}

// denseVec0Meta pushes a single-namespace equality filter into the vec0 KNN
// through its metadata column, which fills k; tags, globs, the archive
// exclusion, source and time filters have no such path.
func denseVec0Meta(ctx context.Context, db *DB, q store.DenseQuery) ([]store.Hit, error) {
	knn := `SELECT rowid, distance FROM bench_vec0 WHERE embedding MATCH ? AND k = ?`
	args := []any{blobOf(q.Vector), q.Limit}
	if len(q.Filter.Namespaces) == 1 {
		knn += ` AND namespace = ?`
		args = append(args, q.Filter.Namespaces[0])
	}
	return rankedQuery(ctx, db, `SELECT knn.rowid, 1 - knn.distance FROM (`+knn+`) knn ORDER BY knn.distance`, args...)
}
