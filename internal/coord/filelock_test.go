package coord

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestRunDir(t *testing.T) {
	home := t.TempDir()
	dir, err := RunDir(home)
	if err != nil {
		t.Fatal(err)
	}
	if dir != filepath.Join(home, "memtomem.run") {
		t.Errorf("RunDir = %s", dir)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Errorf("run dir mode %v", fi.Mode())
	}
	if _, err := RunDir(home); err != nil {
		t.Fatalf("RunDir on existing dir: %v", err)
	}
}

func TestNewFileLocks(t *testing.T) {
	fl := NewFileLocks("/r")
	if fl.Dir != filepath.Join("/r", "files") || fl.Wait != 10*time.Second {
		t.Errorf("NewFileLocks = %+v", fl)
	}
}

func TestFileLocksExclusive(t *testing.T) {
	run := t.TempDir()
	fl := NewFileLocks(run)
	fl.Wait = 50 * time.Millisecond
	mem := filepath.Join(t.TempDir(), "notes.md")
	unlock, err := fl.Lock(context.Background(), mem)
	if err != nil {
		t.Fatal(err)
	}
	_, err = fl.Lock(context.Background(), mem)
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("second Lock: got %v, want ErrBusy", err)
	}
	if !strings.Contains(err.Error(), mem) || !strings.Contains(err.Error(), "retry") {
		t.Errorf("busy error should name the memory file and say it can be retried: %v", err)
	}
	unlock()
	unlock()
	u2, err := fl.Lock(context.Background(), mem)
	if err != nil {
		t.Fatal(err)
	}
	u2()

	entries, err := os.ReadDir(fl.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || !regexp.MustCompile(`^[0-9a-f]{32}\.lock$`).MatchString(entries[0].Name()) {
		t.Errorf("lock dir contents: %v", entries)
	}
}

func TestFileLocksDifferentFilesIndependent(t *testing.T) {
	fl := NewFileLocks(t.TempDir())
	dir := t.TempDir()
	u1, err := fl.Lock(context.Background(), filepath.Join(dir, "a.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer u1()
	u2, err := fl.Lock(context.Background(), filepath.Join(dir, "b.md"))
	if err != nil {
		t.Fatal(err)
	}
	u2()
}

func TestFileLocksSymlinkedDirShareLock(t *testing.T) {
	root := t.TempDir()
	real := filepath.Join(root, "real")
	os.Mkdir(real, 0o755)
	link := filepath.Join(root, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	fl := NewFileLocks(t.TempDir())
	fl.Wait = 30 * time.Millisecond
	u, err := fl.Lock(context.Background(), filepath.Join(real, "m.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer u()
	if _, err := fl.Lock(context.Background(), filepath.Join(link, "m.md")); !errors.Is(err, ErrBusy) {
		t.Fatalf("lock through symlinked dir: got %v, want ErrBusy", err)
	}
}
