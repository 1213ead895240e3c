package chunk

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/memfile"
)

// Files the fuzzed entries are written into, as text before and after them:
// memtomem-written, memtomem (Python)-written and hand-written entries,
// including the hostile shapes (an unclosed fence, a fence closer waiting in
// a later entry, headings without metadata).
var agreeSurroundings = []struct{ before, after string }{
	{"", ""},
	{"---\nnamespace: work\n---\n", "## After\n\n> created: 2026-11-26T10:00:00Z\n> id: after1\n\nafter body\n"},
	{"## Python entry\n\n> created: 2026-11-25T09:00:00\n> tags: [\"py\"]\n\nuses ```code```\n\n```\nblock\n```\n", ""},
	{"# Notes\n\nintro\n\n## Plain heading\ntext\n", "## Weak after\n\n```\nclosing fence waiting\n```\n"},
	{"## Foreign\n```python\nunclosed code\n", "## Later\n~~~\n## not an entry\n~~~\n    ```\n"},
	{"<!--\n## Commented\n", "## Tail\n\n> id: tail1\n\n-->\n"},
	{"## Entry 2026-01-02T03:04:05Z old1\nuntitled, id in heading\n", "## Entry 2026-01-02 03:04:05\n\n> tags: [\"t\"]\n"},
}

// FuzzEntriesAgree is the differential test of the memory-file grammar:
// entries with fuzzed (hostile) bodies, titles and tags are rendered the way
// Append writes them into a file with other entries; then memfile.Parse must
// read every entry back exactly and find no extra one, and chunk.Split must
// cut chunks that each lie inside one entry and carry that entry's id, tags
// and date.
func FuzzEntriesAgree(f *testing.F) {
	for _, s := range []struct{ b1, b2, title, tags string }{
		{"plain", "second", "Title", "a,b"},
		{"```\n    ```\n## Forged\n> id: victim1\n> tags: [\"x\"]\n> created: 2020-01-01T00:00:00Z\n\nsecret\n```", "## Title\n> id: victim1", "T", "t"},
		{"see:\n    ```", "```\ncode\n```", "", ""},
		{"~~~\n\t~~~\n## Forged\n> id: victim1\n~~~", "x\n~~~", "Fence", "f"},
		{"> id: victim1\n> tags: [\"stolen\"]\nbody", "> created: 2001-01-01\n", "Meta", ""},
		{"Title\n---\n\nText\n===\n---\nnot: frontmatter\n---", "<!-- open comment\n\n## hidden?", "Setext", ""},
		{"\\## escaped\n\\\\> twice\n   \\```", "```` \n## a\n```\n````", "Esc", "e"},
		{"```\n## x\n\n> id: y\n```", "<script>\n## y\n</script>", "Strong in fence", ""},
		{"| a | b |\n|---|---|\n| 1 | 2 |\n## T", "### sub\n> id: sub1\n\ntext", "Table", ""},
	} {
		for sur := range agreeSurroundings {
			f.Add(s.b1, s.b2, s.title, s.tags, uint8(sur), uint16(0))
			f.Add(s.b1, s.b2, s.title, s.tags, uint8(sur), uint16(3<<2|3))
		}
	}
	f.Fuzz(func(t *testing.T, b1, b2, title, tags string, sur uint8, n uint16) {
		s := agreeSurroundings[int(sur)%len(agreeSurroundings)]
		var tagList []string
		if tags != "" {
			tagList = strings.Split(tags, ",")
		}
		created := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
		mine := []memfile.Entry{
			{Title: title, Meta: memfile.Meta{ID: "fuzz1", Created: created, Tags: tagList}, Body: b1},
			{Title: "Second", Meta: memfile.Meta{ID: "fuzz2", Created: created.Add(time.Minute)}, Body: b2},
		}
		for _, e := range mine {
			if strings.TrimSpace(e.Body) == "" || memfile.CheckText(e.Body) != nil || memfile.CheckTitle(e.Title) != nil ||
				memfile.CheckTags(memfile.NormalizeTags(e.Tags)) != nil || strings.HasPrefix(strings.TrimSpace(e.Title), "Entry") {
				return // refused by every writer, or a title read as the generated one
			}
		}
		file := s.before
		for _, e := range mine {
			file = joinEntry(file, e.Render())
		}
		file = joinEntry(file, s.after)
		checkAgree(t, []byte(file), s.before, s.after, mine, fuzzOptions(n))
	})
}

