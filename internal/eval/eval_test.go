package eval

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeFiles creates files (relative path → content) under a temp dir.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		data := []byte(content)
		if strings.HasSuffix(name, ".gz") {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(data)
			zw.Close()
			data = buf.Bytes()
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	corpus = `{"_id": "d1", "title": "T1", "text": "one", "year": 2020, "score": 1.5e2, "tags": ["x"], "meta": {"a": 1}, "n": null}
{"_id": "d2", "title": "T2", "text": "two", "ok": true}

{"_id": 3, "text": "three"}
`
	queries = `{"_id": "q1", "text": "first"}
{"_id": "q2", "text": "unjudged"}
{"_id": "q3", "text": "third", "question": "ignored?"}
`
	qrels = "query-id\tcorpus-id\tscore\nq3\td2\t1\nq1\td1\t2\nq1\t3\t0\nqX\td1\t1\n"
)

func approx(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestLoad(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"corpus.jsonl":    corpus,
		"queries.jsonl":   queries,
		"qrels/test.tsv":  qrels,
		"qrels/other.tsv": "",
	})
	ds, err := Load(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	wantDocs := []Doc{
		{ID: "d1", Title: "T1", Text: "one", Fields: map[string]string{"year": "2020", "score": "150"}},
		{ID: "d2", Title: "T2", Text: "two", Fields: map[string]string{"ok": "true"}},
		{ID: "3", Text: "three", Fields: map[string]string{}},
	}
	if diff := cmp.Diff(wantDocs, ds.Docs); diff != "" {
		t.Errorf("docs (-want +got):\n%s", diff)
	}
	// Unjudged q2 dropped, file order kept; "text" wins over "question".
	wantQueries := []Query{
		{ID: "q1", Text: "first", Fields: map[string]string{}},
		{ID: "q3", Text: "third", Fields: map[string]string{"question": "ignored?"}},
	}
	if diff := cmp.Diff(wantQueries, ds.Queries); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
	wantQrels := map[string]map[string]int{"q1": {"d1": 2, "3": 0}, "q3": {"d2": 1}}
	if diff := cmp.Diff(wantQrels, ds.Qrels); diff != "" {
		t.Errorf("qrels (-want +got):\n%s", diff)
	}
}

func TestLoadGzipCorpus(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"corpus.jsonl.gz": corpus,
		"queries.jsonl":   queries,
		"qrels/test.tsv":  qrels,
	})
	ds, err := Load(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Docs) != 3 || ds.Docs[1].Text != "two" {
		t.Errorf("docs = %+v", ds.Docs)
	}
}

