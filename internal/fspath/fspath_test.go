package fspath

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realTemp is a temp dir with its own symlinks resolved (on macOS t.TempDir
// itself lives under the /var → /private/var link).
func realTemp(t *testing.T) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Every spelling of one file — through a symlinked directory, through a
// symlinked file, relative, not created yet — has one canonical path.
func TestCanonicalOneSpellingPerFile(t *testing.T) {
	root := realTemp(t)
	real := filepath.Join(root, "real")
	if err := os.MkdirAll(filepath.Join(real, "memories"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(real, "memories", "2026-01-01.md")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	fileLink := filepath.Join(root, "note.md")
	if err := os.Symlink(file, fileLink); err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)

	for _, spelling := range []string{
		file,
		filepath.Join(link, "memories", "2026-01-01.md"),
		filepath.Join(link, "memories", "..", "memories", "2026-01-01.md"),
		"link/memories/2026-01-01.md",
		fileLink,
	} {
		if got := MustCanonical(mustAbs(t, spelling)); got != file {
			t.Errorf("Canonical(%s) = %s, want %s", spelling, got, file)
		}
	}

	// Not there yet: resolved through the nearest existing ancestor, so it
	// gives the answer it will give once created.
	future := filepath.Join(link, "memories", "new", "deeper", "2026-01-02.md")
	want := filepath.Join(real, "memories", "new", "deeper", "2026-01-02.md")
	before, _ := Canonical(future)
	if before != want {
		t.Errorf("Canonical of a missing file = %s, want %s", before, want)
	}
	if err := os.MkdirAll(filepath.Dir(want), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(want, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if after, _ := Canonical(future); after != before {
		t.Errorf("Canonical changed once the file exists: %s, then %s", before, after)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCanonicalGlob(t *testing.T) {
	root := realTemp(t)
	if err := os.Mkdir(filepath.Join(root, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "real"), filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		filepath.Join(root, "link") + "/notes/**/*.md": filepath.Join(root, "real") + "/notes/**/*.md",
		filepath.Join(root, "link", "x.md"):            filepath.Join(root, "real", "x.md"),
		"**/work/*":                                    "**/work/*",
		"/*/x":                                         "/*/x",
	} {
		if got := CanonicalGlob(in); got != want {
			t.Errorf("CanonicalGlob(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWithin(t *testing.T) {
	for _, c := range []struct {
		dir, path string
		in        bool
	}{
		{"/a/b", "/a/b", true},
		{"/a/b", "/a/b/c.md", true},
		{"/a/b", "/a/bc/d.md", false},
		{"/a/b", "/a/b/../c.md", false},
		{"/a/b", "/a/b/..x.md", true},
		{"/a/b", "/x", false},
	} {
		if got := Within(c.dir, c.path); got != c.in {
			t.Errorf("Within(%s, %s) = %v, want %v", c.dir, c.path, got, c.in)
		}
	}
}

// FuzzCanonicalGlob: any glob comes back without panicking, relative globs
// untouched, and the pattern part (from the first metacharacter) kept.
func FuzzCanonicalGlob(f *testing.F) {
	for _, s := range []string{"/a/b/**/*.md", "**/x", "/", "/*", "/a/[b", `/a\*`, "/a/b{c,d}/e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, glob string) {
		got := CanonicalGlob(glob)
		if !filepath.IsAbs(glob) && got != glob {
			t.Fatalf("relative glob %q changed to %q", glob, got)
		}
		if i := strings.IndexAny(glob, `*?[{\`); i >= 0 && filepath.IsAbs(glob) {
			if !strings.HasSuffix(got, glob[strings.LastIndexByte(glob[:i], '/'):]) && strings.LastIndexByte(glob[:i], '/') > 0 {
				t.Fatalf("pattern part of %q lost: %q", glob, got)
			}
		}
	})
}

// CanonicalChild answers as Canonical does, for every kind of name a
// memory directory can hold.
func TestCanonicalChildAgreesWithCanonical(t *testing.T) {
	dir := MustCanonical(t.TempDir())
	other := MustCanonical(t.TempDir())
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "plain.md"), []byte("x"), 0o600))
	must(os.WriteFile(filepath.Join(other, "elsewhere.md"), []byte("x"), 0o600))
	must(os.Mkdir(filepath.Join(dir, "sub"), 0o700))
	must(os.Symlink("plain.md", filepath.Join(dir, "link-here.md")))
	must(os.Symlink(filepath.Join(other, "elsewhere.md"), filepath.Join(dir, "link-away.md")))
	must(os.Symlink(filepath.Join(other, "gone.md"), filepath.Join(dir, "dangling.md")))
	must(os.Symlink(other, filepath.Join(dir, "dirlink")))
	for _, name := range []string{"plain.md", "missing.md", "sub", "link-here.md", "link-away.md", "dangling.md", "dirlink"} {
		want := MustCanonical(filepath.Join(dir, name))
		_, err := os.Stat(filepath.Join(dir, name))
		got, exists := CanonicalChild(dir, name)
		if got != want || exists != (err == nil) {
			t.Errorf("%s: CanonicalChild = %q, %v; Canonical = %q, exists %v", name, got, exists, want, err == nil)
		}
	}
}
