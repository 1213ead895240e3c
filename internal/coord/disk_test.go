//go:build linux

package coord

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/memtomem/memtomem/internal/disktest"
)

// On a read-only disk a process still joins the store, holding the
// lifecycle lock shared (so maintenance is refused while it runs), though
// it cannot write its registry entry; Refresh and Leave do not fail.
func TestJoinOnReadOnlyDisk(t *testing.T) {
	ctx := context.Background()
	disk := disktest.Tmpfs(t)
	runDir := filepath.Join(disk, "memtomem.run")
	first, err := Join(ctx, runDir, Instance{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Leave(); err != nil {
		t.Fatal(err)
	}
	disktest.Remount(t, disk, true)
	s, err := Join(ctx, runDir, Instance{}, 0)
	if err != nil {
		t.Fatalf("join on a read-only disk: %v", err)
	}
	if err := s.Refresh(ctx); err != nil {
		t.Errorf("refresh on a read-only disk: %v", err)
	}
	if _, err := Exclusive(runDir); !errors.Is(err, ErrInUse) {
		t.Errorf("maintenance should be refused while a session holds the store, got %v", err)
	}
	if err := s.Leave(); err != nil {
		t.Errorf("leave: %v", err)
	}
	l, err := Exclusive(runDir)
	if err != nil {
		t.Fatalf("after leaving, the lifecycle lock should be free: %v", err)
	}
	l.Unlock()
}

// On a full disk a process joins without a registry entry, and Refresh
// registers it once space is freed.
func TestJoinOnFullDisk(t *testing.T) {
	ctx := context.Background()
	disk := disktest.Tmpfs(t)
	runDir := filepath.Join(disk, "memtomem.run")
	first, err := Join(ctx, runDir, Instance{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Leave()
	free := disktest.Fill(t, disk)
	s, err := Join(ctx, runDir, Instance{}, 0)
	if err != nil {
		t.Fatalf("join on a full disk: %v", err)
	}
	defer s.Leave()
	if err := s.Refresh(ctx); err != nil {
		t.Errorf("refresh on a full disk: %v", err)
	}
	if live, _ := Live(runDir); len(live) != 1 {
		t.Errorf("on a full disk only the first session is registered, got %d", len(live))
	}
	free()
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if live, _ := Live(runDir); len(live) != 2 {
		t.Errorf("after freeing space Refresh should register the second session, got %d live", len(live))
	}
}
