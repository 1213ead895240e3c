package eval

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/embed"
	"github.com/memtomem/memtomem/internal/embed/embedtest"
)

func randomVec(seed string, dim int) []float64 {
	h := fnv.New64a()
	h.Write([]byte(seed))
	r := rand.New(rand.NewPCG(h.Sum64(), 7))
	v := make([]float64, dim)
	var n float64
	for i := range v {
		v[i] = r.NormFloat64()
		n += v[i] * v[i]
	}
	n = math.Sqrt(n)
	for i := range v {
		v[i] /= n
	}
	return v
}

func f32(v []float64) []float32 {
	out := make([]float32, len(v))
	var n float64
	for _, x := range v {
		n += x * x
	}
	n = math.Sqrt(n)
	for i, x := range v {
		out[i] = float32(x / n)
	}
	return out
}

// TestMeasureFusion prints the figures of the fusion guard's comment on
// the shared sets (never copied here): MEASURE_FUSION=scifact|locomo and
// MEASURE_EMBEDDER=random (no signal), lexical (hashed bag of words: weak,
// agrees with keywords) or oracle (a simulated model that knows the
// relevant documents through noise: strong, complementary).
func TestMeasureFusion(t *testing.T) {
	which := os.Getenv("MEASURE_FUSION")
	if which == "" {
		t.Skip("set MEASURE_FUSION=scifact|locomo and MEASURE_EMBEDDER=random|lexical|oracle")
	}
	dir := filepath.Join("..", "..", "..", "shared", "eval-data", which)
	split, group := "train", ""
	if which == "locomo" {
		split, group = "dev", "conv"
	}
	ds, err := Load(dir, split)
	if err != nil {
		t.Fatal(err)
	}
	const dim = 64
	// oracle: query vector near its relevant docs, docs random.
	docText := map[string]string{}
	for _, d := range ds.Docs {
		text := d.Text
		if d.Title != "" {
			text = d.Title + "\n" + d.Text
		}
		docText[text] = d.ID
	}
	qrel := map[string]map[string]int{}
	for _, q := range ds.Queries {
		qrel[q.Text] = ds.Qrels[q.ID]
	}
	embedders := map[string]func(string) []float32{
		"random":  func(s string) []float32 { return f32(randomVec(s, dim)) },
		"lexical": embedtest.Concepts(256),
		"oracle": func(s string) []float32 {
			if id, ok := docText[s]; ok {
				return f32(randomVec("doc:"+id, dim))
			}
			v := randomVec("noise:"+s, dim)
			for id := range qrel[s] {
				d := randomVec("doc:"+id, dim)
				for i := range v {
					v[i] += 0.35 * d[i]
				}
			}
			return f32(v)
		},
	}
	name := os.Getenv("MEASURE_EMBEDDER")
	srv := embedtest.NewOpenAIServer(t, embedders[name])
	e, err := embed.New(config.EmbeddingConfig{Provider: "openai", Model: "m", BaseURL: srv.URL + "/v1"}, embed.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, guard := range []string{"off", "agreement"} {
		m, st, err := Run(context.Background(), ds, RunOptions{K: 100, GroupBy: group, Dir: t.TempDir(), Embedder: e,
			Search: config.SearchConfig{FusionGuard: guard}})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("%s\t%s\tguard=%s\tnDCG@10 %.4f R@10 %.4f R@100 %.4f MRR@10 %.4f p50 %v\n", which, name, guard, m.NDCG10, m.Recall10, m.Recall100, m.MRR10, st.QueryPercentile(50))
	}
}
