package memtomem_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/store"
)

// An add appends its entry's bytes to the file and indexes that entry
// alone. What it leaves in the index must be exactly what indexing the
// whole file gives: re-indexing everything with --force afterwards finds
// every chunk already there, with the same id, lines, headings and tags.
// The file is one a person wrote (frontmatter title and tags, a top-level
// heading), so the appended entries inherit context from it.
func TestAppendIndexesLikeAFullIndex(t *testing.T) {
	ctx := context.Background()
	m, cfg := openTest(t)
	hand := "---\ntitle: Project notes\ntags: [proj]\n---\n# Decisions\n\nWhat we settled on.\n"
	dir, notes := handWritten(t, m, cfg, "notes.md", hand)
	bodies := []string{
		"plain memory about the deploy",
		"with code\n```go\nfunc main() {}\n```\nand after",
		"### a subsection\ntext under it\n### another\nmore",
		"| a | b |\n|---|---|\n| 1 | 2 |",
		"a long one " + fmt.Sprint(slices.Repeat([]string{"word"}, 600)),
	}
	var inodes []os.FileInfo
	for i := range 12 {
		req := memtomem.AddRequest{Content: bodies[i%len(bodies)], Tags: []string{fmt.Sprintf("t%d", i%3)}}
		if i%2 == 0 {
			req.File = notes
			req.Title = fmt.Sprintf("Entry number %d", i)
		}
		res := add(t, m, req)
		if len(res.ChunkIDs) == 0 {
			t.Fatalf("add %d reports no chunks", i)
		}
		if i%2 == 0 {
			fi, err := os.Stat(notes)
			if err != nil {
				t.Fatal(err)
			}
			inodes = append(inodes, fi)
		}
	}
	// After memtomem's first write of the file, every add appended to it
	// (the same inode) rather than rewriting it.
	for _, fi := range inodes[2:] {
		if !os.SameFile(inodes[1], fi) {
			t.Fatal("an add rewrote the memory file instead of appending to it")
		}
	}
	before := allChunks(t, m)
	stats, err := m.Index(ctx, memtomem.IndexRequest{Paths: []string{dir}, Recursive: true, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if stats.ChunksIndexed != 0 || stats.ChunksDeleted != 0 {
		t.Errorf("a full re-index changed %d chunks and deleted %d: the appends indexed differently", stats.ChunksIndexed, stats.ChunksDeleted)
	}
	after := allChunks(t, m)
	if len(after) != len(before) {
		t.Fatalf("%d chunks after re-index, %d before", len(after), len(before))
	}
	for id, c := range after {
		b, ok := before[id]
		if !ok {
			t.Errorf("chunk %s (%q) appeared on re-index", id, c.Content)
			continue
		}
		if b.StartLine != c.StartLine || b.EndLine != c.EndLine || !slices.Equal(b.Hierarchy, c.Hierarchy) ||
			!slices.Equal(b.Tags, c.Tags) || b.EntryID != c.EntryID || b.Namespace != c.Namespace ||
			// Text outside entries has no time of its own: a full index
			// dates it by the file's mtime, an append leaves it alone.
			b.EntryID != "" && !b.CreatedAt.Equal(c.CreatedAt) {
			t.Errorf("chunk %s differs after re-index:\nappend: %+v\nfull:   %+v", id, b, c)
		}
	}
}

func allChunks(t *testing.T, m *memtomem.Memory) map[string]store.Chunk {
	t.Helper()
	page, err := m.List(context.Background(), memtomem.ListRequest{Namespace: "*", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Chunk{}
	for _, c := range page.Chunks {
		out[c.ID] = c
	}
	return out
}

// Adds in flight together in one process share a write and a transaction
// (group commit): every one of them is stored once, reports its own chunk,
// and the index is what a full re-index gives.
func TestConcurrentAddsShareWrites(t *testing.T) {
	ctx := context.Background()
	m, cfg := openTest(t)
	const workers, each = 16, 8
	var wg sync.WaitGroup
	results := make(chan memtomem.AddResult, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				res, err := m.Add(ctx, memtomem.AddRequest{Content: fmt.Sprintf("worker %d wrote memory %d about the rollout", w, i)})
				if err != nil {
					t.Error(err)
					return
				}
				results <- res
			}
		})
	}
	wg.Wait()
	close(results)
	ids := map[string]bool{}
	for res := range results {
		if !res.Added || len(res.ChunkIDs) != 1 || ids[res.EntryID] {
			t.Errorf("add result %+v", res)
		}
		ids[res.EntryID] = true
		c, err := m.Read(ctx, res.ChunkIDs[0])
		if err != nil || c.EntryID != res.EntryID {
			t.Errorf("chunk %v of entry %s: %+v, %v", res.ChunkIDs, res.EntryID, c, err)
		}
	}
	if len(ids) != workers*each {
		t.Fatalf("%d entries added, want %d", len(ids), workers*each)
	}
	before := allChunks(t, m)
	stats, err := m.Index(ctx, memtomem.IndexRequest{Paths: []string{cfg.Indexing.MemoryDirs[0]}, Recursive: true, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if stats.ChunksIndexed != 0 || stats.ChunksDeleted != 0 || len(allChunks(t, m)) != len(before) {
		t.Errorf("a full re-index changed %d chunks and deleted %d", stats.ChunksIndexed, stats.ChunksDeleted)
	}
}

// handWritten writes a memory file as a person would, in the first memory
// directory, and indexes that directory; it returns both paths.
func handWritten(t *testing.T, m *memtomem.Memory, cfg config.Config, name, content string) (dir, path string) {
	t.Helper()
	dir = cfg.Indexing.MemoryDirs[0]
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Index(context.Background(), memtomem.IndexRequest{Paths: []string{dir}, Recursive: true}); err != nil {
		t.Fatal(err)
	}
	return dir, path
}
