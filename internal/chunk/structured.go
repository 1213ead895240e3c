package chunk

import (
	"encoding/json"
	"strings"
)

// Config and data files are chunked by top-level key: a key is what a
// reader looks up ("what is in `database`?"), and naming it in the hierarchy
// makes the result self-describing. Anything over MaxChars is split by
// lines, keeping the key as hierarchy.

// section is one top-level part of a structured file.
type section struct {
	name string // "" for content before the first key or table
	fr   []frag
}

func sectionsToChunks(secs []section, opt Options) []Chunk {
	var out []Chunk
	for _, s := range secs {
		var hier []string
		if s.name != "" {
			hier = []string{s.name}
		}
		out = append(out, piecesToChunks(splitSection(s.fr, opt), hier)...)
	}
	return out
}

// splitJSON makes one chunk per key of a top-level object. Content is the
// key and its value as written in the file (from the start of the key's line
// when only indentation precedes it, so pretty-printed values read as they
// do in the file). Invalid JSON, a non-object, or an empty object is chunked
// as plain text so that the file is still searchable.
func splitJSON(d *doc, opt Options) []Chunk {
	if !json.Valid(d.src) {
		return splitText(d, opt, nil)
	}
	src := string(d.src)
	i := skipJSONSpace(src, 0)
	if i >= len(src) || src[i] != '{' {
		return splitText(d, opt, nil)
	}
	var secs []section
	i++
	for {
		i = skipJSONSpace(src, i)
		if i < len(src) && src[i] == ',' {
			i = skipJSONSpace(src, i+1)
		}
		if i >= len(src) || src[i] != '"' {
			break
		}
		keyStart := i
		keyEnd := scanJSONString(src, i)
		var name string
		if json.Unmarshal([]byte(src[keyStart:keyEnd]), &name) != nil {
			return splitText(d, opt, nil)
		}
		i = skipJSONSpace(src, keyEnd)
		if i >= len(src) || src[i] != ':' {
			return splitText(d, opt, nil)
		}
		valEnd := scanJSONValue(src, skipJSONSpace(src, i+1))
		secs = append(secs, section{name: name, fr: d.substring(keyStart, valEnd)})
		i = valEnd
	}
	if len(secs) == 0 {
		return splitText(d, opt, nil)
	}
	return sectionsToChunks(secs, opt)
}

// substring returns src[from:to] as frags, widened to the start of the first
// line when only whitespace precedes it there.
func (d *doc) substring(from, to int) []frag {
	l1, c1 := d.pos(from)
	l2, c2 := d.pos(to)
	if isBlank(d.lines[l1][:c1]) {
		c1 = 0
	}
	var out []frag
	for l := l1; l <= l2; l++ {
		t := d.lines[l]
		if l == l2 {
			t = t[:c2]
		}
		if l == l1 {
			t = t[c1:]
		}
		out = append(out, frag{line: l, text: t})
	}
	return out
}

func skipJSONSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// scanJSONString returns the offset just past the string starting at s[i].
// The input is known to be valid JSON, so this only has to find the end.
func scanJSONString(s string, i int) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(s)
}

