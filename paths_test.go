package memtomem_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
)

// A home reached through a symlink (macOS, Dropbox), and a memory directory
// that is itself a symlink: every memory is one file and one result,
// however the store is reached, and deleting it leaves nothing behind.
func TestSymlinkedPathsIndexOneCopy(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  func(t *testing.T) (cfg config.Config, realMemories, linkMemories string)
	}{
		{"home is a symlink", func(t *testing.T) (config.Config, string, string) {
			root := realTempDir(t)
			real := filepath.Join(root, "Dropbox", "memtomem")
			mustMkdir(t, real)
			link := filepath.Join(root, "home-link")
			mustSymlink(t, real, link)
			return config.Default(link), filepath.Join(real, "memories"), filepath.Join(link, "memories")
		}},
		{"memory dir is a symlink", func(t *testing.T) (config.Config, string, string) {
			root := realTempDir(t)
			real := filepath.Join(root, "synced", "memories")
			mustMkdir(t, real)
			link := filepath.Join(root, "memories-link")
			mustSymlink(t, real, link)
			cfg := config.Default(filepath.Join(root, "home"))
			cfg.Indexing.MemoryDirs = []string{link}
			return cfg, real, link
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			cfg, realDir, linkDir := tc.cfg(t)
			m, err := memtomem.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()

			res := add(t, m, memtomem.AddRequest{Content: "the staging database password rotates monthly"})
			if filepath.Dir(res.File) != realDir {
				t.Errorf("memory saved to %s, want it keyed under the real directory %s", res.File, realDir)
			}
			// Every way of indexing the same folder: no arguments (the memory
			// dirs), the real path, the link path, and the file via the link.
			for _, paths := range [][]string{nil, {realDir}, {linkDir}, {filepath.Join(linkDir, filepath.Base(res.File))}} {
				if _, err := m.Index(ctx, memtomem.IndexRequest{Paths: paths, Recursive: true}); err != nil {
					t.Fatalf("Index(%v): %v", paths, err)
				}
			}
			if got := searchContents(t, m, memtomem.SearchRequest{Query: "staging password"}); len(got) != 1 {
				t.Fatalf("search found %d copies of the memory, want 1: %q", len(got), got)
			}
			st, err := m.Status(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Files != 1 || st.Chunks != 1 {
				t.Fatalf("status counts %d files, %d chunks; want 1 and 1", st.Files, st.Chunks)
			}

			if _, err := m.Delete(ctx, res.ChunkIDs[0]); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if got := searchContents(t, m, memtomem.SearchRequest{Query: "staging password"}); len(got) != 0 {
				t.Fatalf("after delete, search still finds %q (a ghost copy)", got)
			}
			if _, err := m.Index(ctx, memtomem.IndexRequest{Paths: []string{linkDir}, Recursive: true}); err != nil {
				t.Fatal(err)
			}
			if st, _ := m.Status(ctx); st.Chunks != 0 {
				t.Fatalf("after delete and re-index, %d chunks remain", st.Chunks)
			}
		})
	}
}

// An explicit file given through the link's spelling is the same file as
// the day file; a symlink inside the memory directory that leads out of it
// is not a way to write outside.
func TestExplicitFileThroughSymlink(t *testing.T) {
	ctx := context.Background()
	root := realTempDir(t)
	real := filepath.Join(root, "real")
	mustMkdir(t, real)
	link := filepath.Join(root, "link")
	mustSymlink(t, real, link)
	m, err := memtomem.Open(ctx, config.Default(link))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	res := add(t, m, memtomem.AddRequest{Content: "first note", File: filepath.Join(link, "memories", "notes.md")})
	if want := filepath.Join(real, "memories", "notes.md"); res.File != want {
		t.Errorf("file = %s, want %s", res.File, want)
	}
	outside := filepath.Join(root, "outside")
	mustMkdir(t, outside)
	mustSymlink(t, outside, filepath.Join(real, "memories", "escape"))
	_, err = m.Add(ctx, memtomem.AddRequest{Content: "sneaky", File: "escape/x.md"})
	if memtomem.KindOf(err) != memtomem.KindInvalid {
		t.Fatalf("add through a symlink leading outside the memory dir: %v, want an invalid-input error", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "x.md")); !os.IsNotExist(err) {
		t.Fatalf("a file was written outside the memory directory")
	}
}

func realTempDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustMkdir(t *testing.T, d string) {
	t.Helper()
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
