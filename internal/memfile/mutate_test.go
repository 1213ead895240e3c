package memfile

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/coord"
)

func newWriter(t *testing.T) *Writer {
	t.Helper()
	return &Writer{Locks: coord.NewFileLocks(t.TempDir())}
}

// noTemps fails if a Mutate temp file was left in dir.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		if strings.Contains(de.Name(), ".tmp-") {
			t.Errorf("temp file left behind: %s", de.Name())
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMutateCreatesFile(t *testing.T) {
	w := newWriter(t)
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "m.md")
	err := w.Mutate(context.Background(), path, func(old []byte) ([]byte, error) {
		if len(old) != 0 {
			t.Errorf("missing file read as %q", old)
		}
		return []byte("hello\n"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "hello\n" {
		t.Errorf("content %q", got)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("new file mode %v, want private (0600)", fi.Mode().Perm())
	}
	di, _ := os.Stat(dir)
	if di.Mode().Perm() != 0o700 {
		t.Errorf("new directory mode %v, want private (0700)", di.Mode().Perm())
	}
	noTemps(t, dir)
}

func TestMutateKeepsModeAndSymlink(t *testing.T) {
	w := newWriter(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "real.md")
	if err := os.WriteFile(target, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.md")
	if err := os.Symlink("real.md", link); err != nil {
		t.Fatal(err)
	}
	err := w.Mutate(context.Background(), link, func(old []byte) ([]byte, error) {
		return append(old, "new\n"...), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("link is no longer a symlink: %v %v", fi.Mode(), err)
	}
	if got := readFile(t, target); got != "old\nnew\n" {
		t.Errorf("target content %q", got)
	}
	fi, _ = os.Stat(target)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode changed to %v", fi.Mode().Perm())
	}
	noTemps(t, dir)
}

func TestMutateDanglingSymlink(t *testing.T) {
	w := newWriter(t)
	dir := t.TempDir()
	link := filepath.Join(dir, "link.md")
	os.Symlink("missing.md", link)
	err := w.Mutate(context.Background(), link, func(old []byte) ([]byte, error) { return []byte("x"), nil })
	if err == nil {
		t.Fatal("writing through a dangling symlink should fail rather than replace the link")
	}
}

func TestMutateNoChangeNoWrite(t *testing.T) {
	w := newWriter(t)
	path := filepath.Join(t.TempDir(), "m.md")
	os.WriteFile(path, []byte("same\n"), 0o644)
	before, _ := os.Stat(path)
	err := w.Mutate(context.Background(), path, func(old []byte) ([]byte, error) {
		return bytes.Clone(old), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if !stateOf(before).same(stateOf(after)) {
		t.Error("file rewritten although fn changed nothing")
	}
}

func TestMutateFnErrorLeavesNothing(t *testing.T) {
	w := newWriter(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "m.md")
	os.WriteFile(path, []byte("keep\n"), 0o644)
	boom := errors.New("boom")
	err := w.Mutate(context.Background(), path, func(old []byte) ([]byte, error) { return []byte("x"), boom })
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if got := readFile(t, path); got != "keep\n" {
		t.Errorf("content %q", got)
	}
	noTemps(t, dir)
}

func TestMutateNoLocks(t *testing.T) {
	var w Writer
	if err := w.Mutate(context.Background(), filepath.Join(t.TempDir(), "m.md"), nil); err == nil {
		t.Fatal("Mutate without Locks must fail")
	}
}

// An editor that writes without our lock between our read and our rename must
// not lose its change: Mutate notices and re-runs fn on the new content.
func TestMutateOutsideWriterRerunsFn(t *testing.T) {
	w := newWriter(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "m.md")
	os.WriteFile(path, []byte("a\n"), 0o644)
	fired := false
	SetCrashHookForTest(func(point string) {
		if point == "after-temp-write" && !fired {
			fired = true
			// Like an editor: replace via a new file.
			os.WriteFile(path+".editor", []byte("a\neditor\n"), 0o644)
			os.Rename(path+".editor", path)
		}
	})
	defer SetCrashHookForTest(nil)
	runs := 0
	err := w.Mutate(context.Background(), path, func(old []byte) ([]byte, error) {
		runs++
		return append(bytes.Clone(old), "ours\n"...), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if runs != 2 {
		t.Errorf("fn ran %d times, want 2", runs)
	}
	if got := readFile(t, path); got != "a\neditor\nours\n" {
		t.Errorf("content %q", got)
	}
	noTemps(t, dir)
}

func TestMutateOutsideWriterInPlace(t *testing.T) {
	w := newWriter(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "m.md")
	os.WriteFile(path, []byte("a\n"), 0o644)
	fired := false
	SetCrashHookForTest(func(point string) {
		if point == "after-temp-write" && !fired {
			fired = true
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("appended\n")
			f.Close()
		}
	})
	defer SetCrashHookForTest(nil)
	err := w.Mutate(context.Background(), path, func(old []byte) ([]byte, error) {
		return append(bytes.Clone(old), "ours\n"...), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "a\nappended\nours\n" {
		t.Errorf("content %q", got)
	}
}

func TestMutateGivesUpOnConstantChange(t *testing.T) {
	w := newWriter(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "m.md")
	os.WriteFile(path, []byte("a\n"), 0o644)
	n := 0
	SetCrashHookForTest(func(point string) {
		if point == "after-temp-write" {
			n++
			os.WriteFile(path, []byte(strings.Repeat("x", n)), 0o644)
		}
	})
	defer SetCrashHookForTest(nil)
	runs := 0
	err := w.Mutate(context.Background(), path, func(old []byte) ([]byte, error) {
		runs++
		return append(bytes.Clone(old), "ours\n"...), nil
	})
	if err == nil || !strings.Contains(err.Error(), "retry") {
		t.Fatalf("got %v", err)
	}
	if runs != maxAttempts {
		t.Errorf("fn ran %d times", runs)
	}
	noTemps(t, dir)
}

func TestMutateSerializesWriters(t *testing.T) {
	// Read-modify-write increments from many Writers must not lose updates.
	dir := t.TempDir()
	path := filepath.Join(dir, "counter.md")
	run := t.TempDir()
	const n = 30
	errs := make(chan error, n)
	for range n {
		go func() {
			w := &Writer{Locks: coord.NewFileLocks(run)}
			errs <- w.Mutate(context.Background(), path, func(old []byte) ([]byte, error) {
				return append(bytes.Clone(old), 'x'), nil
			})
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := readFile(t, path); got != strings.Repeat("x", n) {
		t.Errorf("lost updates: %q", got)
	}
	noTemps(t, dir)
}