// scanJSONValue returns the offset just past the value starting at s[i].
func scanJSONValue(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	switch s[i] {
	case '"':
		return scanJSONString(s, i)
	case '{', '[':
		depth := 0
		for i < len(s) {
			switch s[i] {
			case '"':
				i = scanJSONString(s, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(s)
	default:
		for i < len(s) && !strings.ContainsRune(",}] \t\r\n", rune(s[i])) {
			i++
		}
		return i
	}
}

// splitYAML makes one chunk per top-level key: a line at column 0 that looks
// like "key:" starts a section that runs until the next such line. Comment
// lines directly above a key belong to it. Files without top-level keys (a
// list, a scalar) are chunked as plain text.
func splitYAML(d *doc, opt Options) []Chunk {
	var starts []int
	var names []string
	for i, l := range d.lines {
		if name, ok := yamlTopKey(l); ok {
			starts = append(starts, i)
			names = append(names, name)
		}
	}
	if len(starts) == 0 {
		return splitText(d, opt, nil)
	}
	return sectionsToChunks(d.keyedSections(starts, names), opt)
}

// keyedSections cuts the file at the given section-start lines, moving
// comment lines that directly precede a start into that section.
func (d *doc) keyedSections(starts []int, names []string) []section {
	begin := make([]int, len(starts))
	for k, s := range starts {
		b := s
		lo := 0
		if k > 0 {
			lo = starts[k-1] + 1
		}
		for b > lo && strings.HasPrefix(strings.TrimSpace(d.lines[b-1]), "#") {
			b--
		}
		begin[k] = b
	}
	secs := []section{{fr: d.frags(0, begin[0])}}
	for k := range starts {
		end := len(d.lines)
		if k+1 < len(starts) {
			end = begin[k+1]
		}
		secs = append(secs, section{name: names[k], fr: d.frags(begin[k], end)})
	}
	return secs
}

// yamlTopKey recognises "key:" or "key: value" at column 0, with plain or
// quoted keys, and returns the key.
func yamlTopKey(l string) (string, bool) {
	if l == "" || strings.ContainsRune(" \t#[]{},&*!|>%@`?", rune(l[0])) {
		return "", false
	}
	if strings.HasPrefix(l, "- ") || l == "-" || strings.HasPrefix(l, "---") || strings.HasPrefix(l, "...") {
		return "", false
	}
	var key, rest string
	if q := l[0]; q == '"' || q == '\'' {
		end := -1
		for i := 1; i < len(l); i++ {
			if q == '"' && l[i] == '\\' {
				i++
				continue
			}
			if l[i] == q {
				if q == '\'' && i+1 < len(l) && l[i+1] == '\'' { // '' escapes a quote
					i++
					continue
				}
				end = i
				break
			}
		}
		if end < 0 {
			return "", false
		}
		key, rest = l[1:end], strings.TrimLeft(l[end+1:], " \t")
		if !strings.HasPrefix(rest, ":") {
			return "", false
		}
		rest = rest[1:]
	} else {
		i := 0
		for {
			j := strings.IndexByte(l[i:], ':')
			if j < 0 {
				return "", false
			}
			i += j
			if i+1 == len(l) || l[i+1] == ' ' || l[i+1] == '\t' {
				break
			}
			i++
		}
		key, rest = strings.TrimSpace(l[:i]), l[i+1:]
		if strings.Contains(key, " #") {
			return "", false // the colon is inside a comment
		}
	}
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", false
	}
	return key, key != ""
}

// splitTOML makes one chunk per table header ("[x]" or "[[x]]") and one for
// the root keys before the first table. Headers are only recognised outside
// multi-line strings and arrays, where a line starting with '[' is data.
func splitTOML(d *doc, opt Options) []Chunk {
	var starts []int
	var names []string
	var st tomlState
	for i, l := range d.lines {
		if st.clear() {
			if name, ok := tomlHeader(l); ok {
				starts = append(starts, i)
				names = append(names, name)
				continue
			}
		}
		st.scan(l)
	}
	if len(starts) == 0 {
		return splitText(d, opt, nil)
	}
	return sectionsToChunks(d.keyedSections(starts, names), opt)
}

// tomlHeader parses a table header line, returning the table name.
func tomlHeader(l string) (string, bool) {
	t := strings.TrimSpace(l)
	open, close := "[", "]"
	if strings.HasPrefix(t, "[[") {
		open, close = "[[", "]]"
	}
	if !strings.HasPrefix(t, open) {
		return "", false
	}
	end := strings.Index(t[len(open):], close)
	if end < 0 {
		return "", false
	}
	name := strings.TrimSpace(t[len(open) : len(open)+end])
	after := strings.TrimSpace(t[len(open)+end+len(close):])
	if name == "" || (after != "" && !strings.HasPrefix(after, "#")) {
		return "", false
	}
	for _, r := range name {
		if !(r == '_' || r == '-' || r == '.' || r == ' ' || r == '"' || r == '\'' ||
			r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 127) {
			return "", false
		}
	}
	return name, true
}

// tomlState tracks just enough TOML lexing to know whether a line is inside
// a multi-line string or an unclosed array or inline table.
type tomlState struct {
	multi string // `"""` or `'''` while inside a multi-line string
	depth int    // open '[' and '{' of values
}

func (s *tomlState) clear() bool { return s.multi == "" && s.depth == 0 }

func (s *tomlState) scan(l string) {
	for i := 0; i < len(l); i++ {
		if s.multi != "" {
			if strings.HasPrefix(l[i:], s.multi) {
				i += len(s.multi) - 1
				s.multi = ""
			} else if s.multi == `"""` && l[i] == '\\' {
				i++
			}
			continue
		}
		switch c := l[i]; c {
		case '#':
			return
		case '"', '\'':
			if q := strings.Repeat(string(c), 3); strings.HasPrefix(l[i:], q) {
				s.multi = q
				i += 2
				continue
			}
			for i++; i < len(l) && l[i] != c; i++ {
				if c == '"' && l[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			s.depth++
		case ']', '}':
			if s.depth > 0 {
				s.depth--
			}
		}
	}
}
