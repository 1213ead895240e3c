package sqlite

import (
	"context"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
)

func entryChunk(entryID, content string) store.Chunk {
	c := chunk(content)
	c.EntryID = entryID
	return c
}

func ids(chunks []store.Chunk) []string {
	out := make([]string, len(chunks))
	for i, c := range chunks {
		out[i] = c.ID
	}
	return out
}

// Chunk ids are derived from where and what a chunk is, so a fresh store
// (mm reset) indexing the same file gives every chunk the id it had; and
// they are unique store-wide even for a copied file, duplicate entry ids in
// one file, and identical chunks.
func TestDerivedChunkIDs(t *testing.T) {
	ctx := context.Background()
	file := func(path string) store.File { return store.File{Path: path, Namespace: "default", SHA256: "1"} }
	body := []store.Chunk{
		entryChunk("e1", "alpha"),
		entryChunk("e1", "alpha"), // identical chunk, same entry
		entryChunk("e2", "alpha"), // same text, other entry
		entryChunk("e2", "alpha"), // a second entry with the id e2 (copied by hand)
		chunk("alpha"),            // outside any entry
	}
	db1, _ := openTemp(t)
	_, first, err := replace(db1, file("/m/2026-01-01.md"), clone(body)...)
	if err != nil {
		t.Fatal(err)
	}
	_, copied, err := replace(db1, file("/m/copy.md"), clone(body)...)
	if err != nil {
		t.Fatalf("a copied file must index beside the original: %v", err)
	}
	all := map[string]bool{}
	for _, id := range append(ids(first), ids(copied)...) {
		if all[id] {
			t.Fatalf("id %s given twice: %v %v", id, ids(first), ids(copied))
		}
		if !store.IsChunkID(id) {
			t.Fatalf("id %q is not 16 lowercase hex digits", id)
		}
		all[id] = true
	}

	db2, _ := openTemp(t) // the store after mm reset
	_, again, err := replace(db2, file("/m/2026-01-01.md"), clone(body)...)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(again), ids(first); !equal(got, want) {
		t.Errorf("a rebuilt store gave other ids: %v, want %v", got, want)
	}

	// Editing one chunk, adding one above and removing one keeps the ids of
	// every chunk whose text did not change; delete-before-insert lets a
	// chunk that comes back take its old id within one transaction.
	_, next, err := replace(db1, file("/m/2026-01-01.md"),
		entryChunk("e0", "new on top"), body[0], body[1], entryChunk("e2", "alpha edited"), body[3], body[4])
	if err != nil {
		t.Fatal(err)
	}
	if next[1].ID != first[0].ID || next[2].ID != first[1].ID || next[5].ID != first[4].ID {
		t.Errorf("unchanged chunks changed ids: %v, before %v", ids(next), ids(first))
	}
	// The second e2 "alpha" is now the first: it takes the id the first had.
	if next[4].ID != first[2].ID {
		t.Errorf("e2 alpha: %s, want %s", next[4].ID, first[2].ID)
	}
	if err := db1.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

func clone(c []store.Chunk) []store.Chunk { return append([]store.Chunk(nil), c...) }

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A store written before ids were derived holds random ids: the first
// re-index re-keys those rows in place (same text), so they keep their
// vectors, and ids are derived from then on.
func TestLegacyRandomIDsAreRekeyed(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	f := store.File{Path: "/m/a.md", Namespace: "default", SHA256: "1"}
	if _, _, err := replace(db, f, chunk("alpha"), chunk("beta")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.writer.ExecContext(ctx, `UPDATE chunks SET id = 'legacy' || rowid`); err != nil {
		t.Fatal(err)
	}
	var rowid int64
	if err := db.writer.QueryRowContext(ctx, `SELECT rowid FROM chunks WHERE content = 'alpha'`).Scan(&rowid); err != nil {
		t.Fatal(err)
	}
	d, got, err := replace(db, f, chunk("alpha"), chunk("beta"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Unchanged != 2 || d.Indexed != 0 || d.Deleted != 0 {
		t.Errorf("re-key diff %+v, want 2 unchanged", d)
	}
	want := make([]store.Chunk, 2)
	copy(want, got)
	store.AssignIDs(f.Path, want)
	if got[0].ID != want[0].ID || got[1].ID != want[1].ID {
		t.Errorf("ids after re-key %v, want derived %v", ids(got), ids(want))
	}
	var after int64
	if err := db.writer.QueryRowContext(ctx, `SELECT rowid FROM chunks WHERE id = ?`, got[0].ID).Scan(&after); err != nil || after != rowid {
		t.Errorf("row of alpha: %d, was %d (%v): re-keying must keep the row and its vector", after, rowid, err)
	}
}

// Should a derived id already belong to another file's chunk (a 64-bit
// collision; here forced by hand), the chunk still gets indexed, under a
// salted id, and gets the same one when indexed again.
func TestDerivedIDCollision(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	probe := []store.Chunk{chunk("alpha")}
	store.AssignIDs("/m/b.md", probe)
	if _, _, err := replace(db, store.File{Path: "/m/a.md", Namespace: "default", SHA256: "1"}, chunk("other")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.writer.ExecContext(ctx, `UPDATE chunks SET id = ?`, probe[0].ID); err != nil {
		t.Fatal(err)
	}
	fb := store.File{Path: "/m/b.md", Namespace: "default", SHA256: "1"}
	_, got, err := replace(db, fb, chunk("alpha"))
	if err != nil {
		t.Fatalf("a colliding id must not fail the index: %v", err)
	}
	if got[0].ID == probe[0].ID || !store.IsChunkID(got[0].ID) {
		t.Fatalf("id %q, want a salted 16-hex id other than %q", got[0].ID, probe[0].ID)
	}
	_, again, err := replace(db, fb, chunk("alpha"))
	if err != nil || again[0].ID != got[0].ID {
		t.Fatalf("re-index after collision: %v %v, want the same salted id %s", ids(again), err, got[0].ID)
	}
}
