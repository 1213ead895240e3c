// Package reranktest runs rerank servers for tests: each speaks one real
// wire format (Cohere v2, Jina, llama.cpp's server), scores documents with
// a function the test gives, and can be made to hang or to refuse.
package reranktest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Format is the API a Server speaks.
type Format int

const (
	// Cohere is POST /v2/rerank: {"id","results":[{"index","relevance_score"}],"meta"}.
	Cohere Format = iota
	// Jina is POST /v1/rerank: {"model","usage","results":[{"index","document":{"text"},"relevance_score"}]},
	// the document echoed unless return_documents is false.
	Jina
	// LlamaCpp is llama.cpp server's POST /v1/rerank: {"model","object":"list","usage","results":[{"index","relevance_score"}]},
	// sorted by score and cut to top_n.
	LlamaCpp
)

// Mode is how a Server behaves.
type Mode int32

const (
	Healthy   Mode = iota // scores the documents
	Hanging               // accepts the request and never answers (until the test ends)
	Rejecting             // answers 400 with the API's error body
	Overload              // answers 503
)

// Request is a rerank request as a server received it.
type Request struct {
	Model           string   `json:"model"`
	Query           string   `json:"query"`
	Documents       []string `json:"documents"`
	TopN            *int     `json:"top_n"`
	ReturnDocuments *bool    `json:"return_documents"`
	Auth            string   `json:"-"` // the Authorization header
}

// Server is a rerank server on a local port, closed when the test ends.
type Server struct {
	format Format
	score  func(query, doc string) float64
	srv    *httptest.Server
	mode   atomic.Int32
	done   chan struct{}

	mu   sync.Mutex
	reqs []Request
}

// New starts a healthy server speaking format, scoring with score (nil:
// WordOverlap).
func New(t testing.TB, format Format, score func(query, doc string) float64) *Server {
	t.Helper()
	if score == nil {
		score = WordOverlap
	}
	s := &Server{format: format, score: score, done: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
	})
	return s
}

// BaseURL is the rerank.base_url for the server's provider.
func (s *Server) BaseURL() string {
	if s.format == Cohere {
		return s.srv.URL + "/v2"
	}
	return s.srv.URL + "/v1"
}

// Set switches the behaviour.
func (s *Server) Set(m Mode) { s.mode.Store(int32(m)) }

// Requests are the requests received so far, decoded.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// WordOverlap scores a document by how many of the query's words it holds.
func WordOverlap(query, doc string) float64 {
	words := strings.Fields(strings.ToLower(doc))
	n := 0.0
	for _, q := range strings.Fields(strings.ToLower(query)) {
		for _, w := range words {
			if strings.Trim(w, ".,;:!?") == q {
				n++
				break
			}
		}
	}
	return n
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := "/v1/rerank"
	if s.format == Cohere {
		path = "/v2/rerank"
	}
	if r.Method != http.MethodPost || r.URL.Path != path {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"code": 404, "message": "File Not Found", "type": "not_found_error"}})
		return
	}
	var req Request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "invalid request body"})
		return
	}
	req.Auth = r.Header.Get("Authorization")
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()
	switch Mode(s.mode.Load()) {
	case Hanging:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return
	case Rejecting:
		s.reject(w)
		return
	case Overload:
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"message": "server is overloaded"})
		return
	}
	type result struct {
		Index    int            `json:"index"`
		Document map[string]any `json:"document,omitempty"`
		Score    float64        `json:"relevance_score"`
	}
	results := make([]result, len(req.Documents))
	for i, d := range req.Documents {
		results[i] = result{Index: i, Score: s.score(req.Query, d)}
		if s.format == Jina && (req.ReturnDocuments == nil || *req.ReturnDocuments) {
			results[i].Document = map[string]any{"text": d}
		}
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].Score > results[j].Score })
	if req.TopN != nil && *req.TopN >= 0 && *req.TopN < len(results) {
		results = results[:*req.TopN]
	}
	switch s.format {
	case Cohere:
		writeJSON(w, http.StatusOK, map[string]any{"id": "07734bd2-2473-4f07-94e1-0d9f0e6843cf", "results": results,
			"meta": map[string]any{"api_version": map[string]any{"version": "2"}, "billed_units": map[string]any{"search_units": 1}}})
	case Jina:
		writeJSON(w, http.StatusOK, map[string]any{"model": req.Model, "usage": map[string]any{"total_tokens": 42}, "results": results})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"model": req.Model, "object": "list",
			"usage": map[string]any{"prompt_tokens": 42, "total_tokens": 42}, "results": results})
	}
}

// reject answers 400 the way each API does.
func (s *Server) reject(w http.ResponseWriter) {
	switch s.format {
	case Cohere:
		writeJSON(w, http.StatusBadRequest, map[string]any{"id": "5bc1d1a2", "message": "model 'rerank-nope' not found, make sure the correct model ID was used"})
	case Jina:
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "Model 'nope' is not available"})
	default:
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": 400, "message": "\"documents\" must be a non-empty string array", "type": "invalid_request_error"}})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
