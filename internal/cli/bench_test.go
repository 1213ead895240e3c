package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/embed/embedtest"
)

// runMM runs mm in-process and returns its exit code, stdout and stderr.
func runMM(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// tree fingerprints every file under dir by path and content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[p] = fmt.Sprintf("%x", sha256.Sum256(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBenchJSONReportsEveryFigureAndLeavesTheStoreAlone(t *testing.T) {
	home := t.TempDir()
	tmp := t.TempDir()
	t.Setenv("MEMTOMEM_HOME", home)
	t.Setenv("TMPDIR", tmp)
	if code, _, stderr := runMM(t, "add", "the blue-green rollout needs a warm cache"); code != ExitOK {
		t.Fatalf("mm add: exit %d: %s", code, stderr)
	}
	before := tree(t, home)

	code, stdout, stderr := runMM(t, "bench", "--sizes", "200", "--queries", "20", "--json")
	if code != ExitOK {
		t.Fatalf("mm bench: exit %d: %s", code, stderr)
	}
	var rep struct {
		Embedding string                       `json:"embedding"`
		Queries   int                          `json:"queries"`
		Sizes     []map[string]json.RawMessage `json:"sizes"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("mm bench --json printed no JSON: %v\n%s", err, stdout)
	}
	if rep.Embedding == "" || rep.Queries != 20 || len(rep.Sizes) != 1 {
		t.Fatalf("report header: %+v", rep)
	}
	fields := []string{"chunks", "files", "index_seconds", "index_chunks_per_sec",
		"bm25_p50_ms", "bm25_p99_ms", "add_p50_ms", "add_p99_ms"}
	if _, err := os.Stat("/proc/self/status"); err == nil {
		fields = append(fields, "rss_mb")
	}
	for _, f := range fields {
		var v float64
		if err := json.Unmarshal(rep.Sizes[0][f], &v); err != nil || v <= 0 {
			t.Errorf("%s = %s, want a number > 0", f, rep.Sizes[0][f])
		}
	}
	var chunks int
	_ = json.Unmarshal(rep.Sizes[0]["chunks"], &chunks)
	if chunks != 200 {
		t.Errorf("chunks = %d, want the 200 asked for", chunks)
	}
	// No provider is configured: no hybrid figures are made up.
	if _, ok := rep.Sizes[0]["hybrid_p50_ms"]; ok {
		t.Errorf("hybrid_p50_ms reported without an embedding provider")
	}

	if after := tree(t, home); len(after) != len(before) {
		t.Errorf("the user's store changed: %d files before, %d after", len(before), len(after))
	} else {
		for p, h := range before {
			if after[p] != h {
				t.Errorf("the user's store changed: %s", p)
			}
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the throwaway store was left in %s: %v", tmp, left)
	}
}

func TestBenchRefusesBadFlags(t *testing.T) {
	t.Setenv("MEMTOMEM_HOME", t.TempDir())
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--sizes", "0"}, "between 1 and 1m"},
		{[]string{"--sizes", "1k,lots"}, `"lots"`},
		{[]string{"--sizes", "2m"}, "between 1 and 1m"},
		{[]string{"--sizes", "1k", "-n", "50"}, "either --sizes or -n"},
		{[]string{"--queries", "0"}, "--queries must be between 1"},
		{[]string{"--servers", "-1"}, "--servers must be between 0 and 64"},
		{[]string{"--servers", "65"}, "--servers must be between 0 and 64"},
		{[]string{"--servers", "2", "--in-flight", "0"}, "--in-flight must be between 1 and 64"},
	} {
		code, _, stderr := runMM(t, append([]string{"bench"}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("mm bench %v: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, stderr, ExitUsage, tc.want)
		}
	}
}

// With a provider configured, the corpus is embedded and hybrid searches
// are measured too (against a local OpenAI-compatible test server).
func TestBenchMeasuresHybridWithAProvider(t *testing.T) {
	srv := embedtest.NewOpenAIServer(t, embedtest.Concepts(16, []string{"car", "sedan"}))
	t.Setenv("MEMTOMEM_HOME", t.TempDir())
	t.Setenv("MEMTOMEM_EMBEDDING__PROVIDER", "openai")
	t.Setenv("MEMTOMEM_EMBEDDING__MODEL", "m")
	t.Setenv("MEMTOMEM_EMBEDDING__DIMENSION", "16")
	t.Setenv("MEMTOMEM_EMBEDDING__BASE_URL", srv.URL+"/v1")
	code, stdout, stderr := runMM(t, "bench", "--sizes", "100", "--queries", "10", "--json")
	if code != ExitOK {
		t.Fatalf("mm bench: exit %d: %s", code, stderr)
	}
	var rep struct {
		Embedding string `json:"embedding"`
		Sizes     []struct {
			EmbedSeconds float64 `json:"embed_seconds"`
			HybridP50Ms  float64 `json:"hybrid_p50_ms"`
			HybridP99Ms  float64 `json:"hybrid_p99_ms"`
		} `json:"sizes"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || len(rep.Sizes) != 1 {
		t.Fatalf("mm bench --json: %v\n%s", err, stdout)
	}
	if s := rep.Sizes[0]; s.EmbedSeconds <= 0 || s.HybridP50Ms <= 0 || s.HybridP99Ms < s.HybridP50Ms {
		t.Errorf("hybrid figures missing: %+v", s)
	}
	if !strings.Contains(rep.Embedding, "hybrid search; 1") {
		t.Errorf("embedding = %q, want hybrid search with the corpus embedded", rep.Embedding)
	}
}
