package memfile

import "strings"

// A body is written so that it reads back exactly, whatever it holds. A
// body line that would otherwise be read as the format's own markup (or that
// markdown renderers would read as a heading or an HTML block running past
// the entry) is escaped: a backslash goes in after its indentation, which
// markdown renders as the literal line. To keep that reversible, a body line
// that already starts with backslashes before such markup gets one more.
// On reading, one backslash is removed from every body line of the form
//
//	up to three spaces, one or more '\', then markup
//
// where markup is a line starting with '#', '>', '<', "```" or "~~~", or a
// line of only '-' or only '=' (a setext underline, thematic break or
// frontmatter marker). Which unescaped lines get escaped depends on where they
// are (escapeBody); which escaped lines get unescaped does not, which is what
// makes every body round-trip.

// markup reports whether s (a line after its indentation and backslashes)
// starts with something the escape rule covers.
func markup(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '#', '>', '<':
		return true
	case '`', '~':
		return strings.HasPrefix(s, "```") || strings.HasPrefix(s, "~~~")
	case '-', '=':
		return strings.Trim(strings.TrimRight(s, " \t"), s[:1]) == ""
	}
	return false
}

// escapedForm splits a line into indentation and the rest when it is in the
// escaped form (indentation, at least one backslash, markup).
func escapedForm(l string) (indent, rest string, ok bool) {
	rest = trimIndent(l)
	indent = l[:len(l)-len(rest)]
	after := strings.TrimLeft(rest, `\`)
	if len(after) == len(rest) || !markup(after) {
		return "", "", false
	}
	return indent, rest, true
}

// Unescape undoes escapeLine on one body line; any other line is returned as
// it is.
func Unescape(l string) string {
	if indent, rest, ok := escapedForm(l); ok {
		return indent + rest[1:]
	}
	return l
}

func escapeLine(l string) string {
	rest := trimIndent(l)
	return l[:len(l)-len(rest)] + `\` + rest
}

// escapeBody escapes the lines of a normalized body (see normBody) that would
// not read back as body text inside an entry:
//
//   - lines already in the escaped form (so that unescaping is exact);
//   - a first line that reads as a metadata line;
//   - level-2 headings outside fenced code, and inside it those that would
//     be strong (followed by a metadata line), since no fence hides those;
//   - fence openers that the body does not close itself, so no fence runs
//     into the next entry;
//   - setext underlines ("Title" then "---" or "==="), which renderers show
//     as headings;
//   - starts of HTML blocks that run until an end marker rather than a
//     blank line (<script, <pre, <style, <textarea, <!--, <?, <!X, <![CDATA[),
//     which would hide the following entries when the file is rendered.
//
// Fences the body opens and closes, and every other line, are left alone, so
// the markdown still reads naturally.
func escapeBody(body string) string {
	if body == "" {
		return ""
	}
	lines := strings.Split(body, "\n")
	out := make([]string, len(lines))
	inert := make([]bool, len(lines)) // escaped: neither markup nor meta any more
	escape := func(i int) { out[i], inert[i] = escapeLine(lines[i]), true }
	for i, l := range lines {
		out[i] = l
		if _, _, ok := escapedForm(l); ok {
			escape(i)
		}
	}
	if !inert[0] && ParseMetaLine(lines[0], new(Meta)) {
		escape(0)
	}
	// closerMax[c][i]: the longest closer of fenceChars[c] at or after line
	// i, so an unclosed opener is known without scanning ahead (linear time).
	var closerMax [2][]int
	for c := range closerMax {
		closerMax[c] = make([]int, len(lines)+1)
	}
	for i := len(lines) - 1; i >= 0; i-- {
		for c := range closerMax {
			closerMax[c][i] = closerMax[c][i+1]
		}
		if c, n, ok := fenceCloser(lines[i]); ok {
			closerMax[c][i] = max(closerMax[c][i], n)
		}
	}
	prevText := false // the line before is non-blank text (a setext underline would apply to it)
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if inert[i] {
			prevText = true
			continue
		}
		if _, ok := headingText(l); ok {
			escape(i)
			prevText = true
			continue
		}
		if c, n, ok := fenceOpener(l); ok {
			if closerMax[c][i+1] < n {
				escape(i)
				prevText = true
				continue
			}
			j := i + 1
			for !closes(lines[j], c, n) {
				j++
			}
			for k := i + 1; k < j; k++ {
				if _, ok := headingText(lines[k]); ok && !inert[k] && metaFollows(lines, k) {
					escape(k)
				}
			}
			i, prevText = j, false
			continue
		}
		if (prevText && isUnderline(l)) || htmlBlockStart(l) {
			escape(i)
			prevText = true
			continue
		}
		prevText = !isBlank(l)
	}
	return strings.Join(out, "\n")
}

// metaFollows reports whether the next non-blank line after lines[i] is a
// metadata line, which would make a heading at i strong.
func metaFollows(lines []string, i int) bool {
	for _, l := range lines[i+1:] {
		if !isBlank(l) {
			return ParseMetaLine(l, new(Meta))
		}
	}
	return false
}

// isUnderline recognises a setext underline: up to three spaces, then only
// '=' or only '-' (trailing blanks allowed).
func isUnderline(l string) bool {
	s := strings.TrimRight(trimIndent(l), " \t")
	return s != "" && (s[0] == '-' || s[0] == '=') && strings.Trim(s, s[:1]) == ""
}

// htmlBlockStart recognises the CommonMark HTML blocks (types 1 to 5) that
// end only at an end marker, possibly many blank lines later.
func htmlBlockStart(l string) bool {
	s := strings.ToLower(trimIndent(l))
	if !strings.HasPrefix(s, "<") {
		return false
	}
	for _, tag := range []string{"<script", "<pre", "<style", "<textarea"} {
		if rest, ok := strings.CutPrefix(s, tag); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '>') {
			return true
		}
	}
	if strings.HasPrefix(s, "<!--") || strings.HasPrefix(s, "<?") || strings.HasPrefix(s, "<![cdata[") {
		return true
	}
	return len(s) > 2 && s[1] == '!' && s[2] >= 'a' && s[2] <= 'z'
}
