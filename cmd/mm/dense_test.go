package main

import (
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/embed/embedtest"
)

// A server's in-memory vector index follows what another mm process adds,
// edits and deletes: its next dense search sees each change, and never
// returns the old text of an edited memory or a deleted one.
func TestDenseIndexFollowsAnotherProcess(t *testing.T) {
	embedder := embedtest.Concepts(16, []string{"car", "automobile", "sedan", "vehicle"})
	srv := embedtest.NewOpenAIServer(t, embedder)
	home := t.TempDir()
	env := []string{"MEMTOMEM_EMBEDDING__PROVIDER=openai", "MEMTOMEM_EMBEDDING__MODEL=concepts",
		"MEMTOMEM_EMBEDDING__DIMENSION=16", "MEMTOMEM_EMBEDDING__BASE_URL=" + srv.URL + "/v1"}
	searcher, writer := startServer(t, home, env...), startServer(t, home, env...)
	add := func(s *server, content string) string {
		t.Helper()
		_, st := s.mustCall("mem_add", map[string]any{"content": content})
		ids, _ := st["chunk_ids"].([]any)
		if len(ids) != 1 {
			t.Fatalf("mem_add %q: chunk ids %v", content, st["chunk_ids"])
		}
		return ids[0].(string)
	}
	// Dense leg only: what the index proposes is all there is.
	search := func(step string, want, notWant []string) {
		t.Helper()
		text, _ := searcher.mustCall("mem_search", map[string]any{"query": "automobile", "bm25_weight": 0})
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the search should find %q:\n%s", step, w, text)
			}
		}
		for _, w := range notWant {
			if strings.Contains(text, w) {
				t.Errorf("%s: the search must not return %q:\n%s", step, w, text)
			}
		}
	}

	sedan := add(searcher, "Keep the sedan in the garage")
	search("first search (loads the index)", []string{"sedan"}, nil)

	tires := add(writer, "The vehicle needs new tires")
	search("after another process added", []string{"sedan", "new tires"}, nil)

	writer.mustCall("mem_do", map[string]any{"action": "edit", "params": map[string]any{"chunk_id": sedan, "content": "Park the car by the station"}})
	search("after another process edited", []string{"by the station", "new tires"}, []string{"sedan"})

	writer.mustCall("mem_do", map[string]any{"action": "delete", "params": map[string]any{"chunk_id": tires}})
	search("after another process deleted", []string{"by the station"}, []string{"tires"})
}
