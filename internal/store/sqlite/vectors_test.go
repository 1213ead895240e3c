package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/vector"
)

func TestDenseSearchRanksByCosineAndFiltersBeforeLimit(t *testing.T) {
	db, _ := openTemp(t)
	created := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	mk := func(content, ns string, tags ...string) store.Chunk {
		return store.Chunk{Content: content, ContentHash: content, Namespace: ns, Tags: tags,
			Hierarchy: []string{"Notes", content}, StartLine: 1, EndLine: 2, EntryID: "e-" + content, CreatedAt: created}
	}
	// Namespace "work" holds the closest vectors, "home" the farthest: a
	// filter applied after the top-k cut would find no "home" chunk.
	_, work, err := replace(db, store.File{Path: "/n/work.md", Namespace: "work", SHA256: "w"},
		mk("w10", "work", "go"), mk("w20", "work"), mk("w30", "work", "go"), mk("w40", "work"))
	if err != nil {
		t.Fatal(err)
	}
	_, home, err := replace(db, store.File{Path: "/n/home.md", Namespace: "home", SHA256: "h"},
		mk("h80", "home"), mk("h70", "home", "go"), mk("h60", "home"), mk("h170", "home"))
	if err != nil {
		t.Fatal(err)
	}
	_, arch, err := replace(db, store.File{Path: "/n/old.md", Namespace: "archive:2024", SHA256: "a"}, mk("a0", "archive:2024"))
	if err != nil {
		t.Fatal(err)
	}
	// Lengths other than 1 are normalised away: only the angle matters.
	put(t, db, gen, work, vecAt(10), vecAt(20), scale(vecAt(30), 7), vecAt(40))
	put(t, db, gen, home, vecAt(80), vecAt(70), scale(vecAt(60), 0.1), vecAt(170))
	put(t, db, gen, arch, vecAt(0))

	hits := dense(t, db, store.DenseQuery{Limit: 3})
	if got := hitTexts(hits); !slices.Equal(got, []string{"w10", "w20", "w30"}) {
		t.Errorf("top 3 = %v (archive hidden by default)", got)
	}
	for i, want := range []float64{10, 20, 30} {
		if d := hits[i].Score - math.Cos(want*math.Pi/180); math.Abs(d) > 1e-5 {
			t.Errorf("hit %d score %.6f, want cos(%v°)", i, hits[i].Score, want)
		}
	}
	h := hits[0].Chunk
	if h.ID != work[0].ID || h.Source != "/n/work.md" || h.Namespace != "work" || !slices.Equal(h.Tags, []string{"go"}) ||
		!slices.Equal(h.Hierarchy, []string{"Notes", "w10"}) || h.EntryID != "e-w10" || !h.CreatedAt.Equal(created) ||
		h.ContentHash != "w10" || h.StartLine != 1 || h.EndLine != 2 || h.UpdatedAt.IsZero() {
		t.Errorf("hit chunk not fully populated: %+v", h)
	}

	for _, tc := range []struct {
		name   string
		filter store.Filter
		limit  int
		want   []string
	}{
		{"namespace fills k", store.Filter{Namespaces: []string{"home"}}, 3, []string{"h60", "h70", "h80"}},
		{"glob", store.Filter{Namespaces: []string{"ho*"}}, 1, []string{"h60"}},
		{"tags", store.Filter{Tags: []string{"go"}}, 5, []string{"w10", "w30", "h70"}},
		{"source", store.Filter{SourceGlob: "/n/home*"}, 2, []string{"h60", "h70"}},
		{"archive by name", store.Filter{Namespaces: []string{"archive:*"}}, 5, []string{"a0"}},
		{"include archive", store.Filter{IncludeArchive: true}, 2, []string{"a0", "w10"}},
		{"since excludes all", store.Filter{Since: created.Add(time.Hour)}, 5, nil},
		{"until keeps all", store.Filter{Until: created.Add(time.Hour)}, 2, []string{"w10", "w20"}},
		{"worst last", store.Filter{}, 100, []string{"w10", "w20", "w30", "w40", "h60", "h70", "h80", "h170"}},
	} {
		if got := hitTexts(dense(t, db, store.DenseQuery{Filter: tc.filter, Limit: tc.limit})); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := dense(t, db, store.DenseQuery{}); len(got) != 8 {
		t.Errorf("default limit: %d hits", len(got))
	}
	if _, err := db.DenseSearch(context.Background(), store.DenseQuery{Generation: gen, Vector: []float32{1, 0}}); err == nil ||
		!strings.Contains(err.Error(), "4-dimensional") {
		t.Errorf("query of the wrong dimension: %v", err)
	}
	if got := dense(t, db, store.DenseQuery{Generation: "other/model/4"}); len(got) != 0 {
		t.Errorf("unknown generation: %v", hitTexts(got))
	}
}

func scale(v []float32, f float32) []float32 {
	out := make([]float32, len(v))
	for i := range v {
		out[i] = v[i] * f
	}
	return out
}

// A delete made with foreign keys off (the sqlite3 shell, say) leaves an
// orphan vector; when SQLite reuses the rowid for a new chunk, the content
// hash keeps the orphan from passing as that chunk's vector, and Check
// reports the orphan while it has no chunk.
func TestOrphanVectorIsNeverServed(t *testing.T) {
	db, path := openTemp(t)
	ctx := context.Background()
	_, cs, err := replace(db, store.File{Path: "/o.md", Namespace: "default"}, chunk("first"), chunk("last"))
	if err != nil {
		t.Fatal(err)
	}
	put(t, db, gen, cs, vecAt(30), e1)
	raw, err := sql.Open("sqlite", path) // no foreign_keys pragma: off
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`DELETE FROM chunks WHERE id = ?`, cs[1].ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Check(ctx); err == nil || !strings.Contains(err.Error(), "chunk_vectors") {
		t.Errorf("Check should report the orphan vector: %v", err)
	}
	// The deleted chunk had the highest rowid, so the next chunk reuses it.
	_, cs2, err := replace(db, store.File{Path: "/p.md", Namespace: "default"}, chunk("reborn"))
	if err != nil {
		t.Fatal(err)
	}
	var rowid int64
	db.reader.QueryRow(`SELECT rowid FROM chunks WHERE id = ?`, cs2[0].ID).Scan(&rowid)
	var orphan int
	db.reader.QueryRow(`SELECT count(*) FROM chunk_vectors WHERE chunk_rowid = ?`, rowid).Scan(&orphan)
	if orphan != 1 {
		t.Skip("SQLite did not reuse the rowid; nothing to check")
	}
	if got := hitTexts(dense(t, db, store.DenseQuery{Limit: 10})); !slices.Equal(got, []string{"first"}) {
		t.Errorf("an orphan vector was served for a new chunk: %v", got)
	}
	if v, _ := db.Vectors(ctx, gen, []string{cs2[0].ID}); len(v) != 0 {
		t.Error("Vectors returned the orphan")
	}
	if m, _, _ := db.ChunksWithoutVectors(ctx, gen, "/p.md", 0, 10); len(m) != 1 {
		t.Errorf("the new chunk should need a vector: %v", m)
	}
	put(t, db, gen, cs2, e1)
	if got := hitTexts(dense(t, db, store.DenseQuery{Limit: 1})); !slices.Equal(got, []string{"reborn"}) {
		t.Errorf("after re-embedding: %v", got)
	}
}

func TestChunksWithoutVectorsAndDropVectors(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	_, a, _ := replace(db, store.File{Path: "/a.md", Namespace: "default"}, chunk("a1"), chunk("a2"), chunk("a3"))
	_, b, _ := replace(db, store.File{Path: "/b.md", Namespace: "archive:x"}, chunk("b1"), chunk("b2"))
	put(t, db, gen, a[1:2], e1)

	all, _, err := db.ChunksWithoutVectors(ctx, gen, "", 0, 0)
	if err != nil || !slices.Equal(contents(all), []string{"a1", "a3", "b1", "b2"}) {
		t.Errorf("all missing (archived included, rowid order): %v %v", contents(all), err)
	}
	// Pages follow on from the position the previous one returned, without
	// repeating a chunk or leaving one out.
	got, next, _ := db.ChunksWithoutVectors(ctx, gen, "", 0, 2)
	if !slices.Equal(contents(got), []string{"a1", "a3"}) {
		t.Errorf("limit 2: %v", contents(got))
	}
	if got, next, _ = db.ChunksWithoutVectors(ctx, gen, "", next, 2); !slices.Equal(contents(got), []string{"b1", "b2"}) {
		t.Errorf("second page: %v", contents(got))
	}
	if got, _, _ = db.ChunksWithoutVectors(ctx, gen, "", next, 2); len(got) != 0 {
		t.Errorf("past the end: %v", contents(got))
	}
	if got, _, _ := db.ChunksWithoutVectors(ctx, gen, "/b.md", 0, 10); !slices.Equal(contents(got), []string{"b1", "b2"}) {
		t.Errorf("one source: %v", contents(got))
	}

	put(t, db, "g2/m/4", b, e1, e1)
	put(t, db, "g3/m/4", a[:1], e1)
	if n, err := db.DropVectors(ctx, gen); err != nil || n != 3 {
		t.Errorf("DropVectors(keep %s) = %d, %v; want 3", gen, n, err)
	}
	st, _ := db.VectorStats(ctx, gen)
	if !maps.Equal(st.Generations, map[string]int{gen: 1}) || st.WithVector != 1 || st.Missing != 4 {
		t.Errorf("after drop: %+v", st)
	}
	if n, err := db.DropVectors(ctx, ""); err != nil || n != 1 {
		t.Errorf("DropVectors(\"\") = %d, %v", n, err)
	}
	if st, _ := db.VectorStats(ctx, ""); len(st.Generations) != 0 || st.Missing != 5 {
		t.Errorf("after dropping all: %+v", st)
	}
}

func contents(cs []store.Chunk) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Content)
	}
	return out
}

