package view_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/view"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the current shapes")

var (
	created = time.Date(2026, 11, 30, 9, 15, 0, 0, time.FixedZone("CET", 3600))
	chunk   = memtomem.Chunk{ID: "3f9a0c1d2e4b5a6c", Source: "/home/u/.memtomem/memories/2026-11-30.md", Hierarchy: []string{"Deploys", "Rollback"},
		Content: "Roll back with `make rollback`.", StartLine: 12, EndLine: 20, ContentHash: "not shown", Namespace: "work",
		Tags: []string{"ops", "deploy"}, EntryID: "9c41d07be2aa", CreatedAt: created, UpdatedAt: created}
)

// Each shape, rendered from fixed values (full) and from the zero value
// (empty), must match its golden file: a change of a field name, a type or a
// null where a list was is a change every script and client sees.
func TestShapesMatchGoldenFiles(t *testing.T) {
	shapes := map[string]struct{ full, empty any }{
		"chunk": {view.FromChunk(chunk), view.FromChunk(memtomem.Chunk{})},
		"page": {view.FromPage(memtomem.ChunkPage{Chunks: []memtomem.Chunk{chunk}, Total: 3}, 1),
			view.FromPage(memtomem.ChunkPage{}, 0)},
		"search": {view.FromSearch("rollback", memtomem.SearchResponse{
			Results: []memtomem.SearchResult{{Rank: 1, Score: 0.0325, ScoreScale: "rrf", Chunk: chunk}},
			Match:   "not shown", Legs: []string{"bm25", "dense"}, Hints: []string{"try fewer words"},
			Unreachable: &memtomem.Outage{Provider: "openai", Endpoint: "https://api.openai.com/v1", Since: created, RetryAt: created.Add(time.Minute), Error: "connection refused"},
			Reranked:    "llamacpp bge-reranker-v2-m3",
			RerankUnreachable: &memtomem.Outage{Provider: "cohere", Endpoint: "https://api.cohere.com/v2/rerank", Since: created, RetryAt: created.Add(time.Minute),
				Error: "refused the connection: is the server running? check rerank.base_url"},
		}), view.FromSearch("", memtomem.SearchResponse{})},
		"add": {view.FromAdd(memtomem.AddResult{EntryID: "9c41d07be2aa", File: chunk.Source, Namespace: "work", Created: created,
			ChunkIDs: []string{chunk.ID}, Added: true, Warnings: []string{"saved but not embedded"},
			Redacted: []memtomem.Redaction{{Field: "content", Rule: "github-pat", Line: 2}}}), view.FromAdd(memtomem.AddResult{})},
		"index": {view.FromIndex(memtomem.IndexStats{FilesScanned: 10, FilesIndexed: 4, FilesUnchanged: 5, FilesRemoved: 1,
			FilesSkipped: map[string]int{"binary": 2}, ChunksIndexed: 30, ChunksKept: 50, ChunksDeleted: 3,
			ChunksSkipped: map[string]int{"secret: github-pat": 1}, SkippedChunks: []memtomem.ChunkSkip{{Path: "/n/a.md", Line: 3, Reason: "secret: github-pat"}},
			Errors: []string{"/n/b.md: permission denied"}, Duration: 1500 * time.Millisecond, Remembered: []string{"/n"}}),
			view.FromIndex(memtomem.IndexStats{})},
		"status": {view.FromStatus(memtomem.Status{Version: "v0.1.0", Home: "/home/u/.memtomem", Database: "/home/u/.memtomem/memtomem.db",
			SchemaVersion: 7, Disk: "full", MemoryDirs: []string{"/home/u/.memtomem/memories"}, Files: 3, Chunks: 40, DBBytes: 1 << 20,
			Namespaces: map[string]int{"default": 30, "work": 10}, Tags: map[string]int{"ops": 4}, NamespacesMore: 1, TagsMore: 2,
			Embedding: memtomem.EmbeddingStatus{Provider: "none", Generations: map[string]int{}},
			Instances: []memtomem.Instance{{PID: 42, Version: "v0.1.0", Transport: "stdio", Started: created, Command: "mm serve"}},
			Sources:   []memtomem.Source{{Path: "/home/u/notes", Dir: true, Recursive: true, Namespace: "notes", Added: created}},
			Problems:  []memtomem.FileProblem{{File: chunk.Source, Line: 4, Detail: "invalid UTF-8"}}, ProblemCount: 1,
		}), view.FromStatus(memtomem.Status{})},
		"stats": {view.FromStats(memtomem.Status{Files: 3, Chunks: 40, DBBytes: 1 << 20, Namespaces: map[string]int{"default": 40},
			Tags: map[string]int{"ops": 4}, TagsMore: 1}), view.FromStats(memtomem.Status{})},
	}
	for name, s := range shapes {
		t.Run(name, func(t *testing.T) {
			got, err := json.MarshalIndent(map[string]any{"full": s.full, "empty": s.empty}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", name+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./internal/view -update writes it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("the %s shape changed (if intended: go test ./internal/view -update, and a changelog entry):\ngot:\n%s\nwant:\n%s", name, got, want)
			}
			if bytes.Contains(got, []byte("null")) {
				t.Errorf("the %s shape renders a null; lists and maps are [] and {}, optional fields are left out:\n%s", name, got)
			}
			if bytes.Contains(got, []byte("_ns\"")) || strings.Contains(string(got), "content_hash") {
				t.Errorf("the %s shape leaks an internal field:\n%s", name, got)
			}
		})
	}
}
