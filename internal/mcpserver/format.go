package mcpserver

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/memtomem/memtomem/internal/view"
)

// heading renders "file:12-20 > Heading > Sub".
func heading(c view.Chunk) string {
	loc := fmt.Sprintf("%s:%d-%d", c.Source, c.StartLine, c.EndLine)
	if len(c.Hierarchy) > 0 {
		loc += " > " + strings.Join(c.Hierarchy, " > ")
	}
	return loc
}

// meta renders the line under a chunk: its id, namespace, tags and date.
func meta(c view.Chunk) string {
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
func compactSearch(out view.Search) string {
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
func chunkList(chunks []view.Chunk, empty string) string {
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
func fullChunk(c view.Chunk) string {
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

func jsonText(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprintf("(cannot render as JSON: %v)", err)
	}
	return string(b)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
