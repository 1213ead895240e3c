package mcpserver

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/memtomem/memtomem/internal/search"
	"github.com/memtomem/memtomem/internal/store"
)

// Chunk is a stored chunk as the tools return it; the field names match
// `mm search --json`, so scripts and agents see one shape everywhere.
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

func toChunk(c store.Chunk) Chunk {
	out := Chunk{ChunkID: c.ID, Source: c.Source, Namespace: c.Namespace, Hierarchy: c.Hierarchy,
		Content: c.Content, Tags: c.Tags, StartLine: c.StartLine, EndLine: c.EndLine, EntryID: c.EntryID}
	if out.Hierarchy == nil {
		out.Hierarchy = []string{}
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if !c.CreatedAt.IsZero() {
		out.Created = c.CreatedAt.UTC().Format(time.RFC3339)
	}
	return out
}

func toChunks(cs []store.Chunk) []Chunk {
	out := make([]Chunk, 0, len(cs))
	for _, c := range cs {
		out = append(out, toChunk(c))
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

// SearchOutput is mem_search's structured result.
type SearchOutput struct {
	Query   string         `json:"query"`
	Results []SearchResult `json:"results"`
	Hints   []string       `json:"hints,omitempty"`
	// Unreachable is set when the results are keyword-only because the
	// embedding provider is down.
	Unreachable *search.Outage `json:"provider_unreachable,omitempty" jsonschema:"set when results are keyword-only because the embedding provider is unreachable: since when, and when it is tried again"`
}

func toSearchOutput(query string, resp search.Response) SearchOutput {
	out := SearchOutput{Query: query, Results: make([]SearchResult, 0, len(resp.Results)), Hints: resp.Hints, Unreachable: resp.Unreachable}
	for _, r := range resp.Results {
		out.Results = append(out.Results, SearchResult{Rank: r.Rank, Score: r.Score, ScoreScale: r.ScoreScale, Chunk: toChunk(r.Chunk)})
	}
	return out
}

// heading renders "file:12-20 > Heading > Sub".
func heading(c Chunk) string {
	loc := fmt.Sprintf("%s:%d-%d", c.Source, c.StartLine, c.EndLine)
	if len(c.Hierarchy) > 0 {
		loc += " > " + strings.Join(c.Hierarchy, " > ")
	}
	return loc
}

// meta renders the line under a chunk: its id, namespace, tags and date.
func meta(c Chunk) string {
	s := "chunk_id: " + c.ChunkID + " | namespace: " + c.Namespace
	if len(c.Tags) > 0 {
		s += " | tags: " + strings.Join(c.Tags, ", ")
	}
	if c.Created != "" {
		s += " | created: " + c.Created
	}
	return s
}

// compactSearch is the default text of mem_search: per result a
// "[rank] score scale | file > heading" line, the content, and its id.
func compactSearch(out SearchOutput) string {
	if len(out.Results) == 0 {
		return noResults(fmt.Sprintf("No results for %q.", out.Query), out.Hints)
	}
	var b strings.Builder
	for i, r := range out.Results {
		if i > 0 {
			b.WriteString("\n\n")
		}
		fmt.Fprintf(&b, "[%d] %.4g %s | %s\n%s\n%s", r.Rank, r.Score, r.ScoreScale, heading(r.Chunk), strings.TrimSpace(r.Content), meta(r.Chunk))
	}
	for _, h := range out.Hints {
		b.WriteString("\n\nhint: " + h)
	}
	return b.String()
}

func noResults(msg string, hints []string) string {
	for _, h := range hints {
		msg += "\nhint: " + h
	}
	return msg
}

// chunkList renders recall and list results, newest first.
func chunkList(chunks []Chunk, empty string) string {
	if len(chunks) == 0 {
		return empty
	}
	var b strings.Builder
	for i, c := range chunks {
		if i > 0 {
			b.WriteString("\n\n")
		}
		fmt.Fprintf(&b, "%s\n%s\n%s", heading(c), strings.TrimSpace(c.Content), meta(c))
	}
	return b.String()
}

// fullChunk renders one chunk for mem_read.
func fullChunk(c Chunk) string {
	return fmt.Sprintf("%s\n%s\n\n%s", heading(c), meta(c), c.Content)
}

// counts renders a map as "a (3), b (1)" sorted by name.
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s (%d)", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func nonNil(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}

func jsonText(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprintf("(cannot render as JSON: %v)", err)
	}
	return string(b)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
