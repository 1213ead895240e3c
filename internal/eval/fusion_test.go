package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/embed"
	"github.com/memtomem/memtomem/internal/embed/embedtest"
)

// guardGroups are the concepts of the fusion guard's test corpus: each doc
// names one word of one group, so a query naming another word of the group
// shares its meaning but not its spelling.
var guardGroups = [][]string{
	{"car", "automobile", "sedan", "vehicle"},
	{"bicycle", "bike", "cycling", "tandem"},
	{"kettle", "teapot", "boiler", "samovar"},
	{"garden", "allotment", "orchard", "greenhouse"},
	{"invoice", "receipt", "bill", "statement"},
	{"meeting", "standup", "retro", "sync"},
	{"laptop", "notebook", "ultrabook", "chromebook"},
	{"river", "stream", "creek", "brook"},
}

// guardSet writes a BEIR set of 64 docs, "shelfJ" plus one group word each.
// exact queries name the doc's own word (keyword search finds each doc
// first); synonym queries name another word of its group (only meaning
// tells the doc from the seven others on its shelf).
func guardSet(t *testing.T, synonyms bool) *Dataset {
	var corpus, queries, qrels strings.Builder
	qrels.WriteString("query-id\tcorpus-id\tscore\n")
	for g, words := range guardGroups {
		for j := range 8 {
			id := fmt.Sprintf("d%d-%d", g, j)
			line, _ := json.Marshal(map[string]string{"_id": id, "text": fmt.Sprintf("shelf%d holds the %s notes", j, words[j%4])})
			corpus.Write(append(line, '\n'))
			word := words[j%4]
			if synonyms {
				word = words[(j+1)%4]
			}
			line, _ = json.Marshal(map[string]string{"_id": "q" + id, "text": fmt.Sprintf("shelf%d %s", j, word)})
			queries.Write(append(line, '\n'))
			fmt.Fprintf(&qrels, "q%s\t%s\t1\n", id, id)
		}
	}
	dir := writeFiles(t, map[string]string{"corpus.jsonl": corpus.String(), "queries.jsonl": queries.String(), "qrels/test.tsv": qrels.String()})
	ds, err := Load(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// randomVectors gives every text its own random unit vector: a model that
// carries no signal at all.
func randomVectors(text string) []float32 {
	h := fnv.New64a()
	h.Write([]byte(text))
	r := rand.New(rand.NewPCG(h.Sum64(), 1))
	v := make([]float32, 16)
	var n float64
	for i := range v {
		x := r.NormFloat64()
		v[i], n = float32(x), n+x*x
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}

func openAIEmbedder(t *testing.T, fn func(string) []float32) embed.Embedder {
	srv := embedtest.NewOpenAIServer(t, fn)
	e, err := embed.New(config.EmbeddingConfig{Provider: "openai", Model: "m", BaseURL: srv.URL + "/v1"}, embed.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func runWith(t *testing.T, ds *Dataset, e embed.Embedder, guard string) Metrics {
	t.Helper()
	m, _, err := Run(context.Background(), ds, RunOptions{K: 100, Dir: t.TempDir(), Embedder: e, Search: config.SearchConfig{FusionGuard: guard}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A dense leg that carries no signal cannot sink fused results below
// keywords: at the default settings nDCG@10 stays within 0.01 of
// keyword-only, where plain fusion loses much more.
func TestFusionGuardNoSignal(t *testing.T) {
	ds := guardSet(t, false)
	keyword := runWith(t, ds, nil, "")
	e := openAIEmbedder(t, randomVectors)
	guarded, plain := runWith(t, ds, e, ""), runWith(t, ds, e, "off")
	t.Logf("keyword %.4f, guarded %.4f, plain %.4f", keyword.NDCG10, guarded.NDCG10, plain.NDCG10)
	if keyword.NDCG10 < 0.95 {
		t.Fatalf("keyword-only nDCG@10 %.4f: the corpus should suit keywords", keyword.NDCG10)
	}
	if guarded.NDCG10 < keyword.NDCG10-0.01 {
		t.Errorf("guarded fusion with random vectors: nDCG@10 %.4f, keyword-only %.4f", guarded.NDCG10, keyword.NDCG10)
	}
	if plain.NDCG10 > keyword.NDCG10-0.05 {
		t.Errorf("plain fusion with random vectors: nDCG@10 %.4f, keyword-only %.4f; the test corpus no longer shows the harm", plain.NDCG10, keyword.NDCG10)
	}
}

// A dense leg that carries signal (synonyms the keywords cannot see) still
// lifts fused results above keywords alone, guard on.
func TestFusionGuardKeepsSignal(t *testing.T) {
	ds := guardSet(t, true)
	keyword := runWith(t, ds, nil, "")
	guarded := runWith(t, ds, openAIEmbedder(t, embedtest.Concepts(64, guardGroups...)), "")
	t.Logf("keyword %.4f, guarded %.4f", keyword.NDCG10, guarded.NDCG10)
	if guarded.NDCG10 < keyword.NDCG10+0.1 {
		t.Errorf("fusion with a concept model: nDCG@10 %.4f, keyword-only %.4f; want a clear gain", guarded.NDCG10, keyword.NDCG10)
	}
}
