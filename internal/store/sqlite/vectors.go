package sqlite

import (
	"context"
	"errors"

	"github.com/memtomem/memtomem/internal/store"
)

// Placeholders until vector storage lands (see the hybrid-search work).

var errNoVectors = errors.New("vector storage not implemented yet")

func (db *DB) PutVectors(ctx context.Context, generation string, vecs []store.ChunkVector) (int, error) {
	return 0, errNoVectors
}
func (db *DB) DenseSearch(ctx context.Context, q store.DenseQuery) ([]store.Hit, error) {
	return nil, errNoVectors
}
func (db *DB) Vectors(ctx context.Context, generation string, ids []string) (map[string][]float32, error) {
	return nil, errNoVectors
}
func (db *DB) ChunksWithoutVectors(ctx context.Context, generation, source string, limit int) ([]store.Chunk, error) {
	return nil, errNoVectors
}
func (db *DB) VectorStats(ctx context.Context, generation string) (store.VectorStats, error) {
	return store.VectorStats{}, errNoVectors
}
func (db *DB) DropVectors(ctx context.Context, keep string) (int, error) { return 0, errNoVectors }
func (db *DB) Meta(ctx context.Context, key string) (string, bool, error) {
	return "", false, errNoVectors
}
func (db *DB) SetMeta(ctx context.Context, key, value string) error { return errNoVectors }
