//go:build linux

package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/memtomem/memtomem/internal/disktest"
)

// storeOnDisk creates a database on its own tmpfs holding one meta value,
// and closes it (which removes its -wal and -shm files, as a clean exit
// does).
func storeOnDisk(t *testing.T) (disk, path string) {
	t.Helper()
	disk = disktest.Tmpfs(t)
	path = filepath.Join(disk, "m.db")
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetMeta(context.Background(), "k", "before"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return disk, path
}

// mustRead checks the database answers reads with what it holds.
func mustRead(t *testing.T, db *DB, want string) {
	t.Helper()
	v, ok, err := db.Meta(context.Background(), "k")
	if err != nil || !ok || v != want {
		t.Fatalf("read on a degraded disk: %q, %v, %v (want %q)", v, ok, err, want)
	}
}

// A database on a full disk, with no other process holding it open, cannot
// be opened the usual way (SQLite cannot size a new -shm file): it opens for
// reading and refuses writes with ENOSPC. Once space is freed it opens
// normally again. (That a reader opened so sees what other processes commit
// is shown with real processes in cmd/mm: within one process SQLite shares
// the read-only -shm mapping between connections.)
func TestOpenOnFullDisk(t *testing.T) {
	ctx := context.Background()
	disk, path := storeOnDisk(t)
	free := disktest.Fill(t, disk)
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("open on a full disk: %v", err)
	}
	if db.Fault() != syscall.ENOSPC || !strings.Contains(db.ReadOnlyReason(), "is full") {
		t.Errorf("fault %v, reason %q: want ENOSPC and a reason saying the disk is full", db.Fault(), db.ReadOnlyReason())
	}
	mustRead(t, db, "before")
	if err := db.SetMeta(ctx, "k", "during"); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("a write on a full disk should fail with ENOSPC, got %v", err)
	}
	db.Close()
	free()
	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Fault() != 0 {
		t.Fatalf("with space freed the database should open normally, fault %v", db.Fault())
	}
	if err := db.SetMeta(ctx, "k", "after"); err != nil {
		t.Fatal(err)
	}
	mustRead(t, db, "after")
}

// On a disk mounted read-only the database opens for reading (immutable:
// no -shm can be made), and writes fail with EROFS.
func TestOpenOnReadOnlyDisk(t *testing.T) {
	ctx := context.Background()
	disk, path := storeOnDisk(t)
	disktest.Remount(t, disk, true)
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("open on a read-only disk: %v", err)
	}
	defer db.Close()
	if db.Fault() != syscall.EROFS {
		t.Errorf("fault %v, want EROFS", db.Fault())
	}
	mustRead(t, db, "before")
	if err := db.SetMeta(ctx, "k", "during"); !errors.Is(err, syscall.EROFS) {
		t.Errorf("a write on a read-only disk should fail with EROFS, got %v", err)
	}
	if err := db.Verify(); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

// A disk that fills while the database is open: a write fails with ENOSPC
// (SQLite says SQLITE_FULL, or an I/O error), reads go on, and once space
// is freed the same handle writes again.
func TestWriteWhileDiskFills(t *testing.T) {
	ctx := context.Background()
	disk, path := storeOnDisk(t)
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	free := disktest.Fill(t, disk)
	big := strings.Repeat("x", 1<<20) // more than the WAL can reuse
	if err := db.SetMeta(ctx, "big", big); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("a write on a full disk should fail with ENOSPC, got %v", err)
	}
	mustRead(t, db, "before")
	free()
	if err := db.SetMeta(ctx, "big", big); err != nil {
		t.Fatalf("after freeing space: %v", err)
	}
}