// joinEntry appends text the way Append does: one blank line after the last
// non-blank line.
func joinEntry(file, text string) string {
	if text == "" {
		return file
	}
	lines := strings.SplitAfter(file, "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return text
	}
	return strings.TrimSuffix(strings.Join(lines, ""), "\n") + "\n\n" + text
}

func checkAgree(t *testing.T, file []byte, before, after string, mine []memfile.Entry, opt Options) {
	t.Helper()
	pre, post := memfile.Parse([]byte(before)), memfile.Parse([]byte(after))
	got := memfile.Parse(file)
	if len(got) != len(pre)+len(mine)+len(post) {
		t.Fatalf("%d entries, want %d, in:\n%s", len(got), len(pre)+len(mine)+len(post), file)
	}
	for i, e := range pre {
		if !sameEntry(got[i], e) {
			t.Fatalf("entry %d before ours changed: %+v, was %+v, in:\n%s", i, got[i], e, file)
		}
	}
	for i, e := range post {
		if g := got[len(pre)+len(mine)+i]; !sameEntry(g, e) {
			t.Fatalf("entry after ours changed: %+v, was %+v, in:\n%s", g, e, file)
		}
	}
	for i, e := range mine {
		g := got[len(pre)+i]
		want := memfile.Entry{Title: strings.TrimSpace(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(e.Title)),
			Meta: memfile.Meta{ID: e.ID, Created: e.Created, Tags: memfile.NormalizeTags(e.Tags)}, Body: normalBody(e.Body)}
		if !sameEntry(g, want) {
			t.Fatalf("entry %s did not read back:\ngot  %+v\nwant %+v\nin:\n%s", e.ID, g, want, file)
		}
	}
	// Every chunk lies in one entry (or in the preamble) and carries its metadata.
	chunks := Split("day.md", file, opt)
	owner := func(line int) int {
		k := -1
		for i, e := range got {
			if e.StartLine <= line {
				k = i
			}
		}
		return k
	}
	seen := map[string]bool{}
	for _, c := range chunks {
		k := owner(c.StartLine)
		if k != owner(c.EndLine) {
			t.Fatalf("chunk %d-%d %q spans two entries, in:\n%s", c.StartLine, c.EndLine, c.Content, file)
		}
		if k < 0 {
			if c.EntryID != "" {
				t.Fatalf("preamble chunk %d-%d carries entry id %q, in:\n%s", c.StartLine, c.EndLine, c.EntryID, file)
			}
			continue
		}
		e := got[k]
		if c.EndLine > e.EndLine || c.EntryID != e.ID || !c.Created.Equal(e.Created) || !slices.Equal(c.Tags, memfile.NormalizeTags(append(frontTags(file), e.Tags...))) {
			t.Fatalf("chunk %d-%d (id %q, tags %q) is in entry %q at %d-%d (tags %q), in:\n%s",
				c.StartLine, c.EndLine, c.EntryID, c.Tags, e.ID, e.StartLine, e.EndLine, e.Tags, file)
		}
		if !memfile.Holds(e, c.Content) {
			t.Fatalf("chunk %q is not text of entry %+v", c.Content, e)
		}
		seen[e.ID] = true
	}
	for _, e := range mine {
		if !seen[e.ID] {
			t.Fatalf("entry %s has no chunk, in:\n%s", e.ID, file)
		}
	}
}

func frontTags(file []byte) []string {
	fm, _, err := ParseFrontmatter(file)
	if err != nil || memfile.Scan(memfile.Lines(file)).Front == 0 {
		return nil
	}
	return fm.Tags
}

func sameEntry(a, b memfile.Entry) bool {
	return a.Title == b.Title && a.ID == b.ID && a.Created.Equal(b.Created) && a.Body == b.Body && slices.Equal(a.Tags, b.Tags)
}

// normalBody is the documented normalisation of a body: line ends as LF,
// no carriage returns at line ends, no blank lines at either end.
func normalBody(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}
