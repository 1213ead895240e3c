package rerank

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/provider"
)

// wire speaks POST {base_url}/rerank. Cohere (v1 and v2), Jina and
// llama.cpp's server take the same request — model, query, documents,
// top_n — and answer {"results":[{"index","relevance_score"}]} sorted by
// score, index being the document's position in the request. What differs
// is around it: Jina echoes every document unless told not to, llama.cpp
// needs no model (it serves the one it loaded) and scores with the model's
// raw logits, and their errors call for different fixes.
type wire struct {
	provider     string
	url          string
	model        string
	needsModel   bool
	exampleModel string
	// noDocs asks the server not to echo the documents (Jina's
	// return_documents, which defaults to true there).
	noDocs bool
}

func newWire(cfg config.RerankConfig, base *url.URL) *wire {
	w := &wire{provider: cfg.Provider, url: provider.JoinPath(base, "/rerank"), model: cfg.Model}
	switch cfg.Provider {
	case "cohere":
		w.needsModel, w.exampleModel = true, "rerank-v3.5"
	case "jina":
		w.needsModel, w.exampleModel, w.noDocs = true, "jina-reranker-v2-base-multilingual", true
	}
	return w
}

type request struct {
	Model           string   `json:"model,omitempty"`
	Query           string   `json:"query"`
	Documents       []string `json:"documents"`
	TopN            int      `json:"top_n"`
	ReturnDocuments *bool    `json:"return_documents,omitempty"`
}

// encode asks for a score for every document: top_n is their number, so
// no server cuts the answer short.
func (w *wire) encode(query string, docs []string) ([]byte, error) {
	r := request{Model: w.model, Query: query, Documents: docs, TopN: len(docs)}
	if w.noDocs {
		f := false
		r.ReturnDocuments = &f
	}
	return json.Marshal(r)
}

type response struct {
	Results *[]struct {
		Index          *int     `json:"index"`
		RelevanceScore *float64 `json:"relevance_score"`
	} `json:"results"`
}

// decode returns one score per document, in the order of the request,
// or describes what is wrong with the answer.
func decode(body []byte, n int) ([]float64, string) {
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Sprintf("cannot read it as a rerank answer: %v", err)
	}
	if r.Results == nil {
		return nil, `it has no "results" list: check rerank.base_url points at a rerank API (the API root, usually ending in /v1)`
	}
	scores := make([]float64, n)
	seen := make([]bool, n)
	for _, res := range *r.Results {
		if res.Index == nil || res.RelevanceScore == nil {
			return nil, `a result lacks "index" or "relevance_score"`
		}
		i := *res.Index
		if i < 0 || i >= n || seen[i] {
			return nil, fmt.Sprintf("it has a duplicate or out-of-range index %d for %d documents", i, n)
		}
		seen[i], scores[i] = true, *res.RelevanceScore
	}
	if got := len(*r.Results); got != n {
		return nil, fmt.Sprintf("it scored %d of the %d documents sent", got, n)
	}
	return scores, ""
}

func (w *wire) Hint(status int, msg string) string {
	lower := strings.ToLower(msg)
	switch {
	case w.provider == "llamacpp" && (status == 404 || strings.Contains(lower, "rerank")):
		return fmt.Sprintf("start llama-server with a reranker model and --reranking (requests go to %s); check rerank.base_url", provider.RedactURL(w.url))
	case status == 404:
		return fmt.Sprintf("check rerank.base_url (the API root with its version, e.g. %s; requests go to %s) and that rerank.model %q is served there",
			defaultBase(w.provider), provider.RedactURL(w.url), w.model)
	case status == 413 || strings.Contains(lower, "too long") || strings.Contains(lower, "too large") ||
		(strings.Contains(lower, "token") && (strings.Contains(lower, "exceed") || strings.Contains(lower, "maximum") || strings.Contains(lower, "limit"))):
		return "a document or the query is too long for the model: lower rerank.candidates, or use a model with a longer context"
	}
	return fmt.Sprintf("check rerank.model (%q) names a rerank model the server has", w.model)
}

func (w *wire) HTMLHint() string {
	return "check rerank.base_url points at the API (usually ends in /v1)"
}

func (w *wire) UnreachableHint() string {
	if w.provider == "llamacpp" {
		return "is llama-server running (llama-server -m <reranker>.gguf --reranking)? check rerank.base_url"
	}
	return "is the server running? check rerank.base_url"
}

func (w *wire) Adjust(int, string) bool { return false }

func defaultBase(p string) string {
	switch p {
	case "cohere":
		return DefaultCohereBaseURL
	case "jina":
		return DefaultJinaBaseURL
	}
	return DefaultLlamaCppBaseURL
}
