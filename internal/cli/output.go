package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/memtomem/memtomem"
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
func location(c memtomem.Chunk) string {
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

// printChunks is the human listing used by list and recall.
func printChunks(w io.Writer, chunks []memtomem.Chunk) {
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
