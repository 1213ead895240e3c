package memtomem_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
)

func allChunkIDs(t *testing.T, m *memtomem.Memory) []string {
	t.Helper()
	chunks, err := m.List(context.Background(), memtomem.ListRequest{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range chunks.Chunks {
		ids = append(ids, c.ID+" "+c.Content)
	}
	sort.Strings(ids)
	return ids
}

// Chunk ids are derived, not random: deleting the index (mm reset) and
// rebuilding it from the same markdown gives every chunk the id it had.
func TestResetKeepsChunkIDs(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default(t.TempDir())
	cfg.Indexing.ChunkMinChars = 10 // keep the two identical sections apart
	notes := filepath.Join(t.TempDir(), "notes")
	mustMkdir(t, notes)
	if err := os.WriteFile(filepath.Join(notes, "wiki.md"), []byte("# Wiki\n\n## Deploy\n\nBlue-green, always.\n\n## Deploy\n\nBlue-green, always.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := memtomem.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	add(t, m, memtomem.AddRequest{Content: "first memory about otters"})
	add(t, m, memtomem.AddRequest{Content: "second memory about otters", Title: "Otters"})
	add(t, m, memtomem.AddRequest{Content: "second memory about otters", Title: "Otters"}) // same text, its own entry
	if _, err := m.Index(ctx, memtomem.IndexRequest{Paths: []string{notes}, Recursive: true}); err != nil {
		t.Fatal(err)
	}
	before := allChunkIDs(t, m)
	m.Close()

	if err := memtomem.Reset(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	m, err = memtomem.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Index(ctx, memtomem.IndexRequest{Paths: []string{cfg.MemoryDir(), notes}, Recursive: true}); err != nil {
		t.Fatal(err)
	}
	after := allChunkIDs(t, m)
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Fatalf("ids changed across a rebuild:\nbefore:\n%s\nafter:\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"))
	}
	if len(before) != 6 {
		t.Fatalf("%d chunks, want 6:\n%s", len(before), strings.Join(before, "\n"))
	}
}

// The entry id written in the file is accepted wherever a chunk id is, and
// an edit keeps it: read, edit, read again and delete by entry id.
func TestEntryIDAddressesTheEntry(t *testing.T) {
	ctx := context.Background()
	m, _ := openTest(t)
	res := add(t, m, memtomem.AddRequest{Content: "the VPN config is in 1password", Title: "VPN"})
	other := add(t, m, memtomem.AddRequest{Content: "the printer is on floor 3"})

	c, err := m.Read(ctx, res.EntryID)
	if err != nil || c.ID != res.ChunkIDs[0] {
		t.Fatalf("Read(entry id) = %+v, %v; want chunk %s", c, err, res.ChunkIDs[0])
	}
	text := "the VPN config moved to the team vault"
	ed, err := m.Edit(ctx, memtomem.EditRequest{ChunkID: res.EntryID, Content: &text})
	if err != nil {
		t.Fatal(err)
	}
	if ed.EntryID != res.EntryID {
		t.Errorf("edit gave entry id %q, want it kept as %q", ed.EntryID, res.EntryID)
	}
	disk, _ := os.ReadFile(res.File)
	if !strings.Contains(string(disk), "> id: "+res.EntryID) || !strings.Contains(string(disk), "team vault") {
		t.Errorf("after edit the file lost the entry id or the text:\n%s", disk)
	}
	if c, err := m.Read(ctx, res.EntryID); err != nil || !strings.Contains(c.Content, "team vault") {
		t.Errorf("Read(entry id) after edit = %q, %v", c.Content, err)
	}
	if _, err := m.Delete(ctx, res.EntryID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Read(ctx, res.EntryID); memtomem.KindOf(err) != memtomem.KindNotFound {
		t.Errorf("Read after delete: %v, want not found", err)
	}
	if _, err := m.Read(ctx, other.EntryID); err != nil {
		t.Errorf("the other entry is gone: %v", err)
	}
}

// A copied file holds the same entry ids twice: an entry id then names two
// memories, and acting on one would be a guess, so it is refused with the
// chunk ids to use instead. Both copies index side by side.
func TestEntryIDInTwoFilesIsRefused(t *testing.T) {
	ctx := context.Background()
	m, cfg := openTest(t)
	res := add(t, m, memtomem.AddRequest{Content: "copied memory about herons"})
	content, err := os.ReadFile(res.File)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg.MemoryDir(), "copy.md"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Index(ctx, memtomem.IndexRequest{Recursive: true}); err != nil {
		t.Fatal(err)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "herons"}); len(got) != 2 {
		t.Fatalf("search finds %d copies, want both files' chunks", len(got))
	}
	_, err = m.Delete(ctx, res.EntryID)
	if memtomem.KindOf(err) != memtomem.KindInvalid || !strings.Contains(err.Error(), "in 2 files") || !strings.Contains(err.Error(), res.ChunkIDs[0]) {
		t.Fatalf("Delete(ambiguous entry id) = %v; want a refusal naming the chunk ids", err)
	}
	if _, err := m.Delete(ctx, res.ChunkIDs[0]); err != nil {
		t.Fatalf("Delete(chunk id) of one copy: %v", err)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "herons"}); len(got) != 1 {
		t.Fatalf("after deleting one copy, search finds %d, want 1", len(got))
	}
}
