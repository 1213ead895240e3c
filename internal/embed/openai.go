package embed

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/provider"
)

// openAI speaks POST {base_url}/embeddings, the OpenAI embeddings API that
// llama.cpp's server, LM Studio, vLLM, TEI and LiteLLM also serve.
type openAI struct {
	url   string
	model string
	dims  int // embedding.dimension, sent as "dimensions" when > 0
	// noDims is set once the server rejected "dimensions" (older OpenAI
	// models and some compatible servers do); from then on it is not sent
	// and the dimension check alone holds the configured size.
	noDims atomic.Bool
}

func newOpenAI(cfg config.EmbeddingConfig, base *url.URL) *openAI {
	u := *base
	u.Path = strings.TrimRight(u.Path, "/") + "/embeddings"
	return &openAI{url: u.String(), model: cfg.Model, dims: cfg.Dimension}
}

func (o *openAI) name() string     { return "openai" }
func (o *openAI) endpoint() string { return o.url }

type openAIRequest struct {
	Model      string   `json:"model"`
	Input      []string `json:"input"`
	Dimensions int      `json:"dimensions,omitempty"`
}

func (o *openAI) encode(texts []string) ([]byte, error) {
	r := openAIRequest{Model: o.model, Input: texts}
	if !o.noDims.Load() {
		r.Dimensions = o.dims
	}
	return json.Marshal(r)
}

type openAIResponse struct {
	Data *[]struct {
		Index     *int            `json:"index"`
		Embedding json.RawMessage `json:"embedding"`
	} `json:"data"`
}

// decode orders the vectors by their "index" (the API does not promise
// answer order), falling back to position for servers that omit it.
func (o *openAI) decode(body []byte, n int) ([][]float64, string) {
	var r openAIResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Sprintf("cannot read it as an embeddings answer: %v", err)
	}
	if r.Data == nil {
		return nil, `it has no "data" list: check embedding.base_url points at an OpenAI-compatible API (usually ending in /v1)`
	}
	data := *r.Data
	if len(data) != n {
		return nil, fmt.Sprintf("it holds %d vectors for %d texts", len(data), n)
	}
	out := make([][]float64, n)
	for pos, d := range data {
		i := pos
		if d.Index != nil {
			i = *d.Index
		}
		if i < 0 || i >= n || out[i] != nil {
			return nil, fmt.Sprintf("it has a missing, duplicate or out-of-range index %d", i)
		}
		v, err := decodeOpenAIVector(d.Embedding)
		if err != nil {
			return nil, fmt.Sprintf("vector %d: %v", i, err)
		}
		out[i] = v
	}
	return out, ""
}

// decodeOpenAIVector reads a vector as a JSON array of numbers or, for
// servers answering with encoding_format "base64", as base64 of
// little-endian float32s.
func decodeOpenAIVector(raw json.RawMessage) ([]float64, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b)%4 != 0 {
			return nil, fmt.Errorf("a string that is not base64 of float32s")
		}
		v := make([]float64, len(b)/4)
		for i := range v {
			v[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
		}
		return v, nil
	}
	var v []float64
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("not a list of numbers (%v)", err)
	}
	if v == nil {
		v = []float64{} // null: reported as an empty vector
	}
	return v, nil
}

func (o *openAI) hint(status int, msg string) string {
	if status == 404 {
		return fmt.Sprintf("check embedding.base_url (the API root, usually ending in /v1; requests go to %s) and that embedding.model %q is served there", provider.RedactURL(o.url), o.model)
	}
	if h := tooLongHint(status, msg); h != "" {
		return h
	}
	if o.dims > 0 && strings.Contains(strings.ToLower(msg), "dimension") {
		return "check embedding.dimension matches what embedding.model produces, or set it to 0"
	}
	return fmt.Sprintf("check embedding.model (%q) names an embedding model the server has", o.model)
}

func (o *openAI) htmlHint() string {
	return "check embedding.base_url points at the API (usually ends in /v1)"
}

func (o *openAI) unreachableHint() string {
	return "is the server running? check embedding.base_url"
}

// adjust drops "dimensions" after a 400/422 that complains about it, once.
func (o *openAI) adjust(status int, msg string) bool {
	if (status != 400 && status != 422) || o.dims == 0 || o.noDims.Load() {
		return false
	}
	if !strings.Contains(strings.ToLower(msg), "dimension") {
		return false
	}
	return o.noDims.CompareAndSwap(false, true)
}
