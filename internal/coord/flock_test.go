package coord

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func mustTry(t *testing.T, path string, exclusive bool) (*Lock, bool) {
	t.Helper()
	l, ok, err := TryLock(path, exclusive)
	if err != nil {
		t.Fatal(err)
	}
	return l, ok
}

func TestTryLockCreatesPrivateFileAndDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "x.lock")
	l, ok := mustTry(t, path, true)
	if !ok {
		t.Fatal("uncontended TryLock failed")
	}
	defer l.Unlock()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("lock dir mode %v, want 0700", di.Mode().Perm())
	}
}

func TestTryLockSameProcessExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	a, ok := mustTry(t, path, true)
	if !ok {
		t.Fatal("first lock failed")
	}
	if _, ok := mustTry(t, path, true); ok {
		t.Fatal("second exclusive lock in the same process succeeded")
	}
	if _, ok := mustTry(t, path, false); ok {
		t.Fatal("shared lock succeeded while exclusive held")
	}
	if err := a.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := a.Unlock(); err != nil {
		t.Fatalf("second Unlock: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("lock file must survive Unlock: %v", err)
	}
	b, ok := mustTry(t, path, true)
	if !ok {
		t.Fatal("lock not free after Unlock")
	}
	b.Unlock()
}

func TestSharedLocks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	a, ok := mustTry(t, path, false)
	if !ok {
		t.Fatal("shared lock failed")
	}
	b, ok := mustTry(t, path, false)
	if !ok {
		t.Fatal("second shared lock failed")
	}
	if _, ok := mustTry(t, path, true); ok {
		t.Fatal("exclusive lock succeeded while shared held")
	}
	a.Unlock()
	if _, ok := mustTry(t, path, true); ok {
		t.Fatal("exclusive lock succeeded while one shared still held")
	}
	b.Unlock()
	c, ok := mustTry(t, path, true)
	if !ok {
		t.Fatal("exclusive lock failed after all shared released")
	}
	c.Unlock()
}

func TestNilUnlock(t *testing.T) {
	var l *Lock
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
}

func TestLockWaitTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	a, _ := mustTry(t, path, true)
	defer a.Unlock()
	start := time.Now()
	_, err := LockWait(context.Background(), path, true, 80*time.Millisecond)
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("got %v, want ErrBusy", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the lock path", err)
	}
	// It waited for the lock, and it gave up rather than hanging (the
	// upper bound is loose: a loaded CI machine must not fail it).
	if d := time.Since(start); d < 80*time.Millisecond || d > 10*time.Second {
		t.Errorf("waited %v", d)
	}
}

func TestLockWaitContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	a, _ := mustTry(t, path, true)
	defer a.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	_, err := LockWait(ctx, path, true, 0)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if errors.Is(err, ErrBusy) {
		t.Fatal("cancellation must not look like a retryable busy lock")
	}
}

func TestLockWaitGetsReleasedLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	a, _ := mustTry(t, path, true)
	time.AfterFunc(50*time.Millisecond, func() { a.Unlock() })
	l, err := LockWait(context.Background(), path, true, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	l.Unlock()
}

func TestLockAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	h := startHolder(t, path)
	for range 3 {
		if _, ok := mustTry(t, path, true); ok {
			t.Fatal("parent took a lock the child holds")
		}
		if _, ok := mustTry(t, path, false); ok {
			t.Fatal("parent took a shared lock while the child holds it exclusively")
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.stdin.Close()
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	l, ok := mustTry(t, path, true)
	if !ok {
		t.Fatal("lock not free after child exited")
	}
	l.Unlock()
}

func TestLockFreedWhenHolderKilled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	h := startHolder(t, path)
	if _, ok := mustTry(t, path, true); ok {
		t.Fatal("parent took a lock the child holds")
	}
	if err := h.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = h.cmd.Wait()
	l, err := LockWait(context.Background(), path, true, 5*time.Second)
	if err != nil {
		t.Fatalf("lock not freed by SIGKILL: %v", err)
	}
	l.Unlock()
}

func TestLockWaitAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	h := startHolder(t, path)
	if _, err := LockWait(context.Background(), path, true, 30*time.Millisecond); !errors.Is(err, ErrBusy) {
		t.Fatalf("got %v, want ErrBusy", err)
	}
	time.AfterFunc(50*time.Millisecond, func() { h.stdin.Close() })
	l, err := LockWait(context.Background(), path, true, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	l.Unlock()
	_ = h.cmd.Wait()
}

// The holder's pid is written over the last one in place (no truncate to
// zero, which on ext4 starts writeback at close): a longer record left by
// an earlier holder must not make the new one misread.
func TestHolderRecordOverwritesInPlace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	if err := os.WriteFile(path, []byte("4194303 and some words an older version never wrote\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, ok, err := TryLock(path, true)
	if err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	defer l.Unlock()
	if got := HolderPID(path); got != os.Getpid() {
		t.Errorf("holder read as %d, want %d", got, os.Getpid())
	}
	b, _ := os.ReadFile(path)
	if len(b) != holderWidth+1 {
		t.Errorf("lock file holds %q: the old record's tail was kept", b)
	}
}
