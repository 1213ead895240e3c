package embedtest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// NewOpenAIServer starts a server speaking the OpenAI embeddings API
// (POST …/embeddings) with embed computing each input's vector, and closes
// it when the test ends. Use server.URL+"/v1" as embedding.base_url.
func NewOpenAIServer(t testing.TB, embed func(text string) []float32) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(OpenAIHandler(t, embed))
	t.Cleanup(srv.Close)
	return srv
}

// NewOllamaServer starts a server speaking Ollama's POST /api/embed, and
// closes it when the test ends. Use server.URL as embedding.base_url.
func NewOllamaServer(t testing.TB, embed func(text string) []float32) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(OllamaHandler(t, embed))
	t.Cleanup(srv.Close)
	return srv
}

// OpenAIHandler is the handler of NewOpenAIServer, for tests that wrap it
// (to count requests or inject faults).
//
// Like the real API it rejects, with a 400 and an OpenAI-shaped error body,
// a request that is not a JSON POST to a path ending in /embeddings, has
// unknown fields, lacks "model", or whose "input" is not a non-empty string
// or list of non-empty strings. It honours "dimensions" (shortening and
// renormalising, as text-embedding-3 models do) and "encoding_format"
// ("float" or "base64"), and answers with "object", "data" in index
// order, "model" and "usage".
func OpenAIHandler(t testing.TB, embed func(text string) []float32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(status int, msg string) {
			t.Logf("embedtest openai server: %d: %s", status, msg)
			writeJSON(w, status, map[string]any{"error": map[string]any{
				"message": msg, "type": "invalid_request_error", "param": nil, "code": nil,
			}})
		}
		if r.Method != http.MethodPost {
			fail(http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
			return
		}
		if !strings.HasSuffix(r.URL.Path, "/embeddings") {
			fail(http.StatusNotFound, fmt.Sprintf("Invalid URL (POST %s)", r.URL.Path))
			return
		}
		if msg := checkJSONContentType(r); msg != "" {
			fail(http.StatusBadRequest, msg)
			return
		}
		var req struct {
			Model          string          `json:"model"`
			Input          json.RawMessage `json:"input"`
			Dimensions     *int            `json:"dimensions"`
			EncodingFormat *string         `json:"encoding_format"`
			User           *string         `json:"user"`
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			fail(http.StatusBadRequest, "We could not parse the JSON body of your request: "+err.Error())
			return
		}
		if req.Model == "" {
			fail(http.StatusBadRequest, "you must provide a model parameter")
			return
		}
		inputs, msg := parseInput(req.Input)
		if msg != "" {
			fail(http.StatusBadRequest, "'$.input' is invalid: "+msg)
			return
		}
		format := "float"
		if req.EncodingFormat != nil {
			format = *req.EncodingFormat
		}
		if format != "float" && format != "base64" {
			fail(http.StatusBadRequest, "encoding_format must be float or base64")
			return
		}
		type item struct {
			Object    string `json:"object"`
			Index     int    `json:"index"`
			Embedding any    `json:"embedding"`
		}
		data := make([]item, len(inputs))
		tokens := 0
		for i, text := range inputs {
			v := embed(text)
			if req.Dimensions != nil {
				if *req.Dimensions <= 0 || *req.Dimensions > len(v) {
					fail(http.StatusBadRequest, fmt.Sprintf("dimensions must be between 1 and %d", len(v)))
					return
				}
				v = renormalise(v[:*req.Dimensions])
			}
			var e any = v
			if format == "base64" {
				var b bytes.Buffer
				for _, x := range v {
					_ = binary.Write(&b, binary.LittleEndian, x)
				}
				e = base64.StdEncoding.EncodeToString(b.Bytes())
			}
			data[i] = item{Object: "embedding", Index: i, Embedding: e}
			tokens += len(strings.Fields(text))
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"object": "list", "data": data, "model": req.Model,
			"usage": map[string]int{"prompt_tokens": tokens, "total_tokens": tokens},
		})
	})
}

// OllamaHandler is the handler of NewOllamaServer. Like Ollama it answers
// {"error": …} with a 400 for a malformed request and a 404 for a path
// other than /api/embed, and returns "model", "embeddings" and timing
// fields. Unknown request fields are rejected (Ollama ignores them), so a
// client sending a misspelt option is caught.
func OllamaHandler(t testing.TB, embed func(text string) []float32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(status int, msg string) {
			t.Logf("embedtest ollama server: %d: %s", status, msg)
			writeJSON(w, status, map[string]string{"error": msg})
		}
		if r.URL.Path != "/api/embed" {
			http.NotFound(w, r) // Ollama answers unknown paths with a plain 404
			return
		}
		if r.Method != http.MethodPost {
			fail(http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		var req struct {
			Model      string          `json:"model"`
			Input      json.RawMessage `json:"input"`
			Truncate   *bool           `json:"truncate"`
			Options    map[string]any  `json:"options"`
			KeepAlive  any             `json:"keep_alive"`
			Dimensions *int            `json:"dimensions"`
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			fail(http.StatusBadRequest, "invalid request: "+err.Error())
			return
		}
		if req.Model == "" {
			fail(http.StatusBadRequest, "model is required")
			return
		}
		inputs, msg := parseInput(req.Input)
		if msg != "" {
			fail(http.StatusBadRequest, "invalid input: "+msg)
			return
		}
		start := time.Now()
		embs := make([][]float32, len(inputs))
		count := 0
		for i, text := range inputs {
			embs[i] = embed(text)
			count += len(strings.Fields(text))
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"model": req.Model, "embeddings": embs,
			"total_duration": time.Since(start).Nanoseconds(), "load_duration": 0,
			"prompt_eval_count": count,
		})
	})
}

// parseInput accepts a string or a non-empty list of strings, none empty.
func parseInput(raw json.RawMessage) ([]string, string) {
	if len(raw) == 0 {
		return nil, "input is required"
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if one == "" {
			return nil, "input must not be an empty string"
		}
		return []string{one}, ""
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, "input must be a string or a list of strings"
	}
	if len(many) == 0 {
		return nil, "input must not be an empty list"
	}
	for i, s := range many {
		if s == "" {
			return nil, fmt.Sprintf("input[%d] must not be an empty string", i)
		}
	}
	return many, ""
}

func checkJSONContentType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return fmt.Sprintf("Content-Type must be application/json, got %q", r.Header.Get("Content-Type"))
	}
	return ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func renormalise(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if s == 0 {
		return out
	}
	inv := 1 / math.Sqrt(s)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out
}
