// Package storetest is the conformance suite of the store contract: every
// backend runs Run against real stores of its kind (a SQLite file, a
// PostgreSQL database), so what the service relies on — ids kept, changes
// detected, files forgotten, one file replaced from two handles at once,
// filters applied before the limit, archives hidden, globs, vector
// generations and the stale-vector guard, the schema gate — holds whichever
// backend answers. The helpers are exported for the backends' own tests.
package storetest

import (
	"context"
	"math"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
)

// Harness is what a backend gives the suite.
type Harness struct {
	// New returns the location of a fresh, empty store for one test. The
	// suite opens it (more than once, for tests of two handles) with
	// store.Open.
	New func(t *testing.T) store.Location
	// SetSchema rewrites the closed store at loc as if a newer binary had
	// written it: schema version and the read and write floors it records.
	// Nil skips the schema gate.
	SetSchema func(t *testing.T, loc store.Location, version, readFloor, writeFloor int)
	// Snapshot returns the store's bytes (or any fingerprint that changes
	// with any write), for checking that a refused open changed nothing.
	// Nil skips that check.
	Snapshot func(t *testing.T, loc store.Location) string
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	for _, c := range []struct {
		name string
		run  func(*testing.T, Harness)
	}{
		{"ReplaceFileKeepsIDs", testReplaceFileKeepsIDs},
		{"ChangeDetection", testChangeDetection},
		{"Forgetting", testForgetting},
		{"ConcurrentReplaceFromTwoHandles", testConcurrentReplace},
		{"FiltersBeforeLimit", testFiltersBeforeLimit},
		{"ArchiveHidden", testArchiveHidden},
		{"ProjectScope", testProjectScope},
		{"Globs", testGlobs},
		{"CJK", testCJK},
		{"HeadingOutranksBody", testHeadingOutranksBody},
		{"VectorGenerationsNeverMix", testVectorGenerations},
		{"VectorsFollowChunkText", testVectorsFollowChunkText},
		{"SchemaGate", testSchemaGate},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, h) })
	}
}

// open opens a fresh store, closed when the test ends.
func (h Harness) open(t *testing.T) (store.DB, store.Location) {
	t.Helper()
	loc := h.New(t)
	return h.reopen(t, loc), loc
}

func (h Harness) reopen(t *testing.T, loc store.Location) store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), loc, store.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Chunk is a chunk of content in the default namespace, its hash the
// content itself.
func Chunk(content string) store.Chunk {
	return store.Chunk{Content: content, ContentHash: content, Namespace: "default"}
}

// Replace stores chunks as the whole content of file f.
func Replace(s store.Store, f store.File, chunks ...store.Chunk) (store.Diff, []store.Chunk, error) {
	return s.ReplaceFile(context.Background(), store.Always, func() (store.File, []store.Chunk, error) { return f, chunks, nil })
}

// Words is a keyword query for each word, OR-ed.
func Words(words ...string) []store.Phrase {
	out := make([]store.Phrase, len(words))
	for i, w := range words {
		out[i] = store.Phrase{Words: []string{w}}
	}
	return out
}

// Gen is the vector generation the helpers use: 4 dimensions.
const Gen = "test/model/4"

// E1 is the first unit vector of Gen's space.
var E1 = []float32{1, 0, 0, 0}

// VecAt is a 4-dimensional vector at angle deg from E1 in the e1/e2 plane,
// so its cosine similarity to E1 is cos(deg).
func VecAt(deg float64) []float32 {
	r := deg * math.Pi / 180
	return []float32{float32(math.Cos(r)), float32(math.Sin(r)), 0, 0}
}

// Put stores a vector for each chunk, failing unless all were stored.
func Put(t testing.TB, s store.Store, generation string, chunks []store.Chunk, vecs ...[]float32) {
	t.Helper()
	cv := make([]store.ChunkVector, len(chunks))
	for i, c := range chunks {
		cv[i] = store.ChunkVector{ChunkID: c.ID, ContentHash: c.ContentHash, Vector: vecs[i]}
	}
	n, err := s.PutVectors(context.Background(), generation, cv)
	if err != nil || n != len(cv) {
		t.Fatalf("PutVectors: stored %d of %d: %v", n, len(cv), err)
	}
}

// Dense runs a dense query, by default of Gen for E1.
func Dense(t testing.TB, s store.Store, q store.DenseQuery) []store.Hit {
	t.Helper()
	if q.Generation == "" {
		q.Generation = Gen
	}
	if q.Vector == nil {
		q.Vector = E1
	}
	hits, err := s.DenseSearch(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

// Texts are the hits' contents, in order.
func Texts(hits []store.Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Content)
	}
	return out
}