func TestMetaRoundTrip(t *testing.T) {
	db, path := openTemp(t)
	ctx := context.Background()
	if v, ok, err := db.Meta(ctx, "embedding_generation"); err != nil || ok || v != "" {
		t.Fatalf("unset key: %q %v %v", v, ok, err)
	}
	for _, v := range []string{"openai/text-embedding-3-small/1536", "ollama/nomic/768", ""} {
		if err := db.SetMeta(ctx, "embedding_generation", v); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := db.Meta(ctx, "embedding_generation"); err != nil || !ok || got != v {
			t.Errorf("Meta = %q %v %v, want %q", got, ok, err, v)
		}
	}
	for _, k := range []string{"write_floor", "read_floor", "migrated_v9", ""} {
		if err := db.SetMeta(ctx, k, "1"); err == nil {
			t.Errorf("SetMeta(%q) should be refused", k)
		}
	}
	db.SetMeta(ctx, "k", "persisted")
	db.Close()
	db2, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if v, _, _ := db2.Meta(ctx, "k"); v != "persisted" {
		t.Errorf("after reopen: %q", v)
	}
}

// A v1 store (written before vectors existed) is migrated in place: its
// chunks stay, chunk_vectors appears, the floors stay at 1 so v1 binaries
// keep writing (up to v3), and what a v1 binary deletes takes its vectors
// along.
func TestMigrateFromV1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	real := SchemaVersion
	t.Cleanup(func() { SchemaVersion = real })

	SchemaVersion = 1
	v1, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := store.File{Path: "/old.md", Namespace: "default", SHA256: "1"}
	_, old, err := replace(v1, f, chunk("from v1"), chunk("also v1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := v1.Reset(ctx); err != nil { // must not touch the table v1 lacks
		t.Fatalf("Reset on a v1 schema: %v", err)
	}
	_, old, _ = replace(v1, f, chunk("from v1"), chunk("also v1"))
	var n int
	v1.reader.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'chunk_vectors'`).Scan(&n)
	if n != 0 || v1.Schema() != 1 {
		t.Fatalf("v1 schema has chunk_vectors=%d, version %d", n, v1.Schema())
	}
	// Built to behave like v1, this code finds no vectors and stores none.
	if st, err := v1.VectorStats(ctx, gen); err != nil || st.Missing != 2 || st.WithVector != 0 {
		t.Errorf("VectorStats on v1: %+v %v", st, err)
	}
	if hits, err := v1.DenseSearch(ctx, store.DenseQuery{Generation: gen, Vector: e1}); err != nil || len(hits) != 0 {
		t.Errorf("DenseSearch on v1: %v %v", hits, err)
	}
	if _, err := v1.PutVectors(ctx, gen, []store.ChunkVector{{ChunkID: old[0].ID, ContentHash: old[0].ContentHash, Vector: e1}}); err == nil {
		t.Error("PutVectors on a v1 schema should fail")
	}
	v1.Close()

	// v3 is the newest schema a v1 binary may still write (v4's triggers
	// call a function it lacks; TestMigrateToWords).
	SchemaVersion = 3
	v2, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v2.Schema() != 3 || v2.ReadOnly() {
		t.Fatalf("after migration: schema %d, read-only %v", v2.Schema(), v2.ReadOnly())
	}
	if hits, _ := v2.KeywordSearch(ctx, store.KeywordQuery{Phrases: []store.Phrase{{Words: []string{"v1"}}}, Limit: 5}); len(hits) != 2 {
		t.Errorf("v1 chunks lost in migration: %v", hits)
	}
	floors := map[string]string{}
	rows, _ := v2.reader.Query(`SELECT key, value FROM meta WHERE key IN ('read_floor', 'write_floor', 'migrated_v2')`)
	for rows.Next() {
		var k, v string
		rows.Scan(&k, &v)
		floors[k] = v
	}
	rows.Close()
	if floors["read_floor"] != "1" || floors["write_floor"] != "1" || floors["migrated_v2"] == "" {
		t.Errorf("meta after migration: %v", floors)
	}
	put(t, v2, gen, old, e1, vecAt(45))
	if got := hitTexts(dense(t, v2, store.DenseQuery{Limit: 5})); !slices.Equal(got, []string{"from v1", "also v1"}) {
		t.Errorf("dense search on the migrated store: %v", got)
	}
	if err := v2.Check(ctx); err != nil {
		t.Fatal(err)
	}
	v2.Close()

	// A v1 binary on the v2 store: writable (write floor 1), and when it
	// replaces a chunk whose text changed, the vector goes with the chunk.
	SchemaVersion = 1
	again, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.ReadOnly() {
		t.Fatalf("v1 on a v2 store is read-only: %s", again.ReadOnlyReason())
	}
	f.SHA256 = "2"
	if _, _, err := replace(again, f, chunk("from v1"), chunk("rewritten by v1")); err != nil {
		t.Fatal(err)
	}
	again.Close()
	SchemaVersion = real
	v2, err = Open(ctx, path, Options{}) // and on to the newest schema
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Close()
	st, _ := v2.VectorStats(ctx, gen)
	if st.Generations[gen] != 1 || st.WithVector != 1 || st.Missing != 1 {
		t.Errorf("after a v1 rewrite: %+v; want the edited chunk's vector deleted", st)
	}
	if err := v2.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// The scoring function runs on zero-copy views of SQLite's buffers; many
// searches at once on the reader pool must each see their own.
func TestDenseSearchConcurrent(t *testing.T) {
	db, _ := openTemp(t)
	var cs []store.Chunk
	var vecs [][]float32
	for i := range 40 {
		cs = append(cs, chunk("c"+itoa(i)))
		vecs = append(vecs, vecAt(float64(i*4)))
	}
	_, stored, err := replace(db, store.File{Path: "/c.md", Namespace: "default"}, cs...)
	if err != nil {
		t.Fatal(err)
	}
	put(t, db, gen, stored, vecs...)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				// Worker w asks for the vector at angle 4w: chunk c<w> first.
				hits, err := db.DenseSearch(context.Background(), store.DenseQuery{Generation: gen, Vector: vecAt(float64(4 * w)), Limit: 3})
				if err != nil {
					errs <- err
					return
				}
				if len(hits) != 3 || hits[0].Content != "c"+itoa(w) || hits[0].Score < 0.99999 {
					errs <- errors.New("worker " + itoa(w) + " got " + strings.Join(hitTexts(hits), ","))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// blobOf encodes v as stored, without normalising it.
func blobOf(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func TestDotBytes(t *testing.T) {
	for _, dim := range []int{1, 3, 4, 5, 17, 384} {
		a, b := make([]float32, dim), make([]float32, dim)
		var want float64
		for i := range a {
			a[i], b[i] = float32(i%7)-3, float32(i%5)*0.5
			want += float64(a[i]) * float64(b[i])
		}
		if got := vector.DotBytes(blobOf(a), blobOf(b)); math.Abs(float64(got)-want) > 1e-3 {
			t.Errorf("dim %d: %v, want %v", dim, got, want)
		}
	}
}
