package index

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
)

// A store written by a version that keyed files as spelled holds a ghost
// copy of every memory under the symlinked spelling. Indexing the file, or
// the folder, under that spelling now drops the ghost and keeps one copy
// under the canonical path.
func TestIndexingDropsNonCanonicalCopies(t *testing.T) {
	ctx := context.Background()
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(root, "real")
	link := filepath.Join(root, "link")
	write(t, filepath.Join(real, "a.md"), "# A\n\nhedgehogs hibernate\n")
	write(t, filepath.Join(real, "sub", "b.md"), "# B\n\nbadgers dig setts\n")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.md", "sub/b.md"} {
		t.Run(name, func(t *testing.T) {
			ix := newIndexer(t)
			ghost := filepath.Join(link, name)
			// What the old code stored: the file under its link spelling.
			if _, _, err := ix.Store.ReplaceFile(ctx, store.Always, func() (store.File, []store.Chunk, error) {
				return store.File{Path: ghost, Namespace: "default", SHA256: "old"}, []store.Chunk{{Source: ghost, Content: "ghost", ContentHash: "g"}}, nil
			}); err != nil {
				t.Fatal(err)
			}
			if name == "a.md" {
				if _, err := ix.IndexFile(ctx, ghost, FileOptions{}); err != nil {
					t.Fatal(err)
				}
			} else if _, err := ix.IndexPaths(ctx, []string{link}, Options{Recursive: true}); err != nil {
				t.Fatal(err)
			}
			files, err := ix.Store.Files(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if f.Path == ghost {
					t.Fatalf("the ghost %s is still indexed: %+v", ghost, files)
				}
			}
			if _, known, _ := ix.Store.FileState(ctx, filepath.Join(real, name)); !known {
				t.Fatalf("%s is not indexed under its canonical path", name)
			}
		})
	}
}
