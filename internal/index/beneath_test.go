package index

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/memtomem/memtomem/internal/fspath"
)

// A file or folder swapped for a symlink to outside the allowed folder in
// the instant between the checks on its path and its open (beforeOpen) is
// not read: nothing outside becomes searchable and the file is reported as
// a link out of the folder.
func TestReadsNeverFollowALinkSwappedInAfterTheCheck(t *testing.T) {
	swapFile := func(notes, outside string) (string, func()) {
		victim := filepath.Join(notes, "a.md")
		return victim, func() {
			os.Remove(victim)
			os.Symlink(filepath.Join(outside, "a.md"), victim)
		}
	}
	swapDirAt := func(victim string) func(notes, outside string) (string, func()) {
		return func(notes, outside string) (string, func()) {
			return filepath.Join(notes, victim), func() {
				os.Rename(filepath.Join(notes, "sub"), filepath.Join(notes, "moved"))
				os.Symlink(outside, filepath.Join(notes, "sub"))
			}
		}
	}
	swapDir := swapDirAt("sub/b.md")
	for name, c := range map[string]struct {
		swap  func(notes, outside string) (victim string, do func())
		paths func(notes string) []string
		roots bool // confined to notes, as for an agent
		// refused: the path itself led out by the time it was opened, so
		// the whole request fails (rather than one file being skipped).
		refused bool
	}{
		"walk, file swapped":               {swap: swapFile, paths: func(n string) []string { return []string{n} }},
		"walk, folder swapped":             {swap: swapDir, paths: func(n string) []string { return []string{n} }},
		"agent's walk, its folder swapped": {swap: swapDirAt("sub"), paths: func(n string) []string { return []string{filepath.Join(n, "sub")} }, roots: true, refused: true},
		"agent's file, folder swapped":     {swap: swapDir, paths: func(n string) []string { return []string{filepath.Join(n, "sub", "b.md")} }, roots: true},
		"user's own file, file swapped":    {swap: swapFile, paths: func(n string) []string { return []string{filepath.Join(n, "a.md")} }},
	} {
		t.Run(name, func(t *testing.T) {
			ix := newIndexer(t)
			base, err := filepath.EvalSymlinks(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			notes, outside := filepath.Join(base, "notes"), filepath.Join(base, "outside")
			write(t, filepath.Join(notes, "a.md"), "# A\n\nthe walrus note")
			write(t, filepath.Join(notes, "sub", "b.md"), "# B\n\nthe otter note")
			write(t, filepath.Join(outside, "a.md"), "# Secret\n\nthe aardvark passphrase")
			write(t, filepath.Join(outside, "b.md"), "# Secret\n\nthe aardvark token")
			victim, swap := c.swap(notes, outside)
			swapped := false
			beforeOpen = func(path string) {
				if path == victim && !swapped {
					swapped = true
					swap()
				}
			}
			t.Cleanup(func() { beforeOpen = nil })
			opts := Options{Recursive: true}
			if c.roots {
				opts.Roots = []string{notes}
			}
			st, err := ix.IndexPaths(context.Background(), c.paths(notes), opts)
			beforeOpen = nil
			if !swapped {
				t.Fatalf("the open of %s was never reached", victim)
			}
			if found(t, ix, "aardvark") {
				t.Errorf("a file outside the folder was indexed; files: %v", sources(t, ix))
			}
			switch {
			case c.refused:
				if !errors.Is(err, fspath.ErrEscapes) {
					t.Errorf("index of a folder swapped for a link out: %v, want a refusal", err)
				}
			case err != nil:
				t.Fatal(err)
			case st.FilesSkipped[SkipSymlinkOut] == 0:
				t.Errorf("the swapped file is not reported as a link out: %+v", st)
			}
		})
	}
}

// The watcher reads a changed path through the watched folder: a link
// planted there to a file or a folder outside is not indexed.
func TestWatcherDoesNotFollowPlantedLinks(t *testing.T) {
	ix := newIndexer(t)
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mem, outside := filepath.Join(base, "memories"), filepath.Join(base, "outside")
	write(t, filepath.Join(outside, "secret.md"), "# Secret\n\nthe aardvark passphrase")
	os.MkdirAll(mem, 0o700)
	os.Symlink(filepath.Join(outside, "secret.md"), filepath.Join(mem, "notes.md"))
	os.Symlink(outside, filepath.Join(mem, "linked"))
	for _, p := range []string{filepath.Join(mem, "notes.md"), filepath.Join(mem, "linked"), filepath.Join(mem, "linked", "secret.md")} {
		if err := ix.syncPath(context.Background(), p, []string{mem}); err != nil {
			t.Errorf("sync %s: %v", p, err)
		}
	}
	if found(t, ix, "aardvark") {
		t.Errorf("the watcher indexed a file outside the memory folder; files: %v", sources(t, ix))
	}
}
