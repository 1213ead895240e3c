package memtomem_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
)

func TestIdempotencyKey(t *testing.T) {
	m, cfg := openTest(t)
	req := memtomem.AddRequest{Content: "retried memory about flaky networks", IdempotencyKey: "call-42"}
	first := add(t, m, req)
	second := add(t, m, req)
	if !first.Added || second.Added || first.EntryID != second.EntryID {
		t.Fatalf("retry was not a no-op: %+v then %+v", first, second)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "flaky"}); len(got) != 1 {
		t.Errorf("found %d copies, want 1", len(got))
	}
	// A crash after the markdown write but before indexing: the entry is on
	// disk, not in the index. The retry must find it, not write it again.
	m2 := reopenAfterUnindexedWrite(t, m, cfg, memtomem.AddRequest{Content: "crash between write and index", IdempotencyKey: "call-43"})
	res := add(t, m2, memtomem.AddRequest{Content: "crash between write and index", IdempotencyKey: "call-43"})
	if res.Added || len(res.ChunkIDs) != 1 {
		t.Errorf("retry after crash: %+v", res)
	}
	day, _ := filepath.Glob(filepath.Join(cfg.MemoryDir(), "*.md"))
	content, _ := os.ReadFile(day[0])
	if n := strings.Count(string(content), "crash between write and index"); n != 1 {
		t.Errorf("entry is in the file %d times", n)
	}
}

// reopenAfterUnindexedWrite adds a memory, then removes it from the index
// only (as if the process died between the two steps) and reopens.
func reopenAfterUnindexedWrite(t *testing.T, m *memtomem.Memory, cfg config.Config, req memtomem.AddRequest) *memtomem.Memory {
	t.Helper()
	res := add(t, m, req)
	// Hide the file for a moment so CleanupOrphans drops it from the index.
	os.Rename(res.File, res.File+".bak")
	if _, err := m.CleanupOrphans(context.Background()); err != nil {
		t.Fatal(err)
	}
	os.Rename(res.File+".bak", res.File)
	m.Close()
	m2, err := memtomem.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m2.Close() })
	if got := searchContents(t, m2, memtomem.SearchRequest{Query: "crash"}); len(got) != 0 {
		t.Fatalf("setup: entry should not be indexed, found %q", got)
	}
	return m2
}

func TestTagMaintenance(t *testing.T) {
	m, _ := openTest(t)
	ctx := context.Background()
	add(t, m, memtomem.AddRequest{Content: "tagged one", Title: "One", Tags: []string{"old", "keep"}})
	add(t, m, memtomem.AddRequest{Content: "tagged two", Title: "Two", Tags: []string{"old"}})
	add(t, m, memtomem.AddRequest{Content: "untagged three", Title: "Three"})
	res, err := m.RenameTag(ctx, "old", "new")
	if err != nil || res.Entries != 2 {
		t.Fatalf("RenameTag: %+v %v", res, err)
	}
	tags := tagCounts(t, m)
	if tags["old"] != 0 || tags["new"] != 2 || tags["keep"] != 1 {
		t.Errorf("tags after rename: %v", tags)
	}
	if _, err := m.DeleteTag(ctx, "new"); err != nil {
		t.Fatal(err)
	}
	tags = tagCounts(t, m)
	if tags["new"] != 0 || tags["keep"] != 1 {
		t.Errorf("tags after delete: %v", tags)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "tagged"}); len(got) != 2 {
		t.Errorf("deleting a tag must keep the entries: %q", got)
	}
	if _, err := m.RenameTag(ctx, "absent", "x"); memtomem.KindOf(err) != memtomem.KindNotFound {
		t.Errorf("renaming an unknown tag: %v", err)
	}
}

func TestNamespaceMaintenance(t *testing.T) {
	m, cfg := openTest(t)
	ctx := context.Background()
	add(t, m, memtomem.AddRequest{Content: "scratch idea about gardens", Namespace: "scratch"})
	add(t, m, memtomem.AddRequest{Content: "default idea about gardens"})
	if _, err := m.RenameNamespace(ctx, "scratch", "ideas"); err != nil {
		t.Fatal(err)
	}
	// The rename survives a rebuild from markdown.
	if _, err := m.Index(ctx, memtomem.IndexRequest{Force: true, Recursive: true}); err != nil {
		t.Fatal(err)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "gardens", Namespace: "ideas"}); len(got) != 1 || !strings.Contains(got[0], "scratch idea") {
		t.Errorf("after rename and rebuild, ideas = %q", got)
	}
	res, err := m.DeleteNamespace(ctx, "ideas")
	if err != nil || res.Entries != 1 {
		t.Fatalf("DeleteNamespace: %+v %v", res, err)
	}
	if _, err := m.Index(ctx, memtomem.IndexRequest{Force: true, Recursive: true}); err != nil {
		t.Fatal(err)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "gardens", Namespace: "*"}); len(got) != 1 {
		t.Errorf("after deleting the namespace: %q", got)
	}
	if _, err := m.DeleteNamespace(ctx, "default"); memtomem.KindOf(err) != memtomem.KindInvalid {
		t.Errorf("deleting default: %v", err)
	}
	_ = cfg
}

func TestExportImportRoundTrip(t *testing.T) {
	src, _ := openTest(t)
	ctx := context.Background()
	add(t, src, memtomem.AddRequest{Content: "exported body one", Title: "E1", Tags: []string{"x"}})
	add(t, src, memtomem.AddRequest{Content: "exported body two", Namespace: "work"})
	exp, err := src.Export(ctx, memtomem.ExportRequest{})
	if err != nil || len(exp.Memories) != 2 {
		t.Fatalf("Export: %d memories, %v", len(exp.Memories), err)
	}
	dst, _ := openTest(t)
	res, err := dst.Import(ctx, exp)
	if err != nil || res.Added != 2 {
		t.Fatalf("Import: %+v %v", res, err)
	}
	again, _ := dst.Import(ctx, exp)
	if again.Added != 0 || again.Skipped != 2 {
		t.Errorf("second import should skip everything: %+v", again)
	}
	back, _ := dst.Export(ctx, memtomem.ExportRequest{})
	for i := range back.Memories {
		a, b := exp.Memories[i], back.Memories[i]
		if a.ID != b.ID || a.Title != b.Title || a.Content != b.Content || a.Namespace != b.Namespace || !a.Created.Equal(b.Created) {
			t.Errorf("memory %d changed in the round trip:\n%+v\n%+v", i, a, b)
		}
	}
}

func TestExpandAndBatch(t *testing.T) {
	m, _ := openTest(t)
	items, err := m.BatchAdd(context.Background(), []memtomem.AddRequest{
		{Content: "batch a", Title: "A"}, {Content: ""}, {Content: "batch c", Title: "C"}, {Content: "batch d", Title: "D"},
	})
	if err != nil || len(items) != 4 || items[1].Error == "" || items[0].Error != "" {
		t.Fatalf("BatchAdd: %+v %v", items, err)
	}
	around, err := m.Expand(context.Background(), items[2].Result.ChunkIDs[0], 1)
	if err != nil || len(around) != 3 || !strings.Contains(around[0].Content, "batch a") || !strings.Contains(around[2].Content, "batch d") {
		t.Errorf("Expand: %v %v", around, err)
	}
}

func tagCounts(t *testing.T, m *memtomem.Memory) map[string]int {
	t.Helper()
	page, err := m.TagCounts(context.Background(), memtomem.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, c := range page.Counts {
		out[c.Name] = c.Chunks
	}
	return out
}
