package index

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/chunk"
	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/store/sqlite"
)

func newIndexer(t *testing.T) *Indexer {
	t.Helper()
	return indexerOn(t, filepath.Join(t.TempDir(), "m.db"))
}

// indexerOn opens its own handle on the database at dbPath; two of them on
// one path behave as two processes do.
func indexerOn(t testing.TB, dbPath string) *Indexer {
	t.Helper()
	db, err := sqlite.Open(context.Background(), dbPath, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &Indexer{Store: db, Chunking: chunk.DefaultOptions(), MaxFileBytes: 1 << 10, Exclude: []string{"*.log", "drafts/**"}}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sources(t *testing.T, ix *Indexer) []string {
	t.Helper()
	files, err := ix.Store.Files(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		out = append(out, filepath.Base(f.Path))
	}
	return out
}

func TestWalkSkipsWhatItShould(t *testing.T) {
	ix := newIndexer(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "keep.md"), "# Keep\n\nindexed text")
	write(t, filepath.Join(dir, "code.go"), "package x\n\nfunc F() {}\n")
	write(t, filepath.Join(dir, ".env"), "TOKEN=secret")
	write(t, filepath.Join(dir, "server.pem"), "cert")
	write(t, filepath.Join(dir, "innocent.txt"), "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n")
	write(t, filepath.Join(dir, "blob.md"), "binary\x00data")
	write(t, filepath.Join(dir, "huge.md"), strings.Repeat("big ", 400))
	write(t, filepath.Join(dir, "app.log"), "log line")
	write(t, filepath.Join(dir, "drafts", "wip.md"), "draft")
	write(t, filepath.Join(dir, ".git", "HEAD"), "ref")
	write(t, filepath.Join(dir, "node_modules", "x", "README.md"), "dependency")
	write(t, filepath.Join(dir, "image.png"), "png")
	// A symlink loop must not hang the walk.
	if err := os.Symlink(dir, filepath.Join(dir, "loop")); err != nil {
		t.Fatal(err)
	}

	st, err := ix.IndexPaths(context.Background(), []string{dir}, Options{Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	got := sources(t, ix)
	want := []string{"code.go", "keep.md"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("indexed %v, want %v", got, want)
	}
	for reason, n := range map[string]int{SkipSecret: 3, SkipBinary: 1, SkipTooLarge: 1, SkipExcluded: 1, SkipType: 1} {
		if st.FilesSkipped[reason] != n {
			t.Errorf("skipped[%s] = %d, want %d (all: %v)", reason, st.FilesSkipped[reason], n, st.FilesSkipped)
		}
	}
}

func TestIncrementalAndRemoval(t *testing.T) {
	ix := newIndexer(t)
	ctx := context.Background()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.md"), "# A\n\none")
	write(t, filepath.Join(dir, "b.md"), "# B\n\ntwo")
	if _, err := ix.IndexPaths(ctx, []string{dir}, Options{Recursive: true}); err != nil {
		t.Fatal(err)
	}
	st, _ := ix.IndexPaths(ctx, []string{dir}, Options{Recursive: true})
	if st.FilesUnchanged != 2 || st.FilesIndexed != 0 {
		t.Errorf("second run: %+v", st)
	}
	// Emptied file: its chunks go, the file stays known.
	write(t, filepath.Join(dir, "a.md"), "")
	os.Remove(filepath.Join(dir, "b.md"))
	st, _ = ix.IndexPaths(ctx, []string{dir}, Options{Recursive: true})
	if st.FilesRemoved != 1 || st.ChunksDeleted != 2 {
		t.Errorf("after emptying a and deleting b: %+v", st)
	}
	hits, _ := ix.Store.KeywordSearch(ctx, store.KeywordQuery{Phrases: []store.Phrase{{Words: []string{"one"}}, {Words: []string{"two"}}}, Limit: 10})
	if len(hits) != 0 {
		t.Errorf("stale chunks still searchable: %v", hits)
	}
}

// A file that changes between the unchanged-check and the write
// transaction: the store ends up matching the file on disk.
func TestIndexFileSeesLatestContent(t *testing.T) {
	ix := newIndexer(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "race.md")
	write(t, path, "# R\n\nfirst version")
	ix.Store = &hookStore{Store: ix.Store, before: func() { write(t, path, "# R\n\nsecond version") }}
	if _, err := ix.IndexFile(ctx, path, FileOptions{}); err != nil {
		t.Fatal(err)
	}
	hits, _ := ix.Store.KeywordSearch(ctx, store.KeywordQuery{Phrases: []store.Phrase{{Words: []string{"second"}}}, Limit: 10})
	if len(hits) != 1 {
		t.Errorf("the store does not hold the latest content")
	}
}

// hookStore runs before once, right before the first ReplaceFile or
// ReplaceFiles: after the indexer looked at the disk, before its write
// transaction, which is where another process's change can land.
type hookStore struct {
	store.Store
	before func()
	done   bool
}

func (h *hookStore) ReplaceFile(ctx context.Context, mode store.ReplaceMode, build func() (store.File, []store.Chunk, error)) (store.Diff, []store.Chunk, error) {
	if !h.done {
		h.done = true
		h.before()
	}
	return h.Store.ReplaceFile(ctx, mode, build)
}

func (h *hookStore) ReplaceFiles(ctx context.Context, mode store.ReplaceMode, builds []func() (store.File, []store.Chunk, error)) ([]store.Replaced, error) {
	if !h.done {
		h.done = true
		h.before()
	}
	return h.Store.ReplaceFiles(ctx, mode, builds)
}

// A file in a memory directory is never skipped as binary: a NUL written
// into it by hand must not take its other entries out of the index. The
// bad bytes are replaced in the index. Elsewhere a NUL still means binary.
func TestMemoryFileWithNULIsIndexed(t *testing.T) {
	ctx := context.Background()
	ix := newIndexer(t)
	mem, other := t.TempDir(), t.TempDir()
	ix.MemoryDirs = []string{mem}
	day := filepath.Join(mem, "2026-11-26.md")
	write(t, day, "## A\n\n> id: a1\n\nfirst\n\n## B\n\n> id: b1\n\nbad \x00 byte\x1b\n\n## C\n\n> id: c1\n\nthird\n")
	res, err := ix.IndexFile(ctx, day, FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	byEntry := map[string]string{}
	for _, c := range res.Chunks {
		byEntry[c.EntryID] = c.Content
	}
	if len(byEntry) != 3 || byEntry["b1"] != "## B\n\nbad \uFFFD byte\uFFFD" || byEntry["c1"] != "## C\n\nthird" {
		t.Errorf("chunks by entry: %q", byEntry)
	}
	bin := filepath.Join(other, "notes.md")
	write(t, bin, "# N\n\nbad \x00 byte\n")
	if _, err := ix.IndexFile(ctx, bin, FileOptions{}); err == nil || !strings.Contains(err.Error(), "binary") {
		t.Errorf("non-memory file with NUL: %v, want skipped as binary", err)
	}
}
