package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/pgtest"
	"github.com/memtomem/memtomem/internal/store"
)

// writeDataset writes a three-document BEIR dataset whose queries each
// name one document.
func writeDataset(t *testing.T) string {
	dir := t.TempDir()
	files := map[string]string{
		"corpus.jsonl": `{"_id": "d1", "text": "glaciers retreat in warm summers"}
{"_id": "d2", "text": "volcanoes erupt basalt lava"}
{"_id": "d3", "text": "coral reefs bleach in hot water"}
`,
		"queries.jsonl":  `{"_id": "q1", "text": "glaciers"}` + "\n" + `{"_id": "q2", "text": "basalt lava"}` + "\n",
		"qrels/test.tsv": "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// mm bench and mm eval measure the postgres backend in a scratch
// database: bench reports both backends from one run, eval finds what it
// should, and both leave the database empty; a database holding a team's
// memories is refused untouched, and a postgres configuration without a
// scratch database is told to name one.
func TestScratchRunsOnPostgres(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Dedicated(t)
	t.Setenv("MEMTOMEM_HOME", t.TempDir())
	t.Setenv("TMPDIR", t.TempDir())

	code, stdout, stderr := runMM(t, "bench", "--sizes", "200", "--queries", "10", "--json", "--scratch-url", url)
	if code != ExitOK {
		t.Fatalf("mm bench --scratch-url: exit %d: %s", code, stderr)
	}
	var rep benchReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Sizes) != 2 || rep.Sizes[0].Backend != "sqlite" || rep.Sizes[1].Backend != "postgres" {
		t.Fatalf("bench report: %+v; want one size on sqlite, then on postgres", rep.Sizes)
	}
	if pg := rep.Sizes[1]; pg.Chunks == 0 || pg.BM25P50Ms <= 0 || pg.AddP50Ms <= 0 {
		t.Fatalf("postgres figures: %+v", pg)
	}
	pgLoc := store.Location{Backend: "postgres", URL: url}
	if v, err := store.StoredVersion(ctx, pgLoc); err != nil || v != 0 {
		t.Fatalf("after mm bench the scratch database holds a store (v%d, %v)", v, err)
	}

	data := writeDataset(t)
	code, stdout, stderr = runMM(t, "eval", data, "--split", "test", "--json", "--scratch-url", url)
	if code != ExitOK {
		t.Fatalf("mm eval --scratch-url: exit %d: %s", code, stderr)
	}
	checkEvalJSON(t, stdout)
	if v, _ := store.StoredVersion(ctx, pgLoc); v != 0 {
		t.Fatal("after mm eval the scratch database holds a store")
	}

	// A team's store in the database: refused, kept.
	cfg := config.Default(t.TempDir())
	cfg.Storage.Backend, cfg.Storage.URL, cfg.Storage.Host = "postgres", url, "alice"
	team, err := memtomem.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := team.Add(ctx, memtomem.AddRequest{Content: "the staging database moved"}); err != nil {
		t.Fatal(err)
	}
	team.Close()
	for _, args := range [][]string{
		{"eval", data, "--split", "test", "--scratch-url", url},
		{"bench", "--sizes", "50", "--queries", "2", "--scratch-url", url},
	} {
		code, _, stderr := runMM(t, args...)
		if code == ExitOK || !strings.Contains(stderr, "holds other hosts' memories") || !strings.Contains(stderr, "createdb") {
			t.Errorf("mm %s into a team's database: exit %d, %s; want a refusal", args[0], code, stderr)
		}
	}
	if team, err = memtomem.Open(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	res, err := team.Search(ctx, memtomem.SearchRequest{Query: "staging database"})
	team.Close()
	if err != nil || len(res.Results) != 1 {
		t.Fatalf("the team's memory after the refused runs: %+v, %v", res.Results, err)
	}

	// A postgres configuration needs a scratch database named.
	t.Setenv("MEMTOMEM_STORAGE__BACKEND", "postgres")
	t.Setenv("MEMTOMEM_STORAGE__URL", url)
	code, _, stderr = runMM(t, "eval", data, "--split", "test")
	if code != ExitUsage || !strings.Contains(stderr, "--scratch-url") {
		t.Errorf("mm eval with storage.backend postgres and no scratch database: exit %d, %s", code, stderr)
	}
	code, _, stderr = runMM(t, "bench", "--scratch-url", url)
	if code != ExitUsage || !strings.Contains(stderr, "is storage.url") {
		t.Errorf("mm bench with --scratch-url = storage.url: exit %d, %s", code, stderr)
	}
}

// checkEvalJSON checks mm eval --json on writeDataset's set: every query
// finds its document, and the costs are there.
func checkEvalJSON(t *testing.T, stdout string) {
	t.Helper()
	var m struct {
		Recall10   float64 `json:"recall@10"`
		NDCG10     float64 `json:"ndcg@10"`
		Queries    int     `json:"queries"`
		Docs       int     `json:"docs"`
		QueryP50Ms float64 `json:"query_p50_ms"`
		QueryP99Ms float64 `json:"query_p99_ms"`
	}
	if err := json.Unmarshal([]byte(stdout), &m); err != nil || m.Recall10 != 1 || m.NDCG10 != 1 || m.Queries != 2 || m.Docs != 3 || m.QueryP50Ms <= 0 || m.QueryP99Ms < m.QueryP50Ms {
		t.Fatalf("mm eval --json: %v\n%s", err, stdout)
	}
}

// mm eval --json keeps the quality figures and the per-query latency.
func TestEvalJSONKeepsEveryFigure(t *testing.T) {
	t.Setenv("MEMTOMEM_HOME", t.TempDir())
	code, stdout, stderr := runMM(t, "eval", writeDataset(t), "--split", "test", "--json")
	if code != ExitOK {
		t.Fatalf("mm eval: exit %d: %s", code, stderr)
	}
	checkEvalJSON(t, stdout)
	code, stdout, _ = runMM(t, "eval", writeDataset(t), "--split", "test")
	if code != ExitOK || !strings.Contains(stdout, "per query:  p50 ") {
		t.Fatalf("mm eval text: %s", stdout)
	}
}
