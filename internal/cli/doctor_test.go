package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/embed/embedtest"
	"github.com/memtomem/memtomem/internal/rerank/reranktest"
)

func doctorChecks(t *testing.T) (int, map[string]check) {
	t.Helper()
	code, stdout, stderr := runMM(t, "doctor", "--json")
	var list []check
	if err := json.Unmarshal([]byte(stdout), &list); err != nil {
		t.Fatalf("mm doctor --json: %v\n%s\n%s", err, stdout, stderr)
	}
	out := map[string]check{}
	for _, c := range list {
		out[c.Name] = c
	}
	return code, out
}

// mm doctor finds this binary on PATH, opens the store, probes the
// provider (a real HTTP server speaking OpenAI's API, then a dead one),
// and tells which clients register mm.
func TestDoctor(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("MEMTOMEM_HOME", filepath.Join(home, ".memtomem"))
	bin := t.TempDir()
	self, _ := os.Executable()
	os.Symlink(self, filepath.Join(bin, "mm"))
	t.Setenv("PATH", bin)
	os.WriteFile(filepath.Join(home, ".claude.json"), []byte(`{"numStartups": 3, "mcpServers": {"memory": {"type": "stdio", "command": "/usr/local/bin/mm", "args": ["serve"]}}}`), 0o600)
	os.MkdirAll(filepath.Join(home, ".cursor"), 0o700)
	os.WriteFile(filepath.Join(home, ".cursor", "mcp.json"), []byte(`{"mcpServers": {"other": {"command": "npx", "args": ["other-server"]}}}`), 0o600)

	srv := embedtest.NewOpenAIServer(t, func(s string) []float32 { return []float32{1, 0, 0, 0} })
	t.Setenv("MEMTOMEM_EMBEDDING__PROVIDER", "openai")
	t.Setenv("MEMTOMEM_EMBEDDING__MODEL", "test-model")
	t.Setenv("MEMTOMEM_EMBEDDING__DIMENSION", "4")
	t.Setenv("MEMTOMEM_EMBEDDING__BASE_URL", srv.URL+"/v1")
	code, checks := doctorChecks(t)
	if code != ExitOK {
		t.Fatalf("doctor exit %d: %+v", code, checks)
	}
	for name, want := range map[string]string{
		"mm on PATH": "ok (this binary)", "config": "ok", "store": "ok", "embedding": "ok answered", "rerank": "info no reranker",
		"Claude Code": "info registers mm", "Cursor": "info does not register", "Codex": "info no ",
	} {
		c := checks[name]
		status, detail, _ := strings.Cut(want, " ")
		if c.Status != status || !strings.Contains(c.Detail, detail) {
			t.Errorf("%s: %+v; want %s", name, c, want)
		}
	}

	// A reranker speaking llama.cpp's API answers; one that is not
	// there fails the check with what to fix.
	rr := reranktest.New(t, reranktest.LlamaCpp, nil)
	t.Setenv("MEMTOMEM_RERANK__PROVIDER", "llamacpp")
	t.Setenv("MEMTOMEM_RERANK__BASE_URL", rr.BaseURL())
	if _, checks = doctorChecks(t); checks["rerank"].Status != checkOK || !strings.Contains(checks["rerank"].Detail, "llamacpp answered") {
		t.Fatalf("rerank check %+v", checks["rerank"])
	}
	if reqs := rr.Requests(); len(reqs) != 1 || len(reqs[0].Documents) != 1 {
		t.Fatalf("the probe should score one text in one request: %+v", reqs)
	}
	rr.Set(reranktest.Rejecting)
	if code, checks = doctorChecks(t); code == ExitOK || checks["rerank"].Status != checkFail ||
		!strings.Contains(checks["rerank"].Detail, "status 400") || !strings.Contains(checks["rerank"].Fix, "rerank.base_url") {
		t.Fatalf("doctor with a reranker that rejects: exit %d, %+v", code, checks["rerank"])
	}
	t.Setenv("MEMTOMEM_RERANK__PROVIDER", "none")

	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"message":"model not found"}}`, http.StatusNotFound)
	}))
	defer dead.Close()
	t.Setenv("MEMTOMEM_EMBEDDING__BASE_URL", dead.URL+"/v1")
	t.Setenv("PATH", t.TempDir())
	code, checks = doctorChecks(t)
	if code == ExitOK || checks["embedding"].Status != checkFail || checks["embedding"].Fix == "" {
		t.Fatalf("doctor with a provider that refuses: exit %d, %+v", code, checks["embedding"])
	}
	if c := checks["mm on PATH"]; c.Status != checkWarn || !strings.Contains(c.Fix, "PATH") {
		t.Errorf("without mm on PATH: %+v", c)
	}
}
