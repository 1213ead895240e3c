package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
)

// The dense index of one handle must follow what another handle on the same
// file (another process, as far as SQLite can tell: data_version is per
// connection) adds, edits, deletes, re-tags and embeds late, on the very
// next query: never a deleted or edited chunk, never one a filter now
// excludes, and nothing new missed. The store spans several rowid buckets,
// so changes land both in the top bucket and below it.
func TestDenseIndexFollowsAnotherHandle(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	open := func() *DB {
		db, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	writer, searcher := open(), open()

	// 2,500 far chunks (60°–85° from the query) fill three buckets; a few
	// near ones (≤ 20°) are what the searches are about.
	filler := make([]store.Chunk, 2500)
	fillerVecs := make([][]float32, len(filler))
	for i := range filler {
		filler[i] = chunk(fmt.Sprintf("far%04d", i))
		fillerVecs[i] = vecAt(60 + float64(i%26))
	}
	early := store.File{Path: "/n/early.md", Namespace: "default", SHA256: "1"}
	_, first, err := replace(writer, early, append([]store.Chunk{chunk("near10"), chunk("near15"), chunk("unembedded")}, filler...)...)
	if err != nil {
		t.Fatal(err)
	}
	put(t, writer, gen, append(first[:2:2], first[3:]...), append([][]float32{vecAt(10), vecAt(15)}, fillerVecs...)...)

	top := func(limit int, f store.Filter) []string {
		t.Helper()
		return hitTexts(dense(t, searcher, store.DenseQuery{Limit: limit, Filter: f}))
	}
	want := func(step string, got []string, want ...string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Fatalf("%s: searcher found %v, want %v", step, got, want)
		}
	}
	want("first load", top(2, store.Filter{}), "near10", "near15")

	// Added in another file: the new chunk is the closest.
	late := store.File{Path: "/n/late.md", Namespace: "default", SHA256: "1"}
	_, added, err := replace(writer, late, chunk("near5"))
	if err != nil {
		t.Fatal(err)
	}
	put(t, writer, gen, added, vecAt(5))
	want("after an add", top(3, store.Filter{}), "near5", "near10", "near15")

	// Edited: the newest chunk's text changes, which deletes its row and
	// inserts one (SQLite hands the freed top rowid to the new row), and
	// the new text is embedded far away.
	late.SHA256 = "2"
	_, edited, err := replace(writer, late, chunk("near5 edited"))
	if err != nil {
		t.Fatal(err)
	}
	put(t, writer, gen, edited, vecAt(89))
	want("after an edit", top(2, store.Filter{}), "near10", "near15")
	if got := top(1, store.Filter{Namespaces: []string{"default"}, SourceGlob: "/n/late.md"}); !slices.Equal(got, []string{"near5 edited"}) {
		t.Fatalf("the edited chunk is searchable under its new text: %v", got)
	}

	// Deleted low in the store (the first bucket): gone from results.
	early.SHA256 = "2"
	_, kept, err := replace(writer, early, append([]store.Chunk{chunk("near15"), chunk("unembedded")}, filler...)...)
	if err != nil {
		t.Fatal(err)
	}
	want("after a delete", top(1, store.Filter{}), "near15")

	// Embedded late: a chunk stored long ago gets its vector now.
	for _, c := range kept {
		if c.Content == "unembedded" {
			put(t, writer, gen, []store.Chunk{c}, vecAt(1))
		}
	}
	want("after a late embedding", top(2, store.Filter{}), "unembedded", "near15")

	// Re-filed: the same text moves to an archive namespace (its row is
	// updated in place, its vector untouched). The default view hides it;
	// naming the archive finds it.
	moved := append([]store.Chunk{chunk("near15"), chunk("unembedded")}, filler...)
	moved[1].Namespace = "archive:old"
	early.SHA256 = "3"
	if _, _, err := replace(writer, early, moved...); err != nil {
		t.Fatal(err)
	}
	want("after archiving", top(1, store.Filter{}), "near15")
	want("archive by name", top(1, store.Filter{Namespaces: []string{"archive:*"}}), "unembedded")

	// The whole file goes: only the edited far chunk is left.
	if _, err := writer.DeleteFile(ctx, early.Path); err != nil {
		t.Fatal(err)
	}
	want("after deleting the file", top(5, store.Filter{IncludeArchive: true}), "near5 edited")
}

// A query of another generation rebuilds the index for it, and a
// dimension that does not match says so.
func TestDenseIndexGenerationSwitch(t *testing.T) {
	db, _ := openTemp(t)
	_, cs, err := replace(db, store.File{Path: "/g.md", Namespace: "default"}, chunk("a"), chunk("b"))
	if err != nil {
		t.Fatal(err)
	}
	put(t, db, gen, cs, vecAt(0), vecAt(30))
	if got := hitTexts(dense(t, db, store.DenseQuery{Limit: 2})); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("first generation: %v", got)
	}
	put(t, db, "other/model/2", cs, []float32{0, 1}, []float32{1, 0})
	if got := hitTexts(dense(t, db, store.DenseQuery{Generation: "other/model/2", Vector: []float32{1, 0}, Limit: 2})); !slices.Equal(got, []string{"b", "a"}) {
		t.Fatalf("second generation: %v", got)
	}
	if got := hitTexts(dense(t, db, store.DenseQuery{Generation: "none/model/4", Limit: 2})); len(got) != 0 {
		t.Fatalf("a generation with no vectors found %v", got)
	}
	_, err = db.DenseSearch(context.Background(), store.DenseQuery{Generation: "other/model/2", Vector: e1, Limit: 2})
	if err == nil {
		t.Fatal("a 4-dimensional query of a 2-dimensional generation was answered")
	}
}
