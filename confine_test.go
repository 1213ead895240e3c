package memtomem_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem"
)

// Chunks of files outside the memory directories (a project README, a
// source file) are read-only: edit and delete refuse, and the file is left
// byte for byte as it was.
func TestEditAndDeleteTouchOnlyMemoryFiles(t *testing.T) {
	m, _ := openTest(t)
	ctx := context.Background()
	notes := t.TempDir()
	readme := filepath.Join(notes, "README.md")
	original := "# Project\n\n## Setup\n\n> created: 2026-11-01T10:00:00Z\n> id: readme01\n\nRun make to build the walrus.\n"
	if err := os.WriteFile(readme, []byte(original), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Index(ctx, memtomem.IndexRequest{Paths: []string{notes}, Recursive: true}); err != nil {
		t.Fatal(err)
	}
	resp, err := m.Search(ctx, memtomem.SearchRequest{Query: "walrus"})
	if err != nil || len(resp.Results) == 0 {
		t.Fatalf("search walrus: %v %v", resp.Results, err)
	}
	id := resp.Results[0].ID
	text := "rewritten by an agent"
	for name, try := range map[string]func() error{
		"edit":   func() error { _, err := m.Edit(ctx, memtomem.EditRequest{ChunkID: id, Content: &text}); return err },
		"delete": func() error { _, err := m.Delete(ctx, id); return err },
		"edit by entry id": func() error {
			_, err := m.Edit(ctx, memtomem.EditRequest{ChunkID: "readme01", Content: &text})
			return err
		},
	} {
		err := try()
		if memtomem.KindOf(err) != memtomem.KindRefused || !strings.Contains(err.Error(), "edit that file directly") {
			t.Errorf("%s of a README chunk: %v, want a refusal saying to edit the file directly", name, err)
		}
	}
	if b, _ := os.ReadFile(readme); string(b) != original {
		t.Fatalf("the README changed:\n%s", b)
	}
}

// Oversized searches get a clear error that says what to do, never a raw
// SQLite error or seconds of CPU: a long query, too many distinct words,
// and namespace or tag lists longer than the limits.
func TestSearchBounds(t *testing.T) {
	m, _ := openTest(t)
	ctx := context.Background()
	add(t, m, memtomem.AddRequest{Content: "bounded search finds the narwhal"})
	words := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "word%d ", i)
		}
		return b.String()
	}
	many := func(n int, f string) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf(f, i))
		}
		return out
	}
	for name, req := range map[string]memtomem.SearchRequest{
		"1 MB query":      {Query: strings.Repeat("narwhal ", 1<<17)},
		"100 words":       {Query: words(100)},
		"1000 namespaces": {Query: "narwhal", Namespace: strings.Join(many(1000, "ns%d"), ",")},
		"1000 tags":       {Query: "narwhal", Tags: many(1000, "t%d")},
	} {
		_, err := m.Search(ctx, req)
		if memtomem.KindOf(err) != memtomem.KindInvalid || !strings.Contains(err.Error(), "limit") || strings.Contains(strings.ToLower(err.Error()), "sql") {
			t.Errorf("%s: %v, want an invalid-input error naming the limit", name, err)
		}
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: words(60) + " narwhal"}); len(got) != 1 {
		t.Errorf("a 61-word query within the limit: %q", got)
	}
}

// Symlinks planted in the memory directory never lead out of it: a day file
// replaced by a link to a file elsewhere is not appended to, a linked file
// is not indexed from outside, and a linked folder is neither written into
// nor indexed. (The same links swapped in between the check and the open
// are tested in internal/memfile and internal/index, which can hook that
// instant.)
func TestPlantedSymlinksLeadNowhere(t *testing.T) {
	m, cfg := openTest(t)
	ctx := context.Background()
	outside := t.TempDir()
	bashrc := filepath.Join(outside, "bashrc")
	secret := filepath.Join(outside, "secret.md")
	os.WriteFile(bashrc, []byte("export PATH=/usr/bin\n"), 0o644)
	os.WriteFile(secret, []byte("# Secret\n\nthe aardvark passphrase\n"), 0o644)

	first := add(t, m, memtomem.AddRequest{Content: "a memory before the link"})
	os.Remove(first.File)
	if err := os.Symlink(bashrc, first.File); err != nil {
		t.Fatal(err)
	}
	_, err := m.Add(ctx, memtomem.AddRequest{Content: "appended through a planted link"})
	if memtomem.KindOf(err) != memtomem.KindRefused || !strings.Contains(err.Error(), "outside the memory directories") {
		t.Errorf("add through a day file linked out of the memory directory: %v, want a refusal", err)
	}
	if b, _ := os.ReadFile(bashrc); string(b) != "export PATH=/usr/bin\n" {
		t.Errorf("the link's target was written:\n%s", b)
	}

	if err := os.Symlink(secret, filepath.Join(cfg.MemoryDir(), "notes.md")); err != nil {
		t.Fatal(err)
	}
	st, err := m.Index(ctx, memtomem.IndexRequest{Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "aardvark"}); len(got) != 0 {
		t.Errorf("a file linked from outside was indexed: %q", got)
	}
	if st.FilesSkipped["symlink out of the folder"] == 0 {
		t.Errorf("index stats do not say the link was skipped: %+v", st.FilesSkipped)
	}

	// A folder linked out of the memory directory: not written into, not
	// indexed from, and an agent may not name it to index.
	linked := filepath.Join(cfg.MemoryDir(), "linked")
	if err := os.Symlink(outside, linked); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Add(ctx, memtomem.AddRequest{Content: "through a linked folder", File: "linked/new.md"}); err == nil {
		t.Errorf("add into a folder linked out of the memory directory succeeded")
	}
	if _, err := m.Index(ctx, memtomem.IndexRequest{Paths: []string{linked}, Recursive: true, Confined: true}); memtomem.KindOf(err) != memtomem.KindRefused {
		t.Errorf("agent index of a folder linked out: %v, want a refusal", err)
	}
	if _, err := m.Index(ctx, memtomem.IndexRequest{Recursive: true}); err != nil {
		t.Fatal(err)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "aardvark"}); len(got) != 0 {
		t.Errorf("a file in a folder linked from outside was indexed: %q", got)
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 2 {
		t.Errorf("files were created outside the memory directory: %v", entries)
	}
	if b, _ := os.ReadFile(bashrc); string(b) != "export PATH=/usr/bin\n" {
		t.Errorf("the link's target was written:\n%s", b)
	}
}

// An import past its limit is refused before anything is written; a
// cancelled one stops, keeps what it did, and says how to finish.
func TestImportBounds(t *testing.T) {
	m, _ := openTest(t)
	big := memtomem.Export{Version: memtomem.ExportVersion, Memories: make([]memtomem.ExportedMemory, memtomem.MaxImport+1)}
	for i := range big.Memories {
		big.Memories[i] = memtomem.ExportedMemory{Content: fmt.Sprintf("imported %d", i)}
	}
	if _, err := m.Import(context.Background(), big); memtomem.KindOf(err) != memtomem.KindInvalid || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("oversized import: %v", err)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "imported"}); len(got) != 0 {
		t.Fatalf("a refused import wrote %d memories", len(got))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := m.Import(ctx, memtomem.Export{Version: memtomem.ExportVersion, Memories: big.Memories[:3]})
	if err != nil || res.Added != 0 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0], "import again") {
		t.Fatalf("cancelled import: %+v, %v", res, err)
	}
}
