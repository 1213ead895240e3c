//go:build eval

package secret

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/chunk"
	mmconfig "github.com/memtomem/memtomem/internal/config"
)

// scifactDir is the shared evaluation data, beside the repository (it is
// licensed for measurement only and never copied in).
const scifactDir = "../../../shared/eval-data/scifact"

// TestSciFactFalsePositives scans every SciFact abstract, whole and as the
// indexer chunks it, and fails on any finding: scientific text holds no
// credentials, so each one is a false positive the rules must not make.
//
//	go test -tags eval -run SciFact -v ./internal/secret/
func TestSciFactFalsePositives(t *testing.T) {
	docs := readCorpus(t)
	start := time.Now()
	Find("load the rules")
	t.Logf("rules compiled in %v", time.Since(start))
	var scanTime time.Duration
	perRule := map[string]int{}
	flaggedDocs, flaggedChunks, chunks := 0, 0, 0
	for _, d := range docs {
		text := d.Title + "\n\n" + d.Text
		found := Find(text)
		if len(found) > 0 {
			flaggedDocs++
			for _, f := range found {
				perRule[f.Rule]++
				t.Logf("doc %s: %s: %.120q", d.ID, f, lineOf(text, f.Line))
			}
		}
		md := "# " + d.Title + "\n\n" + d.Text + "\n"
		for _, c := range chunk.Split(d.ID+".md", []byte(md), chunk.Options{TargetChars: mmconfig.DefaultChunkTargetChars, MinChars: mmconfig.DefaultChunkMinChars, MaxChars: mmconfig.DefaultChunkMaxChars}) {
			chunks++
			s := time.Now()
			found := Find(c.Content)
			scanTime += time.Since(s)
			if len(found) > 0 {
				flaggedChunks++
			}
		}
	}
	rules := make([]string, 0, len(perRule))
	for r := range perRule {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	t.Logf("mean scan time per chunk: %v", scanTime/time.Duration(max(chunks, 1)))
	t.Logf("SciFact: %d of %d documents and %d of %d chunks flagged; rules: %v %v", flaggedDocs, len(docs), flaggedChunks, chunks, rules, perRule)
	if flaggedDocs > 0 || flaggedChunks > 0 {
		t.Errorf("%d documents, %d chunks flagged as holding secrets; want none", flaggedDocs, flaggedChunks)
	}
}

type doc struct {
	ID    string `json:"_id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

func readCorpus(t testing.TB) []doc {
	t.Helper()
	var r io.Reader
	f, err := os.Open(filepath.Join(scifactDir, "corpus.jsonl"))
	if err != nil {
		f, err = os.Open(filepath.Join(scifactDir, "corpus.jsonl.gz"))
		if err != nil {
			t.Skipf("SciFact corpus not found under %s (shared eval data): %v", scifactDir, err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	} else {
		r = f
	}
	defer f.Close()
	var docs []doc
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var d doc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return docs
}

func lineOf(text string, n int) string {
	for i, l := range splitLines(text) {
		if i+1 == n {
			return l
		}
	}
	return ""
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := range len(s) {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// The prefilters on real text: wherever a prefiltered rule's expression
// matches a SciFact chunk (before its allowlists and entropy threshold
// drop the match), its prefilter lets it run; and the scan with the
// prefilters costs less than the scan without.
//
//	go test -tags eval -run SciFactPrefilters -v ./internal/secret/
func TestSciFactPrefilters(t *testing.T) {
	docs := readCorpus(t)
	Find("load the rules")
	var with, without time.Duration
	matched, chunks := make([]int, len(prefilters)), 0
	for _, d := range docs {
		md := "# " + d.Title + "\n\n" + d.Text + "\n"
		for _, c := range chunk.Split(d.ID+".md", []byte(md), chunk.Options{TargetChars: mmconfig.DefaultChunkTargetChars, MinChars: mmconfig.DefaultChunkMinChars, MaxChars: mmconfig.DefaultChunkMaxChars}) {
			chunks++
			for i, pf := range prefilters {
				if detector().Config.Rules[pf.rule].Regex.MatchString(c.Content) {
					matched[i]++
					if !pf.may(c.Content, asciiLower(c.Content)) {
						t.Errorf("%s matches a chunk of doc %s but its prefilter says it cannot: %.200q", pf.rule, d.ID, c.Content)
					}
				}
			}
			s := time.Now()
			got := Find(c.Content)
			with += time.Since(s)
			s = time.Now()
			want := findWith(detector(), c.Content)
			without += time.Since(s)
			if len(got) != len(want) {
				t.Errorf("doc %s: Find %v, the full rule set %v", d.ID, got, want)
			}
		}
	}
	for i, pf := range prefilters {
		t.Logf("%s: its expression matches %d of %d chunks", pf.rule, matched[i], chunks)
	}
	t.Logf("mean scan time per chunk: %v with the prefilters, %v without", with/time.Duration(chunks), without/time.Duration(chunks))
}
