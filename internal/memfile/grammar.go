package memfile

import "strings"

// This file is the one grammar of memory files: how lines divide into
// frontmatter, entries, metadata, body and fenced code. Parse, the writers
// (through escapeBody) and the chunker (through Scan) all read files with
// these functions, so they cannot disagree about where an entry starts or
// which lines are code.
//
// The rules, in order of precedence:
//
//   - A first line "---" opens frontmatter, closed by the next "---" or
//     "..." line; nothing inside it is an entry.
//   - A "strong" heading is a level-2 ATX heading whose next non-blank line is
//     a metadata line ("> created:", "> id:", "> tags:"). It always starts an
//     entry; no fence reaches across it. Every entry memtomem writes has one.
//   - A fence opener (up to three spaces, then three or more '`' or '~')
//     opens fenced code only if a closer (same character, at least as long,
//     up to three spaces, nothing after it) follows before the next strong
//     heading. An opener without one is ordinary text, so a truncated snippet
//     never swallows the entries after it.
//   - Any other level-2 heading outside fenced code starts an entry too.

// Heading recognises an ATX heading: up to three spaces of indentation, one to
// six '#', then a space, a tab or the end of the line. The text is returned
// trimmed, with any closing '#' run kept: stripping it would make titles such
// as "Use C #" fail to round-trip.
func Heading(text string) (level int, title string, ok bool) {
	s := trimIndent(text)
	for level < len(s) && s[level] == '#' {
		level++
	}
	if level < 1 || level > 6 || (level < len(s) && s[level] != ' ' && s[level] != '\t') {
		return 0, "", false
	}
	return level, strings.TrimSpace(s[level:]), true
}

// headingText recognises a level-2 heading, the one that starts entries.
func headingText(text string) (string, bool) {
	level, title, ok := Heading(text)
	return title, ok && level == 2
}

// trimIndent strips up to three leading spaces; four would make an indented
// code block, which is neither a heading nor a fence.
func trimIndent(s string) string {
	for i := 0; i < 3 && strings.HasPrefix(s, " "); i++ {
		s = s[1:]
	}
	return s
}

// fenceChars indexes per-character tables.
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

// closes reports whether text closes a fence opened with n of fenceChars[c].
func closes(text string, c, n int) bool {
	cc, cn, ok := fenceCloser(text)
	return ok && cc == c && cn >= n
}

// Layout is how the lines of a memory file divide up. Line indexes are
// 0-based.
type Layout struct {
	// Front is the number of lines of frontmatter at the top (0 if none).
	Front int
	// Entries are in file order; the lines before the first are preamble.
	Entries []Span
	// Fences are the fenced code blocks, first and last line inclusive,
	// in file order. None crosses an entry boundary.
	Fences [][2]int
}

// Span is where one entry sits.
type Span struct {
	// Heading is the "## " line; Body the first line after the metadata
	// lines (blank lines among them included); End one past the entry's
	// last line (the next entry's heading, or the end of the file).
	Heading, Body, End int
	// Title is the heading text, Meta what the metadata lines (or, for an
	// untitled entry without them, its "Entry <time> <id>" heading) say.
	Title string
	Meta  Meta
}

// Scan applies the grammar to the lines of a file (as split by Lines). It
// runs in time linear in the number of lines, whatever they hold.
func Scan(lines []string) Layout {
	var lay Layout
	n := len(lines)
	strong := strongHeadings(lines)
	lay.Front = frontmatterEnd(lines, strong)
	// closerMax[c][i] is the longest closer of fenceChars[c] in lines
	// [i, next strong heading): an opener at i counts iff closerMax[c][i+1]
	// reaches its length.
	var closerMax [2][]int
	for c := range closerMax {
		closerMax[c] = make([]int, n+1)
	}
	for i := n - 1; i >= lay.Front; i-- {
		for c := range closerMax {
			if !strong[i] {
				closerMax[c][i] = closerMax[c][i+1]
			}
		}
		if c, k, ok := fenceCloser(lines[i]); ok {
			closerMax[c][i] = max(closerMax[c][i], k)
		}
	}
	for i := lay.Front; i < n; i++ {
		if title, ok := headingText(lines[i]); ok {
			lay.Entries = append(lay.Entries, Span{Heading: i, Title: title})
			continue
		}
		if c, k, ok := fenceOpener(lines[i]); ok && closerMax[c][i+1] >= k {
			j := i + 1
			for !closes(lines[j], c, k) {
				j++
			}
			lay.Fences = append(lay.Fences, [2]int{i, j})
			i = j
		}
	}
	for k := range lay.Entries {
		s := &lay.Entries[k]
		s.End = n
		if k+1 < len(lay.Entries) {
			s.End = lay.Entries[k+1].Heading
		}
		s.Body = s.Heading + 1
		for ; s.Body < s.End; s.Body++ {
			if !isBlank(lines[s.Body]) && !ParseMetaLine(lines[s.Body], &s.Meta) {
				break
			}
		}
		// An untitled entry written by an older tool may carry its time and
		// id only in its "Entry <time> <id>" heading.
		if created, id, ok := headingMeta(s.Title); ok {
			if s.Meta.Created.IsZero() {
				s.Meta.Created = created
			}
			if s.Meta.ID == "" {
				s.Meta.ID = id
			}
		}
	}
	return lay
}

// strongHeadings marks the level-2 headings followed (blank lines allowed)
// by a metadata line.
func strongHeadings(lines []string) []bool {
	strong := make([]bool, len(lines))
	next := -1 // index of the next non-blank line after i
	for i := len(lines) - 1; i >= 0; i-- {
		if _, ok := headingText(lines[i]); ok && next >= 0 && ParseMetaLine(lines[next], new(Meta)) {
			strong[i] = true
		}
		if !isBlank(lines[i]) {
			next = i
		}
	}
	return strong
}

// frontmatterEnd returns the number of frontmatter lines: a first line
// "---" up to the next "---" or "..." line, if that comes before any strong
// heading; otherwise 0 (the "---" is then a thematic break).
func frontmatterEnd(lines []string, strong []bool) int {
	if len(lines) == 0 || strings.TrimRight(lines[0], " \t") != "---" {
		return 0
	}
	for i := 1; i < len(lines) && !strong[i]; i++ {
		if l := strings.TrimRight(lines[i], " \t"); l == "---" || l == "..." {
			return i + 1
		}
	}
	return 0
}

// Lines splits a file into the lines the grammar reads: "\n" ends a line,
// carriage returns at the end of a line are not part of it, and a leading
// byte-order mark is dropped.
func Lines(content []byte) []string {
	ls := splitLines(content)
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.text
	}
	return out
}
