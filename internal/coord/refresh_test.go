package coord

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A session whose run directory was removed is invisible to mm reset (which
// would then take the store from under it) until Refresh re-creates its lock
// and registry entry; after that, Exclusive refuses and lists it again.
func TestRefreshRejoinsRemovedRunDir(t *testing.T) {
	home := t.TempDir()
	runDir := filepath.Join(home, "memtomem.run")
	s, err := Join(context.Background(), runDir, Instance{Transport: "stdio"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Leave()
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatalf("Refresh with nothing removed: %v", err)
	}
	if err := os.RemoveAll(runDir); err != nil {
		t.Fatal(err)
	}
	// The bug: with the folder gone, an exclusive locker finds nobody.
	l, err := Exclusive(runDir)
	if err != nil {
		t.Fatalf("Exclusive before Refresh: %v", err)
	}
	l.Unlock()

	if err := s.Refresh(context.Background()); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	_, err = Exclusive(runDir)
	var inUse *InUseError
	if !errors.As(err, &inUse) || len(inUse.Instances) != 1 || inUse.Instances[0].PID != os.Getpid() {
		t.Fatalf("Exclusive after Refresh: %v, want it refused naming pid %d", err, os.Getpid())
	}
	if err := s.Leave(); err != nil {
		t.Fatal(err)
	}
	if live, _ := Live(runDir); len(live) != 0 {
		t.Errorf("entries left after Leave: %v", live)
	}
}

// HolderPID reads whatever is in a lock file without failing: a pid only
// when the first field is a positive number.
func FuzzHolderPID(f *testing.F) {
	for _, seed := range []string{"", "1234\n", "1234 00000000000000000007\n", "-5\n", "abc", "99999999999999999999999\n", " 12\n", "0\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, content string) {
		path := filepath.Join(t.TempDir(), "x.lock")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		pid := HolderPID(path)
		if pid < 0 {
			t.Fatalf("negative pid %d", pid)
		}
		if pid > 0 && HolderOf(path) == "" {
			t.Fatal("empty holder description")
		}
		if pid > 0 && !strings.Contains(content, strconv.Itoa(pid)) && !strings.Contains(content, "0") && !strings.Contains(content, "+") {
			t.Fatalf("pid %d is not in %q", pid, content)
		}
	})
}
