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
	for start := 0; start < len(content); {
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

// Parse finds the entries of a memory file. It accepts any bytes and never
// fails, because a memory file is edited by hand and by other tools and a
// stray line must never make the rest of the file unreadable.
func Parse(content []byte) []Entry {
	entries, _ := parse(content)
	return entries
}

func parse(content []byte) ([]Entry, []line) {
	lines := splitLines(content)
	heads := headingLines(lines)
	entries := make([]Entry, 0, len(heads))
	for k, h := range heads {
		end := len(lines)
		if k+1 < len(heads) {
			end = heads[k+1]
		}
		entries = append(entries, parseEntry(lines, h, end))
	}
	return entries, lines
}

// parseEntry reads the entry whose heading is lines[h] and which runs up to
// (not including) lines[end].
func parseEntry(lines []line, h, end int) Entry {
	title, _ := headingText(lines[h].text)
	var e Entry
	j := h + 1
	for ; j < end; j++ {
		if !isBlank(lines[j].text) && !ParseMetaLine(lines[j].text, &e.Meta) {
			break
		}
	}
	body := make([]string, 0, end-j)
	for _, l := range lines[j:end] {
		body = append(body, l.text)
	}
	e.Body = strings.Join(trimBlank(body), "\n")
	if created, id, ok := headingMeta(title); ok {
		if e.Created.IsZero() {
			e.Created = created
		}
		if e.ID == "" {
			e.ID = id
		}
	}
	if title != autoTitle(e.Meta) {
		e.Title = title
	}
	e.StartLine, e.EndLine = h+1, h+1
	for i := end - 1; i > h; i-- {
		if !isBlank(lines[i].text) {
			e.EndLine = i + 1
			break
		}
	}
	return e
}

// headingLines returns the indexes of entry headings: level-2 ATX headings
// outside fenced code. A fence opener only counts when a matching closer
// follows somewhere: CommonMark would let an unclosed fence run to the end of
// the file, which here would swallow every later entry because of one
// unfinished code block.
func headingLines(lines []line) []int {
	// closerMax[c][i] is the longest closing fence of char c at or after line i.
	var closerMax [2][]int
	for c := range closerMax {
		closerMax[c] = make([]int, len(lines)+1)
	}
	for i := len(lines) - 1; i >= 0; i-- {
		for c := range closerMax {
			closerMax[c][i] = closerMax[c][i+1]
		}
		if c, n, ok := fenceCloser(lines[i].text); ok {
			closerMax[c][i] = max(closerMax[c][i], n)
		}
	}
	var heads []int
	inFence, fc, fn := false, 0, 0
	for i, l := range lines {
		if inFence {
			if c, n, ok := fenceCloser(l.text); ok && c == fc && n >= fn {
				inFence = false
			}
			continue
		}
		if c, n, ok := fenceOpener(l.text); ok && closerMax[c][i+1] >= n {
			inFence, fc, fn = true, c, n
			continue
		}
		if _, ok := headingText(l.text); ok {
			heads = append(heads, i)
		}
	}
	return heads
}

// fenceChars indexes closerMax.
const fenceChars = "`~"

// fenceRun strips up to three spaces of indentation and measures a run of
// fence characters; c indexes fenceChars.
func fenceRun(text string) (c, n int, rest string, ok bool) {
	s := trimIndent(text)
	if s == "" {
		return 0, 0, "", false
	}
	c = strings.IndexByte(fenceChars, s[0])
	if c < 0 {
		return 0, 0, "", false
	}
	for n < len(s) && s[n] == s[0] {
		n++
	}
	if n < 3 {
		return 0, 0, "", false
	}
	return c, n, s[n:], true
}

func fenceOpener(text string) (c, n int, ok bool) {
	c, n, info, ok := fenceRun(text)
	if !ok || (fenceChars[c] == '`' && strings.Contains(info, "`")) {
		return 0, 0, false
	}
	return c, n, true
}

func fenceCloser(text string) (c, n int, ok bool) {
	c, n, rest, ok := fenceRun(text)
	if !ok || strings.TrimSpace(rest) != "" {
		return 0, 0, false
	}
	return c, n, true
}

// trimIndent strips up to three leading spaces; four would make an indented
// code block, which is neither a heading nor a fence.
func trimIndent(s string) string {
	for i := 0; i < 3 && strings.HasPrefix(s, " "); i++ {
		s = s[1:]
	}
	return s
}

// headingText recognises a level-2 ATX heading and returns its text. Closing
// "#" sequences are kept as text: stripping them would make titles such as
// "Use C #" fail to round-trip, and they are rare in memory files.
func headingText(text string) (string, bool) {
	rest, ok := strings.CutPrefix(trimIndent(text), "##")
	if !ok {
		return "", false
	}
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", false
	}
	return strings.TrimSpace(rest), true
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
