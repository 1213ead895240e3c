package eval

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/embed"
	"github.com/memtomem/memtomem/internal/embed/embedtest"
	"github.com/memtomem/memtomem/internal/search"
	"github.com/memtomem/memtomem/internal/store"
)

type legs struct{ kw, vec []store.Hit }

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

func TestMeasureFusionLegs(t *testing.T) {
	which := os.Getenv("MEASURE_FUSION")
	if which == "" {
		t.Skip("set MEASURE_FUSION=scifact|locomo")
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
		"random":   func(s string) []float32 { return f32(randomVec(s, dim)) },
		"lexical":  embedtest.Concepts(256),
		"oracle": func(s string) []float32 {
			if id, ok := docText[s]; ok {
				return f32(randomVec("doc:"+id, dim))
			}
			v := randomVec("noise:"+s, dim)
			for i := range v {
				v[i] *= 1.0
			}
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
	if os.Getenv("MEASURE_RUN") != "" {
		for _, guard := range []string{"off", "agreement"} {
			m, st, err := Run(context.Background(), ds, RunOptions{K: 100, GroupBy: group, Dir: t.TempDir(), Embedder: e,
				Search: config.SearchConfig{FusionGuard: guard}})
			if err != nil {
				t.Fatal(err)
			}
			fmt.Printf("%s\t%s\tguard=%s\tnDCG@10 %.4f R@10 %.4f R@100 %.4f MRR@10 %.4f p50 %v\n", which, name, guard, m.NDCG10, m.Recall10, m.Recall100, m.MRR10, st.QueryPercentile(50))
		}
		return
	}
	groups := map[string]*Dataset{"all": ds}
	if group != "" {
		if groups, err = GroupBy(ds, group); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	out, _ := os.Create(fmt.Sprintf("/tmp/fusion/%s-%s.tsv", which, name))
	defer out.Close()
	names := make([]string, 0)
	for n := range groups {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, gname := range names {
		g := groups[gname]
		db, err := OpenCorpus(ctx, store.Location{Path: filepath.Join(t.TempDir(), fmt.Sprintf("g%d.db", i))}, g.Docs, nil, e)
		if err != nil {
			t.Fatal(err)
		}
		gen := e.Generation().String()
		for _, q := range g.Queries {
			pq, err := search.ParseQuery(q.Text)
			var kw []store.Hit
			if err == nil {
				kw, err = db.KeywordSearch(ctx, store.KeywordQuery{Phrases: pq.Store(), Limit: 200})
				if err != nil {
					t.Fatal(err)
				}
			}
			vecs, err := e.Embed(ctx, []string{q.Text})
			if err != nil {
				t.Fatal(err)
			}
			vh, err := db.DenseSearch(ctx, store.DenseQuery{Generation: gen, Vector: vecs[0], Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(out, "%s\t%d", q.ID, len(g.Docs))
			for _, legHits := range [][]store.Hit{kw, vh} {
				fmt.Fprint(out, "\t")
				for j, h := range legHits {
					if j > 0 {
						fmt.Fprint(out, " ")
					}
					fmt.Fprintf(out, "%s:%.5g", h.EntryID, h.Score)
				}
			}
			fmt.Fprintln(out)
		}
		db.Close()
	}
}
