package embed

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/embed/embedtest"
)

func TestOpenAIBatchesInOrderAndNormalises(t *testing.T) {
	rec := &recorder{next: embedtest.OpenAIHandler(t, lengthVec)}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	opts := fastOpts()
	opts.BatchSize = 64
	e := mustNew(t, openAICfg(srv), opts)

	texts := make([]string, 150)
	for i := range texts {
		texts[i] = strings.Repeat("x", i+1)
	}
	vecs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != len(texts) {
		t.Fatalf("%d vectors for %d texts", len(vecs), len(texts))
	}
	for i, v := range vecs {
		assertUnit(t, v)
		assertClose(t, v, normalised(lengthVec(texts[i])), 1e-6)
	}
	if rec.count() != 3 {
		t.Fatalf("%d requests, want 3", rec.count())
	}
	var sizes []int
	var sent []string
	for _, b := range rec.bodies {
		sizes = append(sizes, len(inputs(b)))
		sent = append(sent, inputs(b)...)
		if b["model"] != "test-embed" {
			t.Errorf("model %v, want test-embed", b["model"])
		}
		if _, ok := b["dimensions"]; ok {
			t.Errorf("dimensions sent although embedding.dimension is 0: %v", b)
		}
	}
	if !slices.Equal(sizes, []int{64, 64, 22}) || !slices.Equal(sent, texts) {
		t.Fatalf("batch sizes %v; texts sent in order: %v", sizes, slices.Equal(sent, texts))
	}
	if g := e.Generation(); g != (Generation{Provider: "openai", Model: "test-embed", Dimension: 3}) {
		t.Fatalf("generation %+v", g)
	}
}

func TestOpenAIOrdersByIndex(t *testing.T) {
	srv, _ := scripted(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// Answer out of order; only "index" says which is which.
		fmt.Fprint(w, `{"object":"list","data":[
			{"object":"embedding","index":2,"embedding":[0,0,3]},
			{"object":"embedding","index":0,"embedding":[1,0,0]},
			{"object":"embedding","index":1,"embedding":[0,2,0]}],"model":"m"}`)
	})
	e := mustNew(t, openAICfg(srv), fastOpts())
	vecs, err := e.Embed(context.Background(), []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vecs {
		if v[i] != 1 {
			t.Fatalf("vector %d = %v, want unit vector on axis %d", i, v, i)
		}
	}
}

func TestOpenAIKeyDimensionsAndTrailingSlash(t *testing.T) {
	rec := &recorder{next: embedtest.OpenAIHandler(t, func(string) []float32 { return []float32{3, 4, 0, 0} })}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	cfg := openAICfg(srv)
	cfg.BaseURL += "/"
	cfg.APIKey = "sk-test-key"
	cfg.Dimension = 2
	e := mustNew(t, cfg, fastOpts())
	vecs, err := e.Embed(context.Background(), []string{"hello"})
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, vecs[0], []float64{0.6, 0.8}, 1e-6)
	if got := rec.heads[0].Get("Authorization"); got != "Bearer sk-test-key" {
		t.Errorf("Authorization %q", got)
	}
	if rec.bodies[0]["dimensions"] != float64(2) {
		t.Errorf("dimensions %v, want 2", rec.bodies[0]["dimensions"])
	}
}

// A server (or an older OpenAI model) that refuses "dimensions" gets the
// request again without it; the dimension check still holds the size.
func TestOpenAIDropsRefusedDimensions(t *testing.T) {
	srv, rec := scripted(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if strings.Contains(readBody(r), "dimensions") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":{"message":"This model does not support specifying dimensions.","type":"invalid_request_error"}}`)
			return
		}
		openAIAnswer(w, [][]float32{{1, 2, 3}})
	})
	cfg := openAICfg(srv)
	cfg.Dimension = 3
	e := mustNew(t, cfg, fastOpts())
	for range 2 {
		if _, err := e.Embed(context.Background(), []string{"x"}); err != nil {
			t.Fatal(err)
		}
	}
	if rec.count() != 3 {
		t.Fatalf("%d requests, want 3 (refused, resent, then without dimensions)", rec.count())
	}
}

func TestOpenAIBase64Answer(t *testing.T) {
	h := embedtest.OpenAIHandler(t, func(string) []float32 { return []float32{0, 5, 0} })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Pretend the server defaults to base64, as some do.
		body := strings.Replace(readBody(r), `"model"`, `"encoding_format":"base64","model"`, 1)
		r.Body = ioNopCloser(body)
		r.ContentLength = int64(len(body))
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	e := mustNew(t, openAICfg(srv), fastOpts())
	vecs, err := e.Embed(context.Background(), []string{"x"})
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, vecs[0], []float64{0, 1, 0}, 0)
}

func TestOpenAIAnswerShapeErrors(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string
	}{
		{"count", `{"data":[{"index":0,"embedding":[1]}]}`, []string{"holds 1 vectors for 2 texts"}},
		{"no data", `{"object":"list"}`, []string{`no "data" list`, "embedding.base_url"}},
		{"duplicate index", `{"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]}`, []string{"duplicate or out-of-range index 0"}},
		{"not numbers", `{"data":[{"index":0,"embedding":["a"]},{"index":1,"embedding":[1]}]}`, []string{"vector 0"}},
		{"not json", `hello there`, []string{"not JSON", "embedding.base_url"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, rec := scripted(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				fmt.Fprint(w, c.body)
			})
			e := mustNew(t, openAICfg(srv), fastOpts())
			_, err := e.Embed(context.Background(), []string{"a", "b"})
			assertErr(t, err, append([]string{"openai embeddings at " + srv.URL + "/v1/embeddings"}, c.want...)...)
			if rec.count() != 1 {
				t.Errorf("%d requests: a malformed answer must not be retried", rec.count())
			}
		})
	}
}

// The lead's end-to-end tests rely on this: through the real client and
// the fake OpenAI server, a query sharing no keyword with a text is still
// closest to the text that shares its concept.
func TestConceptsThroughOpenAI(t *testing.T) {
	srv := embedtest.NewOpenAIServer(t, embedtest.Concepts(64,
		[]string{"car", "automobile", "vehicle", "sedan"},
		[]string{"database", "sqlite", "postgres"}))
	e := mustNew(t, openAICfg(srv), fastOpts())
	docs := []string{
		"We decided to keep the sedan in the garage over winter",
		"Migrated the sqlite file to a bigger disk",
		"Lunch with the team on Friday",
	}
	vecs, err := e.Embed(context.Background(), append([]string{"automobile storage"}, docs...))
	if err != nil {
		t.Fatal(err)
	}
	best, bestScore := -1, -2.0
	for i, d := range vecs[1:] {
		var s float64
		for j := range d {
			s += float64(d[j]) * float64(vecs[0][j])
		}
		if s > bestScore {
			best, bestScore = i, s
		}
	}
	if best != 0 {
		t.Fatalf("closest to the query is %q (%.3f)", docs[best], bestScore)
	}
}
