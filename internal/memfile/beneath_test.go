package memfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/memtomem/memtomem/internal/coord"
)

// snapshot is every name and content below dir, to show nothing changed.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		b, _ := os.ReadFile(p)
		out[p] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A memory file or folder swapped for a symlink to outside the memory
// directory in the instant after every check passed (afterCheck) is not
// written through: the write is refused with ErrOutsideRoots and nothing
// outside is changed or created.
func TestWritesNeverFollowALinkSwappedInAfterTheCheck(t *testing.T) {
	for name, c := range map[string]struct {
		file string                          // below the memory directory
		seed bool                            // the file exists before the write
		swap func(mem, outside, file string) // run between the check and the write
	}{
		"day file swapped for a link to a file outside": {
			file: "2026-01-01.md", seed: true,
			swap: func(mem, outside, file string) {
				os.Remove(file)
				os.Symlink(filepath.Join(outside, "bashrc"), file)
			},
		},
		"new day file appearing as a link to a name outside": {
			file: "2026-01-02.md",
			swap: func(mem, outside, file string) {
				os.Symlink(filepath.Join(outside, "planted.md"), file)
			},
		},
		"folder swapped for a link to a folder outside": {
			file: "work/2026-01-01.md", seed: true,
			swap: func(mem, outside, file string) {
				os.Rename(filepath.Join(mem, "work"), filepath.Join(mem, "moved"))
				os.Symlink(outside, filepath.Join(mem, "work"))
			},
		},
		"new folder appearing as a link to a folder outside": {
			file: "fresh/2026-01-01.md",
			swap: func(mem, outside, file string) {
				os.Symlink(outside, filepath.Join(mem, "fresh"))
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			base, err := filepath.EvalSymlinks(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			mem, outside := filepath.Join(base, "memories"), filepath.Join(base, "outside")
			os.MkdirAll(mem, 0o700)
			os.MkdirAll(outside, 0o700)
			os.WriteFile(filepath.Join(outside, "bashrc"), []byte("export PATH=/usr/bin\n"), 0o644)
			os.WriteFile(filepath.Join(outside, "2026-01-01.md"), []byte("# not a memory file\n"), 0o644)
			file := filepath.Join(mem, c.file)
			w := &Writer{Locks: coord.NewFileLocks(filepath.Join(base, "run")), Roots: []string{mem}}
			if c.seed {
				appendBody(t, w, file, "an earlier memory")
			}
			before := snapshot(t, outside)

			afterCheck = func(string) { c.swap(mem, outside, file) }
			t.Cleanup(func() { afterCheck = nil })
			_, _, err = w.Append(context.Background(), file, Entry{Body: "written through a swapped-in link"})
			afterCheck = nil
			if !errors.Is(err, ErrOutsideRoots) {
				t.Errorf("append: %v, want ErrOutsideRoots", err)
			}
			after := snapshot(t, outside)
			if len(after) != len(before) {
				t.Errorf("files were created outside: %v, before %v", after, before)
			}
			for p, b := range before {
				if after[p] != b {
					t.Errorf("%s outside changed: %q, was %q", p, after[p], b)
				}
			}
		})
	}
}
