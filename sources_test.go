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
