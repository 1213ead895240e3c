package storetest

import (
	"context"
	"maps"
	"math"
	"slices"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
)

// Vectors of different generations (models, dimensions) are never mixed:
// a search sees its own generation only, and a chunk holds one vector.
func testVectorGenerations(t *testing.T, h Harness) {
	db, _ := h.open(t)
	ctx := context.Background()
	_, cs, err := Replace(db, store.File{Path: "/g.md", Namespace: "default"}, Chunk("one"), Chunk("two"), Chunk("three"))
	if err != nil {
		t.Fatal(err)
	}
	const other = "other/model/2"
	Put(t, db, Gen, cs[:2], VecAt(0), VecAt(50))
	Put(t, db, other, cs[2:], []float32{1, 0})

	if got := Texts(Dense(t, db, store.DenseQuery{Limit: 10})); !slices.Equal(got, []string{"one", "two"}) {
		t.Errorf("generation %s: %v", Gen, got)
	}
	if got := Texts(Dense(t, db, store.DenseQuery{Generation: other, Vector: []float32{0, 1}})); !slices.Equal(got, []string{"three"}) {
		t.Errorf("generation %s: %v", other, got)
	}
	vs, err := db.Vectors(ctx, Gen, []string{cs[0].ID, cs[1].ID, cs[2].ID, "nope"})
	if err != nil || len(vs) != 2 || !slices.Equal(vs[cs[0].ID], []float32{1, 0, 0, 0}) {
		t.Errorf("Vectors: %v %v", vs, err)
	}

	// A chunk holds one vector: storing another generation replaces it.
	Put(t, db, other, cs[:1], []float32{0, 1})
	st, err := db.VectorStats(ctx, Gen)
	if err != nil {
		t.Fatal(err)
	}
	want := store.VectorStats{Generation: Gen, WithVector: 1, Missing: 2, Generations: map[string]int{Gen: 1, other: 2}}
	if st.Generation != want.Generation || st.WithVector != want.WithVector || st.Missing != want.Missing || !maps.Equal(st.Generations, want.Generations) {
		t.Errorf("stats %+v, want %+v", st, want)
	}

	// One generation, one dimension; no NaN; a generation has a name.
	for name, vecs := range map[string][]store.ChunkVector{
		"another dimension": {{ChunkID: cs[2].ID, ContentHash: "three", Vector: []float32{1, 2}}},
		"mixed lengths": {{ChunkID: cs[1].ID, ContentHash: "two", Vector: []float32{1, 2, 3, 4}},
			{ChunkID: cs[2].ID, ContentHash: "three", Vector: []float32{1, 2, 3}}},
		"NaN": {{ChunkID: cs[2].ID, ContentHash: "three", Vector: []float32{float32(math.NaN()), 0, 0, 0}}},
	} {
		if _, err := db.PutVectors(ctx, Gen, vecs); err == nil {
			t.Errorf("PutVectors accepted vectors of %s", name)
		}
	}
	if _, err := db.PutVectors(ctx, "", []store.ChunkVector{{ChunkID: cs[2].ID, ContentHash: "three", Vector: E1}}); err == nil {
		t.Error("empty generation accepted")
	}
	if n, err := db.DropVectors(ctx, Gen); err != nil || n != 2 {
		t.Errorf("DropVectors keeping %s dropped %d, %v; want the 2 of %s", Gen, n, err, other)
	}
	if st, _ := db.VectorStats(ctx, Gen); !maps.Equal(st.Generations, map[string]int{Gen: 1}) {
		t.Errorf("after DropVectors: %+v", st.Generations)
	}
}

// A vector describes one text: it goes when the chunk's text changes or
// the chunk goes, it is refused when computed for text that changed
// meanwhile (the stale-vector guard), and it stays when the file is
// re-indexed around an unchanged chunk.
func testVectorsFollowChunkText(t *testing.T, h Harness) {
	db, _ := h.open(t)
	ctx := context.Background()
	f := store.File{Path: "/notes/a.md", Namespace: "default", SHA256: "1"}
	_, first, err := Replace(db, f, Chunk("keep"), Chunk("edit me"))
	if err != nil {
		t.Fatal(err)
	}
	Put(t, db, Gen, first, VecAt(0), VecAt(10))

	// The second entry is edited, a third appended.
	f.SHA256 = "2"
	_, second, err := Replace(db, f, Chunk("keep"), Chunk("edited"), Chunk("new"))
	if err != nil {
		t.Fatal(err)
	}
	if second[0].ID != first[0].ID {
		t.Fatal("unchanged chunk changed id")
	}
	vs, err := db.Vectors(ctx, Gen, []string{first[0].ID, first[1].ID, second[1].ID})
	if err != nil || len(vs) != 1 || vs[first[0].ID] == nil {
		t.Errorf("after the edit, only the unchanged chunk has a vector: %v %v", vs, err)
	}
	st, _ := db.VectorStats(ctx, Gen)
	if st.WithVector != 1 || st.Missing != 2 || st.Generations[Gen] != 1 {
		t.Errorf("stats after the edit: %+v (the old text's vector must be gone, not just hidden)", st)
	}
	missing, _, err := db.ChunksWithoutVectors(ctx, Gen, "", 0, 0)
	if err != nil || len(missing) != 2 || missing[0].Content != "edited" || missing[1].Content != "new" ||
		missing[0].Source != f.Path {
		t.Errorf("ChunksWithoutVectors: %+v %v", missing, err)
	}

	// A vector computed from the old text arrives late: skipped. So is one
	// for a chunk that no longer exists.
	n, err := db.PutVectors(ctx, Gen, []store.ChunkVector{
		{ChunkID: second[1].ID, ContentHash: "edit me", Vector: E1},
		{ChunkID: first[1].ID, ContentHash: "edit me", Vector: E1},
		{ChunkID: second[2].ID, ContentHash: "new", Vector: E1},
	})
	if err != nil || n != 1 {
		t.Errorf("stale PutVectors stored %d (want only the current one): %v", n, err)
	}
	if got := Texts(Dense(t, db, store.DenseQuery{Limit: 10})); !slices.Equal(got, []string{"keep", "new"}) {
		t.Errorf("search after stale put: %v", got)
	}

	if _, err := db.DeleteFile(ctx, f.Path); err != nil {
		t.Fatal(err)
	}
	if st, _ := db.VectorStats(ctx, Gen); st.Generations[Gen] != 0 {
		t.Errorf("vectors survived DeleteFile: %+v", st)
	}
	_, again, _ := Replace(db, f, Chunk("x"))
	Put(t, db, Gen, again, E1)
	if err := db.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := db.VectorStats(ctx, Gen); len(st.Generations) != 0 || st.WithVector != 0 || st.Missing != 0 {
		t.Errorf("vectors survived Reset: %+v", st)
	}
	if err := db.Check(ctx); err != nil {
		t.Fatal(err)
	}
}
