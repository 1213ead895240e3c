// Package view declares the JSON shapes of memtomem's results, once: the
// CLI's --json output, the MCP tools' structuredContent (and output schemas,
// derived from these types and their jsonschema tags) and the dashboard all
// render the Service's results through these. The rules every shape keeps:
// times are RFC 3339 strings in UTC, durations are whole milliseconds
// (duration_ms), and a list or a map is [] or {} when empty, never null
// (fields that are often irrelevant are left out instead: omitempty).
// Golden files in testdata pin each shape (go test ./internal/view -update
// rewrites them after an intended change; say so in the changelog).
package view

import (
	"time"

	"github.com/memtomem/memtomem"
)

// Chunk is a stored chunk.
type Chunk struct {
	ChunkID   string   `json:"chunk_id"`
	Source    string   `json:"source" jsonschema:"absolute path of the file the chunk comes from"`
	Namespace string   `json:"namespace"`
	Hierarchy []string `json:"hierarchy" jsonschema:"heading path of the chunk in its file"`
	Content   string   `json:"content"`
	Tags      []string `json:"tags"`
	StartLine int      `json:"start_line"`
	EndLine   int      `json:"end_line"`
	EntryID   string   `json:"entry_id,omitempty" jsonschema:"id of the memory entry the chunk belongs to"`
	Created   string   `json:"created,omitempty" jsonschema:"RFC 3339 creation time"`
}

// FromChunk is the view of c.
func FromChunk(c memtomem.Chunk) Chunk {
	return Chunk{ChunkID: c.ID, Source: c.Source, Namespace: c.Namespace, Hierarchy: list(c.Hierarchy),
		Content: c.Content, Tags: list(c.Tags), StartLine: c.StartLine, EndLine: c.EndLine, EntryID: c.EntryID,
		Created: timestamp(c.CreatedAt)}
}

// Chunks is the view of cs.
func Chunks(cs []memtomem.Chunk) []Chunk {
	out := make([]Chunk, 0, len(cs))
	for _, c := range cs {
		out = append(out, FromChunk(c))
	}
	return out
}

// Page is one page of a listing of chunks (recall, list).
type Page struct {
	Results []Chunk `json:"results"`
	Count   int     `json:"count"`
	// Total counts the chunks of the whole listing; NextOffset is set
	// when there are more after this page.
	Total      int  `json:"total" jsonschema:"how many the whole listing holds"`
	NextOffset *int `json:"next_offset,omitempty" jsonschema:"offset of the next page, when there is one"`
}

// FromPage is the view of the page of a listing that started at offset.
func FromPage(page memtomem.ChunkPage, offset int) Page {
	out := Page{Results: Chunks(page.Chunks), Count: len(page.Chunks), Total: page.Total}
	if end := offset + len(page.Chunks); end < page.Total {
		out.NextOffset = &end
	}
	return out
}

// SearchResult is one ranked chunk.
type SearchResult struct {
	Rank       int     `json:"rank"`
	Score      float64 `json:"score"`
	ScoreScale string  `json:"score_scale" jsonschema:"what the score means: bm25 (higher is better, comparable only within one query)"`
	Chunk
}

// Search is a search's response.
type Search struct {
	Query   string         `json:"query"`
	Results []SearchResult `json:"results"`
	Hints   []string       `json:"hints,omitempty"`
	// Unreachable is set when the results are keyword-only because the
	// embedding provider is down.
	Unreachable *memtomem.Outage `json:"provider_unreachable,omitempty" jsonschema:"set when results are keyword-only because the embedding provider is unreachable: since when, and when it is tried again"`
	// Reranked names the reranker that ordered the top results.
	Reranked string `json:"reranked_by,omitempty" jsonschema:"the reranker that ordered the top results (rerank.provider and model), when one did"`
	// RerankUnreachable is set when the results are not reranked because
	// the reranker is down.
	RerankUnreachable *memtomem.Outage `json:"reranker_unreachable,omitempty" jsonschema:"set when results are not reranked because the reranker is unreachable: since when, and when it is tried again"`
}

// FromSearch is the view of the response to query.
func FromSearch(query string, resp memtomem.SearchResponse) Search {
	out := Search{Query: query, Results: make([]SearchResult, 0, len(resp.Results)), Hints: resp.Hints, Unreachable: resp.Unreachable,
		Reranked: resp.Reranked, RerankUnreachable: resp.RerankUnreachable}
	for _, r := range resp.Results {
		out.Results = append(out.Results, SearchResult{Rank: r.Rank, Score: r.Score, ScoreScale: r.ScoreScale, Chunk: FromChunk(r.Chunk)})
	}
	return out
}

// timestamp is t in RFC 3339, UTC; "" for the zero time.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// list is s, or [] for nil.
func list[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// counts is m, or {} for nil.
func counts(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}
