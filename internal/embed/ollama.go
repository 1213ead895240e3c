package embed

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/memtomem/memtomem/internal/config"
)

// ollama speaks Ollama's native POST {base_url}/api/embed (Ollama 0.3 and
// later), which takes a list of inputs. (Ollama's OpenAI-compatible /v1
// route works with provider openai too.)
type ollama struct {
	url   string
	model string
}

func newOllama(cfg config.EmbeddingConfig, base *url.URL) *ollama {
	u := *base
	u.Path = strings.TrimRight(u.Path, "/") + "/api/embed"
	return &ollama{url: u.String(), model: cfg.Model}
}

func (o *ollama) name() string     { return "ollama" }
func (o *ollama) endpoint() string { return o.url }

type ollamaRequest struct {
	Model string   `json:"model"`
	Input []string `json:"input"`
}

func (o *ollama) encode(texts []string) ([]byte, error) {
	return json.Marshal(ollamaRequest{Model: o.model, Input: texts})
}

func (o *ollama) decode(body []byte, n int) ([][]float64, string) {
	var r struct {
		Embeddings *[][]float64 `json:"embeddings"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Sprintf("cannot read it as an embeddings answer: %v", err)
	}
	if r.Embeddings == nil {
		return nil, `it has no "embeddings" list: check embedding.base_url is the Ollama server itself (default ` + DefaultOllamaBaseURL + `); for an OpenAI-compatible /v1 URL use provider openai`
	}
	if len(*r.Embeddings) != n {
		return nil, fmt.Sprintf("it holds %d vectors for %d texts", len(*r.Embeddings), n)
	}
	return *r.Embeddings, ""
}

func (o *ollama) hint(status int, msg string) string {
	lower := strings.ToLower(msg)
	switch {
	case status == 404 && strings.Contains(lower, "model"):
		return fmt.Sprintf("fetch the model with `ollama pull %s`, or fix embedding.model", o.model)
	case status == 404:
		return fmt.Sprintf("check embedding.base_url is the Ollama server (default %s, without /api or /v1) and that Ollama is 0.3 or newer (older versions lack /api/embed)", DefaultOllamaBaseURL)
	case tooLongHint(status, msg) != "":
		return tooLongHint(status, msg)
	case strings.Contains(lower, "does not support"):
		return fmt.Sprintf("embedding.model %q is not an embedding model: use one such as nomic-embed-text", o.model)
	}
	return fmt.Sprintf("check embedding.model (%q)", o.model)
}

func (o *ollama) htmlHint() string {
	return fmt.Sprintf("check embedding.base_url is the Ollama server (default %s, without /api or /v1)", DefaultOllamaBaseURL)
}

func (o *ollama) unreachableHint() string {
	return "is Ollama running (`ollama serve`)? check embedding.base_url"
}

func (o *ollama) adjust(int, string) bool { return false }
