package memtomem_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/memtomem/memtomem"
)

// Forgetting a folder drops only what no other source covers: a folder
// remembered inside it stays indexed, and so do the memory directories.
func TestForgetKeepsWhatOtherSourcesCover(t *testing.T) {
	ctx := context.Background()
	m, _ := openTest(t)
	root := realTempDir(t)
	outer := filepath.Join(root, "outer")
	inner := filepath.Join(outer, "inner")
	mustMkdir(t, inner)
	for p, text := range map[string]string{
		filepath.Join(outer, "a.md"): "# A\n\ncapybaras swim well\n",
		filepath.Join(inner, "b.md"): "# B\n\nnarwhals have tusks\n",
	} {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	add(t, m, memtomem.AddRequest{Content: "a memory about tapirs"})
	for _, p := range []string{outer, inner} {
		if _, err := m.Index(ctx, memtomem.IndexRequest{Paths: []string{p}, Recursive: true, Remember: true}); err != nil {
			t.Fatal(err)
		}
	}
	// The memory dir itself is never a source: it is always indexed.
	if _, err := m.Index(ctx, memtomem.IndexRequest{Paths: []string{m.Config().MemoryDir()}, Recursive: true, Remember: true}); err != nil {
		t.Fatal(err)
	}
	if srcs, _ := m.Sources(); len(srcs) != 2 {
		t.Fatalf("sources = %+v, want outer and inner", srcs)
	}

	// Forget through a symlinked spelling of the same folder.
	link := filepath.Join(root, "link")
	mustSymlink(t, outer, link)
	res, err := m.Forget(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	if res.Source.Path != outer || res.Files != 1 || res.Kept != 1 {
		t.Fatalf("Forget = %+v; want outer forgotten, a.md dropped, b.md kept", res)
	}
	for query, want := range map[string]int{"capybaras": 0, "narwhals": 1, "tapirs": 1} {
		if got := searchContents(t, m, memtomem.SearchRequest{Query: query}); len(got) != want {
			t.Errorf("search %s: %d results, want %d", query, len(got), want)
		}
	}
	if _, err := m.Forget(ctx, outer); memtomem.KindOf(err) != memtomem.KindNotFound {
		t.Errorf("forgetting it again: %v, want not found", err)
	}
}

// A sources.json broken by hand: the memory directories are still indexed
// (mm reset still rebuilds the memories), the error says what to do, and
// the file is left as it was.
func TestBrokenSourcesListStillIndexesMemories(t *testing.T) {
	ctx := context.Background()
	m, cfg := openTest(t)
	add(t, m, memtomem.AddRequest{Content: "a memory about ibises"})
	broken := []byte("{not json")
	if err := os.WriteFile(filepath.Join(cfg.Home, "sources.json"), broken, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := m.Index(ctx, memtomem.IndexRequest{Recursive: true, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.FilesIndexed != 1 || len(st.Errors) != 1 || !containsAll(st.Errors, "fix the file or delete it") {
		t.Fatalf("index with a broken list: %+v", st)
	}
	if s, err := m.Status(ctx); err != nil || s.SourcesError == "" {
		t.Fatalf("status: %v, sources error %q", err, s.SourcesError)
	}
	if got, _ := os.ReadFile(filepath.Join(cfg.Home, "sources.json")); string(got) != string(broken) {
		t.Fatalf("the broken list was rewritten: %s", got)
	}
}