func TestLoadTurnsAndQuestion(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"turns.jsonl": `{"_id": "c1:D1:1", "conv": "c1", "session": 1, "date": "8 May, 2023", "speaker": "Ann", "text": "I moved to Oslo."}
{"_id": "c2:D1:1", "conv": "c2", "session": 1, "date": "9 May, 2023", "speaker": "Bob", "text": "I like tea."}
`,
		"queries.jsonl": `{"_id": "c1:q0", "conv": "c1", "category": 2, "question": "Where did Ann move?", "answer": "Oslo"}
{"_id": "c2:q0", "conv": "c2", "category": 1, "question": "What does Bob like?", "answer": "tea"}
`,
		"qrels/dev.tsv": "query-id\tcorpus-id\tscore\nc1:q0\tc1:D1:1\t1\nc2:q0\tc2:D1:1\t1\n",
	})
	ds, err := Load(dir, "dev")
	if err != nil {
		t.Fatal(err)
	}
	want := Doc{ID: "c1:D1:1", Text: "I moved to Oslo.", Fields: map[string]string{
		"conv": "c1", "session": "1", "date": "8 May, 2023", "speaker": "Ann"}, Turn: true}
	if diff := cmp.Diff(want, ds.Docs[0]); diff != "" {
		t.Errorf("turn (-want +got):\n%s", diff)
	}
	wantQ := Query{ID: "c1:q0", Text: "Where did Ann move?", Fields: map[string]string{
		"conv": "c1", "category": "2", "answer": "Oslo"}}
	if diff := cmp.Diff(wantQ, ds.Queries[0]); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}

	groups, err := GroupBy(ds, "conv")
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 {
		t.Fatalf("groups = %v", groups)
	}
	g := groups["c2"]
	if len(g.Docs) != 1 || g.Docs[0].ID != "c2:D1:1" || len(g.Queries) != 1 || g.Queries[0].ID != "c2:q0" {
		t.Errorf("group c2 = %+v", g)
	}
	if diff := cmp.Diff(map[string]map[string]int{"c2:q0": {"c2:D1:1": 1}}, g.Qrels); diff != "" {
		t.Errorf("group qrels: %s", diff)
	}

	_, err = GroupBy(ds, "speaker")
	wantErr(t, err, `field "speaker" missing on query "c1:q0"`, "query fields: answer, category, conv",
		"doc fields: conv, date, session, speaker")
	_, err = GroupBy(ds, "nope")
	wantErr(t, err, `field "nope" missing on doc`)
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"corpus.jsonl":    corpus,
		"queries.jsonl":   queries,
		"qrels/train.tsv": qrels,
		"qrels/dev.tsv":   qrels,
	})
	_, err := Load(dir, "test")
	wantErr(t, err, `split "test"`, filepath.Join(dir, "qrels", "test.tsv"), "available splits: dev, train")

	dir = writeFiles(t, map[string]string{"queries.jsonl": queries, "qrels/test.tsv": qrels})
	_, err = Load(dir, "test")
	wantErr(t, err, "no corpus", "corpus.jsonl, corpus.jsonl.gz, turns.jsonl")

	dir = writeFiles(t, map[string]string{"corpus.jsonl": corpus, "qrels/test.tsv": qrels})
	_, err = Load(dir, "test")
	wantErr(t, err, "no queries", "queries.jsonl")

	dir = writeFiles(t, map[string]string{
		"corpus.jsonl":   "{\"_id\": \"a\"}\n{\"_id\": \"b\", \"text\": }\n",
		"queries.jsonl":  queries,
		"qrels/test.tsv": qrels,
	})
	_, err = Load(dir, "test")
	wantErr(t, err, filepath.Join(dir, "corpus.jsonl")+":2:", "invalid JSON")

	dir = writeFiles(t, map[string]string{
		"corpus.jsonl":   corpus,
		"queries.jsonl":  "{\"_id\": \"q1\"}\n\n{\"text\": \"no id\"}\n",
		"qrels/test.tsv": qrels,
	})
	_, err = Load(dir, "test")
	wantErr(t, err, "queries.jsonl:3:", `missing "_id"`)

	dir = writeFiles(t, map[string]string{
		"corpus.jsonl":   corpus + `{"_id": "d1"}` + "\n",
		"queries.jsonl":  queries,
		"qrels/test.tsv": qrels,
	})
	_, err = Load(dir, "test")
	wantErr(t, err, "corpus.jsonl:5:", `duplicate _id "d1"`)

	dir = writeFiles(t, map[string]string{
		"corpus.jsonl":   corpus,
		"queries.jsonl":  queries,
		"qrels/test.tsv": "query-id\tcorpus-id\tscore\nq1\td1\thigh\n",
	})
	_, err = Load(dir, "test")
	wantErr(t, err, "test.tsv:2:", `score "high"`)
}

