package fspath

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Beneath opens what lies inside its folder, links inside included, and
// refuses with ErrEscapes every way out: a link to a file or a folder
// outside, and a path that is not below it at all. (ErrEscapes rests on
// os.Root's message; this fails if a Go release rewords it.)
func TestBeneathRefusesEveryWayOut(t *testing.T) {
	base := realTemp(t)
	dir, outside := filepath.Join(base, "dir"), filepath.Join(base, "outside")
	os.MkdirAll(filepath.Join(dir, "sub"), 0o700)
	os.MkdirAll(outside, 0o700)
	os.WriteFile(filepath.Join(dir, "sub", "in.md"), []byte("inside"), 0o600)
	os.WriteFile(filepath.Join(outside, "out.md"), []byte("outside"), 0o600)
	os.Symlink("sub/in.md", filepath.Join(dir, "near.md"))
	os.Symlink(filepath.Join(outside, "out.md"), filepath.Join(dir, "far.md"))
	os.Symlink("../outside", filepath.Join(dir, "away"))

	b, err := OpenBeneath(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, p := range []string{filepath.Join(dir, "sub", "in.md"), filepath.Join(dir, "near.md")} {
		if got, err := b.ReadFile(p); err != nil || string(got) != "inside" {
			t.Errorf("read %s: %q, %v", p, got, err)
		}
	}
	for _, p := range []string{filepath.Join(dir, "far.md"), filepath.Join(dir, "away", "out.md"), filepath.Join(outside, "out.md")} {
		if got, err := b.ReadFile(p); !errors.Is(err, ErrEscapes) {
			t.Errorf("read %s: %q, %v, want ErrEscapes", p, got, err)
		}
	}
	if _, err := b.Sub(filepath.Join(dir, "away")); !errors.Is(err, ErrEscapes) {
		t.Errorf("a linked folder out opened as a sub-root: %v", err)
	}
}
