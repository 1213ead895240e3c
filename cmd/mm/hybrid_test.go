package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/memtomem/memtomem/internal/embed/embedtest"
)

// Two servers configured with different embedding models on one store:
// the first claims the store's generation, the second writes no vectors,
// searches keywords only and says so; nothing ever mixes.
func TestServersWithDifferentModels(t *testing.T) {
	embedder := embedtest.Concepts(16, []string{"car", "automobile", "sedan", "vehicle"})
	srv := embedtest.NewOpenAIServer(t, embedder)
	home := t.TempDir()
	env := func(model string) []string {
		return []string{"MEMTOMEM_EMBEDDING__PROVIDER=openai", "MEMTOMEM_EMBEDDING__MODEL=" + model,
			"MEMTOMEM_EMBEDDING__DIMENSION=16", "MEMTOMEM_EMBEDDING__BASE_URL=" + srv.URL + "/v1"}
	}
	a := startServer(t, home, env("model-a")...)
	b := startServer(t, home, env("model-b")...)

	a.mustCall("mem_add", map[string]any{"content": "Keep the sedan in the garage"})
	text, _ := a.mustCall("mem_search", map[string]any{"query": "automobile"})
	if !strings.Contains(text, "sedan") || !strings.Contains(text, "rrf") {
		t.Errorf("server A should find the sedan through its dense leg:\n%s", text)
	}

	_, st, err := b.call("mem_add", map[string]any{"content": "The vehicle needs new tires"})
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := st["warnings"].([]any); len(w) == 0 {
		t.Errorf("server B should warn that it embeds nothing: %v", st)
	}
	text, _ = b.mustCall("mem_search", map[string]any{"query": "automobile"})
	if strings.Contains(text, "sedan") || !strings.Contains(text, "keyword-only") {
		t.Errorf("server B must search keywords only, and say so:\n%s", text)
	}
	text, _ = b.mustCall("mem_status", nil)
	if !strings.Contains(text, "keyword-only") {
		t.Errorf("mem_status on B should say it is keyword-only:\n%s", text)
	}
	_, st, _ = a.call("mem_status", nil)
	emb, _ := st["embedding"].(map[string]any)
	gens, _ := emb["stored_vectors"].(map[string]any)
	if len(gens) != 1 || gens["openai/model-a/16"] == nil {
		t.Errorf("only model-a vectors may be stored: %v", emb)
	}
}

// The handshake neither loads a model nor calls the provider: an editor's
// start-up never waits on either.
func TestHandshakeTouchesNoProvider(t *testing.T) {
	var calls atomic.Int64
	inner := embedtest.OpenAIHandler(t, embedtest.Concepts(8, []string{"x"}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		inner.ServeHTTP(w, r)
	}))
	defer srv.Close()
	home := t.TempDir()
	s := startServer(t, home, "MEMTOMEM_EMBEDDING__PROVIDER=openai", "MEMTOMEM_EMBEDDING__MODEL=m",
		"MEMTOMEM_EMBEDDING__DIMENSION=8", "MEMTOMEM_EMBEDDING__BASE_URL="+srv.URL+"/v1")
	if _, err := s.session.ListTools(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("initialize and tools/list called the provider %d times", n)
	}
	if _, err := os.Stat(filepath.Join(home, "memtomem.db")); err == nil {
		t.Error("the handshake created the database")
	}
	s.mustCall("mem_add", map[string]any{"content": "first real call embeds"})
	if calls.Load() == 0 {
		t.Error("mem_add did not embed")
	}
}

// With the embedding provider gone, a serving mm answers every search from
// keywords, with the outage in the text and in the structured result, and
// never fails the search; a CLI process learns of the outage on its own and
// says the same.
func TestDeadProviderServesKeywords(t *testing.T) {
	provider := embedtest.NewFlaky(t, embedtest.Concepts(16, []string{"car", "automobile", "sedan"}))
	home := t.TempDir()
	env := []string{"MEMTOMEM_EMBEDDING__PROVIDER=openai", "MEMTOMEM_EMBEDDING__MODEL=concepts",
		"MEMTOMEM_EMBEDDING__DIMENSION=16", "MEMTOMEM_EMBEDDING__BASE_URL=" + provider.BaseURL()}
	s := startServer(t, home, env...)
	s.mustCall("mem_add", map[string]any{"content": "Keep the sedan in the garage"})

	provider.Set(embedtest.Refusing)
	for i := range 2 {
		text, st := s.mustCall("mem_search", map[string]any{"query": "sedan"})
		if !strings.Contains(text, "Keep the sedan") || !strings.Contains(text, "hint: keyword results only") ||
			!strings.Contains(text, "is unreachable since") || !strings.Contains(text, "tried again after") {
			t.Errorf("search %d: want the keyword hit and the outage hint:\n%s", i+1, text)
		}
		u, _ := st["provider_unreachable"].(map[string]any)
		if u["provider"] != "openai" || u["since"] == nil || u["retry_at"] == nil || !strings.Contains(u["error"].(string), "refused") {
			t.Errorf("search %d: structured provider_unreachable = %v", i+1, st["provider_unreachable"])
		}
	}

	if text, _ := s.mustCall("mem_status", nil); !strings.Contains(text, "unreachable since") {
		t.Errorf("mem_status should say the provider is unreachable:\n%s", text)
	}

	cmd := mmCommand(t, home, "search", "sedan")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Keep the sedan") || !strings.Contains(string(out), "hint: keyword results only") {
		t.Errorf("mm search with the provider down: %v\n%s", err, out)
	}
}
