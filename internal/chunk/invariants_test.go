package chunk

import (
	"os"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/memfile"
)

func TestMain(m *testing.M) {
	// Let panics surface in tests and fuzzing instead of being absorbed by
	// Split's plain-text fallback.
	catchPanics = false
	os.Exit(m.Run())
}

// fileLines splits content the way a reader counts lines: "\n" ends a line,
// a trailing CR is not part of it, invalid UTF-8 reads as U+FFFD.
func fileLines(content []byte) []string {
	s := strings.ToValidUTF8(string(content), "\uFFFD")
	s = strings.TrimSuffix(s, "\n")
	if s == "" && len(content) > 0 {
		return []string{""}
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// checkInvariants verifies what every caller of Split relies on. With
// strict, two chunks may share a line only when both are single-line pieces
// of it (a hard-split line); otherwise (JSON keys on one line) consecutive
// chunks may also meet on a boundary line.
func checkInvariants(t *testing.T, content []byte, chunks []Chunk, strict bool) {
	t.Helper()
	lines := fileLines(content)
	if strings.TrimSpace(string(content)) == "" {
		if chunks != nil {
			t.Fatalf("whitespace-only input gave %d chunks", len(chunks))
		}
		return
	}
	for i, c := range chunks {
		if c.StartLine < 1 || c.EndLine < c.StartLine || c.EndLine > len(lines) {
			t.Fatalf("chunk %d: bad line range %d-%d (file has %d lines)", i, c.StartLine, c.EndLine, len(lines))
		}
		if strings.TrimSpace(c.Content) == "" {
			t.Fatalf("chunk %d (%d-%d): empty content", i, c.StartLine, c.EndLine)
		}
		if i > 0 {
			p := chunks[i-1]
			switch {
			case c.StartLine > p.EndLine:
			case c.StartLine == p.EndLine && !strict:
			case c.StartLine == p.EndLine && p.StartLine == p.EndLine && c.EndLine == c.StartLine:
			default:
				t.Fatalf("chunk %d (%d-%d) overlaps chunk %d (%d-%d)", i, c.StartLine, c.EndLine, i-1, p.StartLine, p.EndLine)
			}
		}
		for _, cl := range strings.Split(c.Content, "\n") {
			found := false
			for _, fl := range lines[c.StartLine-1 : c.EndLine] {
				// Entry body lines are shown with the writer's escapes undone.
				if strings.Contains(fl, cl) || strings.Contains(memfile.Unescape(fl), cl) {
					found = true
					break
				}
			}
			if !found {
				t.Fatalf("chunk %d (%d-%d): content line %q is not in the file's lines", i, c.StartLine, c.EndLine, cl)
			}
		}
	}
}
