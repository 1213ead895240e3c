//go:build linux

package memfile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/disktest"
)

// When the coordination folder's disk is full, a delete that rewrote the
// memory file still succeeds: the journal it could not update is dropped,
// so no later write takes the delete for an outside save and puts the
// entry back.
func TestDeleteWhenJournalDiskIsFull(t *testing.T) {
	ctx := context.Background()
	runDisk := disktest.Tmpfs(t)
	w := &Writer{Locks: coord.NewFileLocks(runDisk)}
	path := filepath.Join(t.TempDir(), "notes.md")
	if _, _, err := w.Append(ctx, path, Entry{Body: "the first entry stays"}); err != nil {
		t.Fatal(err)
	}
	gone, _, err := w.Append(ctx, path, Entry{Body: "the second entry is deleted"})
	if err != nil {
		t.Fatal(err)
	}
	free := disktest.Fill(t, runDisk)
	if _, err := w.Delete(ctx, path, Selector{ID: gone.ID}); err != nil {
		t.Fatalf("the delete rewrote the file, so it must not fail over its journal: %v", err)
	}
	free()
	if _, _, err := w.Append(ctx, path, Entry{Body: "a third entry"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); strings.Contains(got, "is deleted") || !strings.Contains(got, "stays") || !strings.Contains(got, "third") {
		t.Errorf("the deleted entry came back, or another went:\n%s", got)
	}
}
