package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/embed/embedtest"
)

// sweepGroups are the concepts of the sweep's test set: a query names a
// synonym of its document's word, which only the concept model sees.
var sweepGroups = [][]string{
	{"car", "automobile", "sedan", "vehicle"},
	{"kettle", "teapot", "boiler", "samovar"},
	{"invoice", "receipt", "bill", "statement"},
	{"river", "stream", "creek", "brook"},
}

// writeSweepSet writes a BEIR set of 16 docs ("shelfJ holds the W notes")
// whose queries name shelfJ and another word of W's group.
func writeSweepSet(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var corpus, queries, qrels strings.Builder
	qrels.WriteString("query-id\tcorpus-id\tscore\n")
	for g, words := range sweepGroups {
		for j := range 4 {
			id := fmt.Sprintf("d%d-%d", g, j)
			fmt.Fprintf(&corpus, `{"_id": %q, "text": "shelf%d holds the %s notes"}`+"\n", id, j, words[j])
			fmt.Fprintf(&queries, `{"_id": "q%s", "text": "shelf%d %s"}`+"\n", id, j, words[(j+1)%4])
			fmt.Fprintf(&qrels, "q%s\t%s\t1\n", id, id)
		}
	}
	for name, content := range map[string]string{"corpus.jsonl": corpus.String(), "queries.jsonl": queries.String(), "qrels/test.tsv": qrels.String()} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type sweepJSON struct {
	Metric  string `json:"metric"`
	Best    int    `json:"best"`
	Written []string
	Rows    []struct {
		DenseWeight float64 `json:"dense_weight"`
		RRFK        int     `json:"rrf_k"`
		Decay       float64 `json:"decay_half_life_days"`
		Guard       string  `json:"fusion_guard"`
		Hybrid      bool    `json:"hybrid"`
		NDCG10      float64 `json:"ndcg@10"`
		Recall10    float64 `json:"recall@10"`
		Recall100   float64 `json:"recall@100"`
		MRR10       float64 `json:"mrr@10"`
		Queries     int     `json:"queries"`
		P50         float64 `json:"query_p50_ms"`
		P99         float64 `json:"query_p99_ms"`
	} `json:"rows"`
}

func conceptProvider(t *testing.T) {
	srv := embedtest.NewOpenAIServer(t, embedtest.Concepts(32, sweepGroups...))
	t.Setenv("MEMTOMEM_EMBEDDING__PROVIDER", "openai")
	t.Setenv("MEMTOMEM_EMBEDDING__MODEL", "m")
	t.Setenv("MEMTOMEM_EMBEDDING__BASE_URL", srv.URL+"/v1")
}

// With a provider whose model sees the synonyms, the sweep finds that the
// dense leg must weigh in: every row is in the JSON, and the best is the
// one with the highest nDCG@10 (ties: Recall@10).
func TestEvalSweepPicksBestRow(t *testing.T) {
	t.Setenv("MEMTOMEM_HOME", t.TempDir())
	conceptProvider(t)
	set := writeSweepSet(t)
	code, stdout, stderr := runMM(t, "eval", set, "--split", "test", "--sweep", "--ratio", "0,0.5,2", "--rrf-k", "10,60", "--decay", "0", "--guard", "off", "--json")
	if code != ExitOK {
		t.Fatalf("mm eval --sweep: exit %d: %s", code, stderr)
	}
	var rep sweepJSON
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	// Ratio 0 (keywords alone) is one row, the others one per rrf_k.
	if len(rep.Rows) != 5 || rep.Metric != "ndcg@10" {
		t.Fatalf("want 5 rows by ndcg@10, got %d by %s:\n%s", len(rep.Rows), rep.Metric, stdout)
	}
	for i, r := range rep.Rows {
		if r.Queries != 16 || r.Hybrid != (r.DenseWeight > 0) || r.Guard != "off" || r.P99 < r.P50 || r.Recall100 < r.Recall10 {
			t.Errorf("row %d incomplete: %+v", i, r)
		}
		b := rep.Rows[rep.Best]
		if r.NDCG10 > b.NDCG10 || (r.NDCG10 == b.NDCG10 && r.Recall10 > b.Recall10) {
			t.Errorf("row %d (%+v) beats the chosen best %d (%+v)", i, r, rep.Best, b)
		}
	}
	if b := rep.Rows[rep.Best]; b.DenseWeight == 0 || b.NDCG10 <= rep.Rows[0].NDCG10 {
		t.Errorf("best %+v: want a row with the dense leg, above keyword-only %+v", b, rep.Rows[0])
	}

	// The table names the best setting too.
	code, stdout, stderr = runMM(t, "eval", set, "--split", "test", "--sweep", "--ratio", "0,2", "--rrf-k", "60", "--decay", "0", "--guard", "off", "--metric", "recall@10")
	if code != ExitOK || !strings.Contains(stdout, "best by recall@10") || !strings.Contains(stdout, "search.dense_weight=2") {
		t.Errorf("mm eval --sweep table: exit %d\n%s%s", code, stdout, stderr)
	}
}

// --write puts the best setting into config.json and leaves every other
// key as it was.
func TestEvalSweepWrite(t *testing.T) {
	home := t.TempDir()
	t.Setenv("MEMTOMEM_HOME", home)
	conceptProvider(t)
	if code, _, stderr := runMM(t, "config", "set", "search.default_top_k", "7"); code != ExitOK {
		t.Fatal(stderr)
	}
	if code, _, stderr := runMM(t, "config", "set", "indexing.exclude_globs", `["**/drafts/**"]`); code != ExitOK {
		t.Fatal(stderr)
	}
	read := func() map[string]map[string]any {
		b, err := os.ReadFile(filepath.Join(home, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	before := read()
	code, stdout, stderr := runMM(t, "eval", writeSweepSet(t), "--split", "test", "--sweep", "--ratio", "0,2", "--rrf-k", "30", "--decay", "0", "--guard", "off", "--write", "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep sweepJSON
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	after := read()
	want := map[string]any{"dense_weight": 2.0, "rrf_k": 30.0, "fusion_guard": "off"}
	for k, v := range want {
		if after["search"][k] != v {
			t.Errorf("search.%s = %v after --write, want %v (file %v)", k, after["search"][k], v, after)
		}
	}
	// Everything else is as it was (keys equal to their default, like
	// bm25_weight 1 and decay 0, stay out of the minimal file).
	for sec, keys := range before {
		for k, v := range keys {
			if fmt.Sprint(after[sec][k]) != fmt.Sprint(v) {
				t.Errorf("%s.%s changed: %v → %v", sec, k, v, after[sec][k])
			}
		}
	}
	for sec, keys := range after {
		for k := range keys {
			if _, was := before[sec][k]; !was && (sec != "search" || want[k] == nil) {
				t.Errorf("%s.%s appeared: %v", sec, k, keys[k])
			}
		}
	}
}

// Keyword-only setups sweep what applies (the decay); a grid past the bound
// and grid flags without --sweep are refused with what to do.
func TestEvalSweepKeywordOnlyAndLimits(t *testing.T) {
	t.Setenv("MEMTOMEM_HOME", t.TempDir())
	set := writeSweepSet(t)
	code, stdout, stderr := runMM(t, "eval", set, "--split", "test", "--sweep", "--decay", "0,30", "--json")
	var rep sweepJSON
	if code != ExitOK || json.Unmarshal([]byte(stdout), &rep) != nil || len(rep.Rows) != 2 || rep.Rows[0].Hybrid {
		t.Fatalf("keyword-only sweep: exit %d %s\n%s", code, stderr, stdout)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--sweep", "--ratio", "1,2,3,4,5", "--rrf-k", "1,2,3,4", "--decay", "0,1,2,3"}, "more than 64"},
		{[]string{"--rrf-k", "10,30"}, "--rrf-k needs --sweep"},
		{[]string{"--sweep", "--metric", "map"}, "--metric"},
		{[]string{"--sweep", "--decay", "-1"}, "must be >= 0"},
	} {
		conceptProvider(t)
		code, _, stderr := runMM(t, append([]string{"eval", set, "--split", "test"}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("mm eval %v: exit %d, stderr %q; want usage error with %q", tc.args, code, stderr, tc.want)
		}
	}
}
