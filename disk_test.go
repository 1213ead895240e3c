//go:build linux

package memtomem_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/disktest"
)

// Edits and deletes on a full disk fail as ErrDiskFull, saying nothing was
// written, and leave the file as it was; with space freed they work.
func TestEditDeleteOnFullDisk(t *testing.T) {
	ctx := context.Background()
	disk := disktest.Tmpfs(t)
	cfg := config.Default(filepath.Join(disk, "home"))
	m, err := memtomem.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	add(t, m, memtomem.AddRequest{Content: "the ferry runs on sundays"})
	// (A delete that leaves the file empty needs no space, and succeeds.)
	res := add(t, m, memtomem.AddRequest{Content: "the bridge opens at nine"})
	before, err := os.ReadFile(res.File)
	if err != nil {
		t.Fatal(err)
	}
	free := disktest.Fill(t, disk)
	text := "the bridge opens at ten"
	_, editErr := m.Edit(ctx, memtomem.EditRequest{ChunkID: res.ChunkIDs[0], Content: &text})
	_, delErr := m.Delete(ctx, res.ChunkIDs[0])
	for name, err := range map[string]error{"edit": editErr, "delete": delErr} {
		if !errors.Is(err, memtomem.ErrDiskFull) || memtomem.KindOf(err) != memtomem.KindUnavailable || !strings.Contains(err.Error(), "nothing was written") {
			t.Errorf("%s on a full disk: want ErrDiskFull saying nothing was written, got %v", name, err)
		}
	}
	if after, _ := os.ReadFile(res.File); string(after) != string(before) {
		t.Errorf("the memory file changed on a full disk:\n%s", after)
	}
	free()
	if _, err := m.Delete(ctx, res.ChunkIDs[0]); err != nil {
		t.Errorf("delete after freeing space: %v", err)
	}
}

// A store that was never created cannot be on a read-only disk: opening it
// says so and what to do.
func TestOpenNewStoreOnReadOnlyDisk(t *testing.T) {
	disk := disktest.Tmpfs(t)
	disktest.Remount(t, disk, true)
	_, err := memtomem.Open(context.Background(), config.Default(filepath.Join(disk, "home")))
	if !errors.Is(err, memtomem.ErrDiskReadOnly) || !strings.Contains(err.Error(), "remount it read-write") {
		t.Errorf("want ErrDiskReadOnly saying to remount, got %v", err)
	}
}
