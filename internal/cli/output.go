package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/memtomem/memtomem/internal/store"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// isTerminal reports whether w is an interactive terminal (progress bars and
// prompts only make sense there).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// location renders "file.md:12-20 > Heading > Sub" for humans.
func location(c store.Chunk) string {
	loc := fmt.Sprintf("%s:%d-%d", c.Source, c.StartLine, c.EndLine)
	if len(c.Hierarchy) > 0 {
		loc += " > " + strings.Join(c.Hierarchy, " > ")
	}
	return loc
}

// indent prefixes every line of s, shortening s to max runes (0 = no limit).
func indent(s, prefix string, max int) string {
	s = strings.TrimSpace(s)
	if max > 0 {
		if r := []rune(s); len(r) > max {
			s = strings.TrimSpace(string(r[:max])) + " …"
		}
	}
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

func shortTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// chunkJSON is the stable shape of a chunk in --json output.
type chunkJSON struct {
	ChunkID   string   `json:"chunk_id"`
	Source    string   `json:"source"`
	Namespace string   `json:"namespace"`
	Hierarchy []string `json:"hierarchy"`
	Content   string   `json:"content"`
	Tags      []string `json:"tags"`
	StartLine int      `json:"start_line"`
	EndLine   int      `json:"end_line"`
	EntryID   string   `json:"entry_id,omitempty"`
	Created   string   `json:"created,omitempty"`
}

func toJSON(c store.Chunk) chunkJSON {
	j := chunkJSON{ChunkID: c.ID, Source: c.Source, Namespace: c.Namespace, Hierarchy: c.Hierarchy,
		Content: c.Content, Tags: c.Tags, StartLine: c.StartLine, EndLine: c.EndLine, EntryID: c.EntryID}
	if j.Hierarchy == nil {
		j.Hierarchy = []string{}
	}
	if j.Tags == nil {
		j.Tags = []string{}
	}
	if !c.CreatedAt.IsZero() {
		j.Created = c.CreatedAt.UTC().Format(time.RFC3339)
	}
	return j
}

// printChunks is the human listing used by list and recall.
func printChunks(w io.Writer, chunks []store.Chunk) {
	for _, c := range chunks {
		fmt.Fprintf(w, "%s  %s  [%s]%s\n", c.ID, shortTime(c.CreatedAt), c.Namespace, tagSuffix(c.Tags))
		fmt.Fprintf(w, "  %s\n%s\n\n", location(c), indent(c.Content, "    ", 300))
	}
}

func tagSuffix(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return " #" + strings.Join(tags, " #")
}
