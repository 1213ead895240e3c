package embed

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/embed/embedtest"
)

func ollamaCfg(url string) config.EmbeddingConfig {
	return config.EmbeddingConfig{Provider: "ollama", Model: "nomic-embed-text", BaseURL: url}
}

func TestOllama(t *testing.T) {
	rec := &recorder{next: embedtest.OllamaHandler(t, lengthVec)}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	opts := fastOpts()
	opts.BatchSize = 2
	e := mustNew(t, ollamaCfg(srv.URL+"/"), opts)
	texts := []string{"a", "bb", "ccc", "dddd", "eeeee"}
	vecs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vecs {
		assertClose(t, v, normalised(lengthVec(texts[i])), 1e-6)
	}
	if rec.count() != 3 {
		t.Fatalf("%d requests, want 3", rec.count())
	}
	if rec.bodies[0]["model"] != "nomic-embed-text" || !slices.Equal(inputs(rec.bodies[2]), []string{"eeeee"}) {
		t.Fatalf("bodies %v", rec.bodies)
	}
	if g := e.Generation(); g.String() != "ollama/nomic-embed-text/3" {
		t.Fatalf("generation %v", g)
	}
}

func TestOllamaErrors(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		body    string
		baseURL string // appended to the server URL
		want    []string
	}{
		{"model not pulled", 404, `{"error":"model \"nomic-embed-text\" not found, try pulling it first"}`, "",
			[]string{"status 404 Not Found", "try pulling it first", "ollama pull nomic-embed-text"}},
		{"not an embedding model", 400, `{"error":"\"llama3\" does not support embeddings"}`, "",
			[]string{"status 400", "is not an embedding model"}},
		{"old ollama", 404, `404 page not found`, "",
			[]string{"404 Not Found", "check embedding.base_url is the Ollama server", "0.3 or newer"}},
		{"openai answer", 200, `{"object":"list","data":[]}`, "/v1",
			[]string{`no "embeddings" list`, "use provider openai"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, _ := scripted(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(c.status)
				fmt.Fprint(w, c.body)
			})
			e := mustNew(t, ollamaCfg(srv.URL+c.baseURL), fastOpts())
			_, err := e.Embed(context.Background(), []string{"x"})
			assertErr(t, err, append([]string{"ollama embeddings at " + srv.URL + c.baseURL + "/api/embed"}, c.want...)...)
		})
	}
}

func TestOllamaConnectionRefusedHint(t *testing.T) {
	srv, _ := scripted(t, func(int, http.ResponseWriter, *http.Request) {})
	url := srv.URL
	srv.Close()
	opts := fastOpts()
	opts.MaxRetries = -1
	e := mustNew(t, ollamaCfg(url), opts)
	_, err := e.Embed(context.Background(), []string{"x"})
	assertErr(t, err, "is Ollama running (`ollama serve`)?")
}
