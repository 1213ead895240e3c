package memfile

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Entry is one "## " section of a memory file.
type Entry struct {
	Title string
	Meta
	Body string
	// StartLine and EndLine are the 1-based inclusive lines the entry occupies
	// in the file it was parsed from (trailing blank lines excluded), so an
	// edit can replace exactly those lines and nothing else. 0 for new entries.
	StartLine, EndLine int
}

// NewID returns 12 lowercase hex characters: 48 random bits is plenty to keep
// ids unique within one store while staying short enough to type.
func NewID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it aborts instead).
	return hex.EncodeToString(b[:])
}

// Render writes the entry in canonical form, ending with a single newline.
// Metadata lines that would say nothing (zero Created, empty ID, no tags) are
// left out, so entries from other tools keep their shape when edited.
//
// Body lines that would read as markup of the format (a heading, a metadata
// line, a fence the body does not close, ...) are escaped (see escapeBody),
// so Parse gives back the body exactly.
func (e Entry) Render() string {
	var b strings.Builder
	b.WriteString("## ")
	b.WriteString(e.heading())
	b.WriteByte('\n')
	var meta []string
	if !e.Created.IsZero() {
		meta = append(meta, "> "+MetaCreated+": "+e.Created.UTC().Format(TimeLayout))
	}
	if e.ID != "" {
		meta = append(meta, "> "+MetaID+": "+e.ID)
	}
	if tags := renderTags(e.Tags); len(tags) > 0 {
		meta = append(meta, "> "+MetaTags+": "+tagsJSON(tags))
	}
	if len(meta) > 0 {
		b.WriteByte('\n')
		for _, m := range meta {
			b.WriteString(m)
			b.WriteByte('\n')
		}
	}
	if body := escapeBody(normBody(e.Body)); body != "" {
		b.WriteByte('\n')
		b.WriteString(body)
		b.WriteByte('\n')
	}
	return b.String()
}

// heading is the text after "## ".
func (e Entry) heading() string {
	if t := normTitle(e.Title); t != "" {
		return t
	}
	return autoTitle(e.Meta)
}

// autoTitle names an untitled entry after its creation time and id, which is
// unique and stable, so the heading still says something in a plain editor.
func autoTitle(m Meta) string {
	parts := []string{"Entry"}
	if !m.Created.IsZero() {
		parts = append(parts, m.Created.UTC().Format(TimeLayout))
	}
	if m.ID != "" {
		parts = append(parts, m.ID)
	}
	return strings.Join(parts, " ")
}

// normTitle makes a title fit on its heading line.
func normTitle(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	return strings.TrimSpace(s)
}

// normBody is the body as Parse will report it: LF line ends, no trailing
// carriage returns, no leading or trailing blank lines.
func normBody(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	return strings.Join(trimBlank(lines), "\n")
}

func isBlank(line string) bool { return strings.TrimSpace(line) == "" }

// trimBlank drops leading and trailing blank lines.
func trimBlank(lines []string) []string {
	for len(lines) > 0 && isBlank(lines[0]) {
		lines = lines[1:]
	}
	for len(lines) > 0 && isBlank(lines[len(lines)-1]) {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// renderTags is the tag list as it will read back: JSON encoding replaces
// invalid UTF-8, so do that first and normalize after.
func renderTags(tags []string) []string {
	valid := make([]string, len(tags))
	for i, t := range tags {
		valid[i] = strings.ToValidUTF8(t, "\uFFFD")
	}
	return NormalizeTags(valid)
}

// tagsJSON encodes without HTML escaping so tags like "a<b" stay readable in
// the markdown.
func tagsJSON(tags []string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(tags) // []string always encodes.
	return strings.TrimRight(buf.String(), "\n")
}

// canonical is the entry as it reads back after Render: what Append and Edit
// promise to have written.
func canonical(e Entry) Entry {
	c := Entry{Title: normTitle(e.Title), Body: normBody(e.Body)}
	c.ID = e.ID
	if !e.Created.IsZero() {
		c.Created = e.Created.UTC().Truncate(time.Second)
	}
	c.Tags = renderTags(e.Tags)
	if c.Title == autoTitle(c.Meta) {
		c.Title = ""
	}
	return c
}

// sameContent compares what an entry says, ignoring where it sits.
func sameContent(a, b Entry) bool {
	return a.Title == b.Title && a.ID == b.ID && a.Created.Equal(b.Created) &&
		a.Body == b.Body && slices.Equal(a.Tags, b.Tags)
}
