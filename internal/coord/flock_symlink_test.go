package coord

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A lock name planted as a symlink to a file elsewhere is refused, with
// what to do: taking the lock would otherwise truncate that file and write
// the holder's pid into it.
func TestLockNeverWritesThroughALink(t *testing.T) {
	dir, outside := t.TempDir(), filepath.Join(t.TempDir(), "bashrc")
	os.WriteFile(outside, []byte("export PATH=/usr/bin\n"), 0o644)
	path := filepath.Join(dir, "x.lock")
	if err := os.Symlink(outside, path); err != nil {
		t.Fatal(err)
	}
	l, ok, err := TryLock(path, true)
	if err == nil || !strings.Contains(err.Error(), "remove it") {
		t.Errorf("lock through a planted link: ok=%v, err=%v, want a refusal saying to remove it", ok, err)
	}
	if l != nil {
		l.Unlock()
	}
	if b, _ := os.ReadFile(outside); string(b) != "export PATH=/usr/bin\n" {
		t.Errorf("the link's target was written: %q", b)
	}
}
