package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/store"
)

func testReplaceFileKeepsIDs(t *testing.T, h Harness) {
	db, _ := h.open(t)
	ctx := context.Background()
	f := store.File{Path: "/notes/a.md", Namespace: "default", SHA256: "1"}
	d, in, err := Replace(db, f, Chunk("alpha"), Chunk("beta"), Chunk("beta"))
	if err != nil || d != (store.Diff{Indexed: 3}) {
		t.Fatalf("first replace: %+v %v", d, err)
	}
	ids := []string{in[0].ID, in[1].ID, in[2].ID}
	if ids[1] == ids[2] {
		t.Fatal("identical chunks must get distinct ids")
	}
	d, next, err := Replace(db, f, Chunk("beta"), Chunk("gamma"), Chunk("alpha"))
	if err != nil || d != (store.Diff{Indexed: 1, Unchanged: 2, Deleted: 1}) {
		t.Fatalf("second replace: %+v %v", d, err)
	}
	if next[0].ID != ids[1] || next[2].ID != ids[0] {
		t.Errorf("unchanged chunks changed ids: %v -> %v", ids, []string{next[0].ID, next[2].ID})
	}
	hits, err := db.KeywordSearch(ctx, store.KeywordQuery{Phrases: Words("gamma"), Limit: 5})
	if err != nil || len(hits) != 1 || hits[0].ID != next[1].ID {
		t.Errorf("search gamma: %+v %v", hits, err)
	}
	if c, err := db.Chunk(ctx, next[1].ID); err != nil || c.Content != "gamma" || c.Source != f.Path {
		t.Errorf("Chunk(%s) = %+v, %v", next[1].ID, c, err)
	}
	if _, err := db.Chunk(ctx, ids[1]+"x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Chunk of an unknown id: %v, want ErrNotFound", err)
	}
	// A failing build aborts the whole transaction.
	boom := errors.New("unreadable")
	if _, _, err := db.ReplaceFile(ctx, store.Always, func() (store.File, []store.Chunk, error) { return f, nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("build error not returned: %v", err)
	}
	if hits, _ := db.KeywordSearch(ctx, store.KeywordQuery{Phrases: Words("gamma"), Limit: 5}); len(hits) != 1 {
		t.Error("a failed build changed the stored chunks")
	}
	if err := db.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// FileState remembers what was indexed, and IfChanged leaves a file alone
// only while both its hash and its namespace are what the store holds.
func testChangeDetection(t *testing.T, h Harness) {
	db, _ := h.open(t)
	ctx := context.Background()
	if _, ok, err := db.FileState(ctx, "/n/a.md"); ok || err != nil {
		t.Fatalf("FileState of an unknown file: ok %v, %v", ok, err)
	}
	mod := time.Date(2026, 5, 4, 3, 2, 1, 123456789, time.UTC)
	f := store.File{Path: "/n/a.md", Size: 42, ModTime: mod, SHA256: "h1", Namespace: "default"}
	if _, _, err := Replace(db, f, Chunk("first version")); err != nil {
		t.Fatal(err)
	}
	got, ok, err := db.FileState(ctx, f.Path)
	if err != nil || !ok || got.Size != f.Size || !got.ModTime.Equal(mod) || got.SHA256 != f.SHA256 || got.Namespace != f.Namespace {
		t.Fatalf("FileState = %+v, %v, %v; want what was stored: %+v", got, ok, err, f)
	}
	ifChanged := func(f store.File, content string) (store.Diff, []store.Chunk) {
		t.Helper()
		d, cs, err := db.ReplaceFile(ctx, store.IfChanged, func() (store.File, []store.Chunk, error) {
			return f, []store.Chunk{{Content: content, ContentHash: content, Namespace: f.Namespace}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return d, cs
	}
	if d, cs := ifChanged(f, "second version"); d != (store.Diff{}) || len(cs) != 0 {
		t.Errorf("same hash and namespace: %+v, %d chunks; want nothing written", d, len(cs))
	}
	if hits, _ := db.KeywordSearch(ctx, store.KeywordQuery{Phrases: Words("first"), Limit: 5}); len(hits) != 1 {
		t.Error("an unchanged file was rewritten")
	}
	f.SHA256 = "h2"
	if d, _ := ifChanged(f, "second version"); d.Indexed != 1 || d.Deleted != 1 {
		t.Errorf("new hash: %+v; want the file rewritten", d)
	}
	f.Namespace = "work"
	if d, cs := ifChanged(f, "second version"); d.Indexed+d.Unchanged != 1 || len(cs) != 1 || cs[0].Namespace != "work" {
		t.Errorf("same hash, new namespace: %+v %+v; want the file rewritten in its new namespace", d, cs)
	}
	if files, err := db.Files(ctx, "/n/"); err != nil || len(files) != 1 || files[0].SHA256 != "h2" || files[0].Namespace != "work" {
		t.Errorf("Files(/n/) = %+v, %v", files, err)
	}
	if files, _ := db.Files(ctx, "/m/"); len(files) != 0 {
		t.Errorf("Files(/m/) = %+v; want none", files)
	}
}

// A deleted file leaves the index, by DeleteFile or by a build that finds
// it gone.
func testForgetting(t *testing.T, h Harness) {
	db, _ := h.open(t)
	ctx := context.Background()
	a := store.File{Path: "/n/a.md", SHA256: "a", Namespace: "default"}
	b := store.File{Path: "/n/b.md", SHA256: "b", Namespace: "default"}
	if _, _, err := Replace(db, a, Chunk("apple one"), Chunk("apple two")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Replace(db, b, Chunk("banana")); err != nil {
		t.Fatal(err)
	}
	if n, err := db.DeleteFile(ctx, a.Path); err != nil || n != 2 {
		t.Fatalf("DeleteFile = %d, %v; want its 2 chunks", n, err)
	}
	if _, ok, _ := db.FileState(ctx, a.Path); ok {
		t.Error("a deleted file is still known")
	}
	if hits, _ := db.KeywordSearch(ctx, store.KeywordQuery{Phrases: Words("apple"), Limit: 5}); len(hits) != 0 {
		t.Errorf("a deleted file's chunks are still found: %v", Texts(hits))
	}
	if n, err := db.DeleteFile(ctx, "/n/never.md"); err != nil || n != 0 {
		t.Errorf("DeleteFile of an unknown file = %d, %v; want 0, nil", n, err)
	}
	d, _, err := db.ReplaceFile(ctx, store.IfChanged, func() (store.File, []store.Chunk, error) {
		return store.File{Path: b.Path, Gone: true}, nil, nil
	})
	if err != nil || !d.Forgotten || d.Deleted != 1 {
		t.Fatalf("a Gone build: %+v, %v; want the file forgotten with its chunk", d, err)
	}
	st, err := db.Stats(ctx)
	if err != nil || st.Files != 0 || st.Chunks != 0 {
		t.Errorf("Stats after forgetting everything: %+v, %v", st, err)
	}
	if err := db.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// Two handles (two processes, on a network backend two hosts) replace one
// file again and again at once: the file ends with exactly one version's
// chunks, never a mix and never a doubled chunk.
func testConcurrentReplace(t *testing.T, h Harness) {
	first, loc := h.open(t)
	handles := []store.DB{first, h.reopen(t, loc)}
	ctx := context.Background()
	const path, rounds = "/n/shared.md", 15
	var wg sync.WaitGroup
	errs := make(chan error, len(handles)*rounds)
	for w, db := range handles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				v := fmt.Sprintf("w%dv%d", w, i)
				f := store.File{Path: path, SHA256: v, Namespace: "default"}
				// Two chunks shared by every version, one of its own: ids
				// are kept and replaced at once.
				if _, _, err := Replace(db, f, Chunk("common head"), Chunk("version "+v), Chunk("common tail")); err != nil {
					errs <- fmt.Errorf("writer %d round %d: %w", w, i, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	f, ok, err := first.FileState(ctx, path)
	if err != nil || !ok {
		t.Fatalf("FileState: %v %v", ok, err)
	}
	for _, db := range handles {
		cs, err := db.List(ctx, store.ListQuery{Source: path, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, c := range cs {
			texts = append(texts, c.Content)
		}
		if len(cs) != 3 || !slices.Contains(texts, "version "+f.SHA256) || !slices.Contains(texts, "common head") || !slices.Contains(texts, "common tail") {
			t.Fatalf("after concurrent replaces the file holds %q; want the 3 chunks of version %s", texts, f.SHA256)
		}
	}
	if err := first.Check(ctx); err != nil {
		t.Fatal(err)
	}
}