func TestParseQrels(t *testing.T) {
	got, err := parseQrels(strings.NewReader("q1 d1 1\nq1\td2\t2\r\n\nq2\td1\t0"), "x")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int{"q1": {"d1": 1, "d2": 2}, "q2": {"d1": 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	_, err = parseQrels(strings.NewReader("q1\td1\n"), "x")
	wantErr(t, err, "x:1:", "3 columns")
}

func TestScore(t *testing.T) {
	ds := &Dataset{
		Queries: []Query{{ID: "a"}, {ID: "b"}},
		Qrels: map[string]map[string]int{
			"a": {"d1": 1, "d2": 1},
			"b": {"d3": 1, "d9": 0},
		},
	}

	perfect := Score(ds, map[string][]string{"a": {"d1", "d2"}, "b": {"d3"}})
	if diff := cmp.Diff(Metrics{NDCG10: 1, Recall10: 1, Recall100: 1, MRR10: 1, Queries: 2}, perfect); diff != "" {
		t.Errorf("perfect ranking (-want +got):\n%s", diff)
	}

	// Query b's relevant doc at rank 2, query a unranked: MRR = (0 + 0.5) / 2.
	m := Score(ds, map[string][]string{"b": {"d9", "d3"}})
	if m.Unranked != 1 {
		t.Errorf("unranked = %d, want 1 (query a)", m.Unranked)
	}
	if !approx(m.MRR10, 0.25) || !approx(m.Recall10, 0.5) {
		t.Errorf("MRR/recall = %v/%v, want 0.25/0.5", m.MRR10, m.Recall10)
	}
	if want := (1 / math.Log2(3)) / 2; !approx(m.NDCG10, want) {
		t.Errorf("nDCG = %v, want %v", m.NDCG10, want)
	}

	// Relevant doc at rank 11: counts for recall@100 only.
	late := []string{"x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "d3"}
	m = Score(&Dataset{Queries: ds.Queries[1:], Qrels: ds.Qrels}, map[string][]string{"b": late})
	if diff := cmp.Diff(Metrics{Recall100: 1, Queries: 1}, m); diff != "" {
		t.Errorf("rank 11 (-want +got):\n%s", diff)
	}

	if m := Score(&Dataset{}, nil); m != (Metrics{}) {
		t.Errorf("empty dataset = %+v", m)
	}
}

func TestNDCGKnownValues(t *testing.T) {
	// Graded: d1=2, d2=1, ranking d3 d1 d2.
	// DCG = 2/log2(3) + 1/log2(4); IDCG = 2 + 1/log2(3).
	ds := &Dataset{Queries: []Query{{ID: "q"}}, Qrels: map[string]map[string]int{"q": {"d1": 2, "d2": 1}}}
	m := Score(ds, map[string][]string{"q": {"d3", "d1", "d2"}})
	if !approx(m.NDCG10, 0.66967181649423) {
		t.Errorf("graded nDCG = %.12f", m.NDCG10)
	}
	if !approx(m.MRR10, 0.5) {
		t.Errorf("MRR = %v", m.MRR10)
	}

	// Binary, 3 relevant, hits at ranks 1 and 3, duplicate ignored.
	ds.Qrels["q"] = map[string]int{"a": 1, "b": 1, "c": 1}
	m = Score(ds, map[string][]string{"q": {"a", "a", "x", "b"}})
	if !approx(m.NDCG10, 0.7039180890341347) || !approx(m.Recall10, 2.0/3) {
		t.Errorf("binary nDCG = %.12f recall = %v", m.NDCG10, m.Recall10)
	}
}

func TestMetricsJSON(t *testing.T) {
	b, err := json.Marshal(Metrics{NDCG10: 0.5, Queries: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ndcg@10":0.5,"recall@10":0,"recall@100":0,"mrr@10":0,"queries":3,"queries_unranked":0}`
	if string(b) != want {
		t.Errorf("JSON = %s", b)
	}
}

func TestScalar(t *testing.T) {
	for raw, want := range map[string]string{
		`"x\u00e9"`: "xé", `12345678901234567890`: "12345678901234567890", `1e3`: "1000",
		`2.50`: "2.5", `-0.000001`: "-0.000001", `true`: "true", `1e400`: "1e400",
	} {
		got, ok, err := scalar(json.RawMessage(raw))
		if err != nil || !ok || got != want {
			t.Errorf("scalar(%s) = %q, %v, %v; want %q", raw, got, ok, err, want)
		}
	}
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		`{"_id": "a", "text": "x"}`, `{"_id": 1e5, "n": null, "o": {}}`, `[]`, `null`, `{"_id": ""}`, `{`, `"s"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		rec, err := parseLine(line)
		if err == nil && rec.id == "" {
			t.Fatal("accepted a record without an id")
		}
	})
}

func FuzzParseQrels(f *testing.F) {
	f.Add("query-id\tcorpus-id\tscore\nq1\td1\t1\n")
	f.Add("q1 d1 2\n\nq2\td2\t-1")
	f.Add("a\tb\n")
	f.Fuzz(func(t *testing.T, data string) {
		q, err := parseQrels(strings.NewReader(data), "f")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f:") {
				t.Fatalf("error without location: %v", err)
			}
			return
		}
		// Scoring whatever was parsed must not panic either.
		ds := &Dataset{Qrels: q}
		ranked := map[string][]string{}
		for qid, rels := range q {
			ds.Queries = append(ds.Queries, Query{ID: qid})
			for did := range rels {
				ranked[qid] = append(ranked[qid], did)
			}
		}
		m := Score(ds, ranked)
		for _, v := range []float64{m.NDCG10, m.Recall10, m.Recall100, m.MRR10} {
			if v < 0 || v > 1+1e-9 || math.IsNaN(v) {
				t.Fatalf("metric out of range: %+v", m)
			}
		}
	})
}
