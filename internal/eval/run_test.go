package eval

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/embed"
	"github.com/memtomem/memtomem/internal/embed/embedtest"
)

// A tiny BEIR set, evaluated keyword-only and then hybrid with a generated
// model2vec model: mm eval measures whatever provider is configured.
const (
	runCorpus = `{"_id": "d1", "title": "Garage", "text": "keep the sedan inside over winter"}
{"_id": "d2", "title": "Bikes", "text": "cycling routes along the lake shore"}
{"_id": "d3", "title": "Kitchen", "text": "descale the kettle every month"}
`
	runQueries = `{"_id": "q1", "text": "kettle"}
{"_id": "q2", "text": "lake"}
`
	runQrels = "query-id\tcorpus-id\tscore\nq1\td3\t1\nq2\td2\t1\n"
)

func TestRunKeywordAndHybrid(t *testing.T) {
	dir := writeFiles(t, map[string]string{"corpus.jsonl": runCorpus, "queries.jsonl": runQueries, "qrels/test.tsv": runQrels})
	ds, err := Load(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	m, st, err := Run(context.Background(), ds, RunOptions{K: 10, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if m.Queries != 2 || m.MRR10 != 1 || st.Docs != 3 {
		t.Errorf("keyword run: %+v %+v", m, st)
	}

	modelDir := filepath.Join(t.TempDir(), "model")
	vocab := []string{"garage", "sedan", "keep", "the", "inside", "over", "winter", "bikes", "cycling", "routes", "along",
		"lake", "shore", "kitchen", "descale", "kettle", "every", "month"}
	if err := embedtest.WriteModel2Vec(modelDir, vocab, 32, 7); err != nil {
		t.Fatal(err)
	}
	e, err := embed.New(config.EmbeddingConfig{Provider: "model2vec", Model: modelDir}, embed.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hm, _, err := Run(context.Background(), ds, RunOptions{K: 10, Dir: t.TempDir(), Embedder: e})
	if err != nil {
		t.Fatal(err)
	}
	// Random model rows carry no meaning, so only check that the hybrid run
	// works end to end and the keyword evidence still wins through fusion.
	if hm.Queries != 2 || hm.Recall10 != 1 {
		t.Errorf("hybrid run: %+v", hm)
	}
}
