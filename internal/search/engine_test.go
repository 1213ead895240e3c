package search

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/embed"
	"github.com/memtomem/memtomem/internal/embed/embedtest"
	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/store/sqlite"
)

// conceptEmbedder is a deterministic in-process embedder: words of one
// group share an axis (see embedtest.Concepts).
type conceptEmbedder struct{ fn func(string) []float32 }

func (c conceptEmbedder) Generation() embed.Generation {
	return embed.Generation{Provider: "test", Model: "concepts", Dimension: 16}
}

func (c conceptEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = c.fn(t)
	}
	return out, nil
}

type doc struct {
	text    string
	created time.Time
}

// newEngine stores docs (one chunk each, with vectors) in a real SQLite
// store and returns an engine with the dense leg on.
func newEngine(t *testing.T, docs ...doc) *Engine {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	emb := conceptEmbedder{embedtest.Concepts(16,
		[]string{"car", "automobile", "sedan", "vehicle"},
		[]string{"bike", "bicycle", "cycling"},
		[]string{"garage", "parking", "storage"})}
	chunks := make([]store.Chunk, len(docs))
	for i, d := range docs {
		chunks[i] = store.Chunk{Content: d.text, ContentHash: d.text, Namespace: "default", CreatedAt: d.created}
	}
	_, chunks, err = db.ReplaceFile(ctx, store.Always, func() (store.File, []store.Chunk, error) {
		return store.File{Path: "/notes.md", Namespace: "default"}, chunks, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	gen := emb.Generation().String()
	texts := make([]string, len(chunks))
	for i, c := range chunks {
		texts[i] = c.Content
	}
	vecs, _ := emb.Embed(ctx, texts)
	cv := make([]store.ChunkVector, len(chunks))
	for i, c := range chunks {
		cv[i] = store.ChunkVector{ChunkID: c.ID, ContentHash: c.ContentHash, Vector: vecs[i]}
	}
	if _, err := db.PutVectors(ctx, gen, cv); err != nil {
		t.Fatal(err)
	}
	return &Engine{Store: db, Embedder: emb, Generation: gen}
}

func contents(resp Response) []string {
	var out []string
	for _, r := range resp.Results {
		out = append(out, r.Content)
	}
	return out
}

func TestFusionRanksAgreementFirst(t *testing.T) {
	e := newEngine(t,
		doc{text: "the sedan stays in the garage"},
		doc{text: "automobile maintenance schedule"},
		doc{text: "cycling routes near the lake"},
	)
	resp, err := e.Search(context.Background(), Request{Query: "automobile garage", TopK: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) == 0 || resp.Results[0].ScoreScale != ScaleRRF || strings.Join(resp.Legs, ",") != "bm25,dense" {
		t.Fatalf("want fused results, got %+v", resp)
	}
	// Both chunks about cars outrank the cycling one; the bike chunk is
	// reachable only through the dense leg, and scores lowest.
	got := contents(resp)
	if len(got) < 2 || strings.Contains(got[0], "cycling") || strings.Contains(got[1], "cycling") {
		t.Errorf("ranking %q", got)
	}
	zero := 0.0
	resp, _ = e.Search(context.Background(), Request{Query: "vehicle", TopK: 3, BM25Weight: &zero})
	if len(resp.Results) == 0 || resp.Results[0].ScoreScale != ScaleDense {
		t.Errorf("dense only: %+v", resp)
	}
}

func TestDecayPrefersRecent(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	e := newEngine(t,
		doc{text: "parking rules for the office", created: now.AddDate(0, 0, -60)},
		doc{text: "parking rules for the office", created: now.AddDate(0, 0, -1)},
	)
	one, off := 1.0, 0.0
	resp, err := e.Search(context.Background(), Request{Query: "parking rules", TopK: 2, DenseWeight: &off, DecayHalfLifeDays: &one, Now: now})
	if err != nil || len(resp.Results) != 2 {
		t.Fatalf("%+v %v", resp, err)
	}
	if !resp.Results[0].CreatedAt.Equal(now.AddDate(0, 0, -1)) {
		t.Errorf("with decay the recent twin must rank first: %v then %v", resp.Results[0].CreatedAt, resp.Results[1].CreatedAt)
	}
	if resp.Results[1].Score >= resp.Results[0].Score/1000 {
		t.Errorf("60 days at a 1-day half-life should shrink the score to ~0: %v vs %v", resp.Results[1].Score, resp.Results[0].Score)
	}
}

func TestMMRDiversifies(t *testing.T) {
	// On the dense leg alone: two near-duplicates about a sedan in a garage,
	// and one that is half about something else.
	e := newEngine(t,
		doc{text: "sedan garage"},
		doc{text: "sedan garage parked"},
		doc{text: "sedan bicycle"},
	)
	ctx := context.Background()
	zero, lambda := 0.0, 0.3
	plain, err := e.Search(ctx, Request{Query: "sedan garage", TopK: 2, BM25Weight: &zero})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(contents(plain), "|"), "bicycle") {
		t.Fatalf("setup: without MMR the two near-duplicates should fill the top 2: %q", contents(plain))
	}
	diverse, err := e.Search(ctx, Request{Query: "sedan garage", TopK: 2, BM25Weight: &zero, MMRLambda: &lambda})
	if err != nil {
		t.Fatal(err)
	}
	if got := contents(diverse); len(got) != 2 || got[0] != "sedan garage" || got[1] != "sedan bicycle" {
		t.Errorf("MMR should keep the best hit and make room for the different one: %q", got)
	}
}

func TestBadFusionParameters(t *testing.T) {
	e := newEngine(t, doc{text: "anything"})
	neg, zero, two := -1.0, 0.0, 2.0
	for name, req := range map[string]Request{
		"negative weight": {Query: "x", TopK: 1, BM25Weight: &neg},
		"both zero":       {Query: "x", TopK: 1, BM25Weight: &zero, DenseWeight: &zero},
		"lambda > 1":      {Query: "x", TopK: 1, MMRLambda: &two},
		"negative decay":  {Query: "x", TopK: 1, DecayHalfLifeDays: &neg},
		"top_k 0":         {Query: "x", TopK: 0},
	} {
		if _, err := e.Search(context.Background(), req); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

// A hyphenated compound in a query finds the note that writes its words in
// another order or apart: "alpha-TNF inhibitors" finds the note on
// TNF-alpha inhibitors first, not the shorter one that only shares
// "inhibitors" (as a phrase, "alpha tnf" would have matched nothing).
func TestHyphenatedQueryWordsAreTerms(t *testing.T) {
	zero := 0.0
	for _, q := range []string{"alpha-TNF inhibitors", "TNF alpha inhibitors"} {
		e := newEngine(t,
			doc{text: "TNF-alpha inhibitors reduce the inflammation in most patients of the trial"},
			doc{text: "kinase inhibitors in trials"},
			doc{text: "lunch menu for friday"},
		)
		resp, err := e.Search(context.Background(), Request{Query: q, TopK: 3, DenseWeight: &zero})
		if err != nil {
			t.Fatal(err)
		}
		if got := contents(resp); len(got) != 2 || !strings.HasPrefix(got[0], "TNF-alpha") {
			t.Errorf("%q: ranking %q, want the TNF-alpha note first", q, got)
		}
	}
}
