package memfile

import (
	"strings"
	"time"
)

// line is one line of a file: its text without the line terminator (and
// without trailing carriage returns, so CRLF files parse like LF files) and
// the byte range it occupies including the terminator, so edits can splice
// the original bytes.
type line struct {
	text       string
	start, end int
}

func splitLines(content []byte) []line {
	var lines []line
	start := 0
	if len(content) >= len(bom) && string(content[:len(bom)]) == bom {
		start = len(bom) // kept in the file, not part of the first line's text
	}
	for start < len(content) {
		end := start
		for end < len(content) && content[end] != '\n' {
			end++
		}
		text := strings.TrimRight(string(content[start:end]), "\r")
		if end < len(content) {
			end++ // include '\n'
		}
		lines = append(lines, line{text: text, start: start, end: end})
		start = end
	}
	return lines
}

const bom = "\uFEFF"

// Parse finds the entries of a memory file. It accepts any bytes and never
// fails, because a memory file is edited by hand and by other tools and a
// stray line must never make the rest of the file unreadable.
func Parse(content []byte) []Entry {
	entries, _ := parse(content)
	return entries
}

func parse(content []byte) ([]Entry, []line) {
	lines := splitLines(content)
	texts := make([]string, len(lines))
	for i, l := range lines {
		texts[i] = l.text
	}
	lay := Scan(texts)
	entries := make([]Entry, 0, len(lay.Entries))
	for _, s := range lay.Entries {
		entries = append(entries, entryAt(texts, s))
	}
	return entries, lines
}

// entryAt reads the entry at span s: its body is the lines after the
// metadata with the writer's escapes undone (see escapeBody).
func entryAt(lines []string, s Span) Entry {
	e := Entry{Meta: s.Meta}
	body := make([]string, 0, s.End-s.Body)
	for _, l := range lines[s.Body:s.End] {
		body = append(body, Unescape(l))
	}
	e.Body = strings.Join(trimBlank(body), "\n")
	if s.Title != autoTitle(e.Meta) {
		e.Title = s.Title
	}
	e.StartLine, e.EndLine = s.Heading+1, s.Heading+1
	for i := s.End - 1; i > s.Heading; i-- {
		if !isBlank(lines[i]) {
			e.EndLine = i + 1
			break
		}
	}
	return e
}

// headingMeta reads the creation time and id out of an "Entry <timestamp>
// [<id>]" heading, which is all an untitled entry written by an older tool may
// carry. The time must include a time of day, so an ordinary title like
// "Entry 2026-01-01 retro" is not mistaken for one.
func headingMeta(title string) (created time.Time, id string, ok bool) {
	f := strings.Fields(title)
	if len(f) < 2 || f[0] != "Entry" {
		return time.Time{}, "", false
	}
	rest := f[2:]
	t, err := parseHeadingTime(f[1], time.RFC3339Nano, "2006-01-02T15:04:05")
	if err != nil && len(f) >= 3 {
		t, err = parseHeadingTime(f[1]+" "+f[2], "2006-01-02 15:04:05")
		rest = f[3:]
	}
	if err != nil || len(rest) > 1 || (len(rest) == 1 && !ValidID(rest[0])) {
		return time.Time{}, "", false
	}
	if len(rest) == 1 {
		id = rest[0]
	}
	return t, id, true
}

func parseHeadingTime(s string, layouts ...string) (time.Time, error) {
	var err error
	for _, layout := range layouts {
		var t time.Time
		if t, err = time.Parse(layout, s); err == nil {
			return checkYear(t.UTC())
		}
	}
	return time.Time{}, err
}

// IsAutoTitle reports whether a heading is the generated "Entry <time> <id>"
// of an untitled entry: it carries no words worth indexing or showing.
func IsAutoTitle(heading string) bool {
	_, _, ok := headingMeta(heading)
	return ok
}
