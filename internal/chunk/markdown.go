package chunk

import (
	"slices"
	"strings"

	"github.com/memtomem/memtomem/internal/memfile"
)

// mdPiece is a markdown chunk under construction, with what the merge step
// needs to know about where it came from.
type mdPiece struct {
	fr    []frag
	hier  []string
	level int // level of the piece's first heading; 0 for text before any heading
	meta  memfile.Meta
	own   bool // the section carries metadata lines of its own
	whole bool // the piece is its section entire (not one part of a split)
	// partial: the piece holds part of a divided line, whose other parts are
	// in neighbouring chunks; nothing may be merged into it.
	partial bool
}

// heading is an entry of the stack of enclosing headings.
type heading struct {
	level int
	title string
	meta  memfile.Meta
	own   bool
}

// splitMarkdown chunks markdown by section. Sections are what people (and
// agents writing memory files) use to delimit one thought, so a section
// becomes a chunk; only sections too long to read as one result are split,
// and only tiny subsections are folded into their parent. Memory entries are
// sections with metadata lines, and two entries are never merged, since each
// must stay separately retrievable with its own id, tags and date.
func splitMarkdown(d *doc, opt Options) []Chunk {
	fm, body, err := ParseFrontmatter(d.src)
	if err != nil {
		fm, body = Frontmatter{}, 1 // keep the malformed block as text
	}
	start := min(body-1, len(d.lines))
	atomOf := markAtoms(d.lines, start)

	line := func(i int) frag { return frag{line: i, text: d.lines[i], atom: atomOf[i]} }

	var pieces []mdPiece
	addSection := func(fr []frag, p mdPiece) {
		parts := splitSection(fr, opt)
		for _, part := range parts {
			q := p
			q.fr = part
			q.whole = len(parts) == 1
			for _, f := range part {
				q.partial = q.partial || f.text != d.lines[f.line]
			}
			if len(pieces) > 0 && mergeable(pieces[len(pieces)-1], q, opt) {
				prev := &pieces[len(pieces)-1]
				prev.fr = slices.Clip(prev.fr) // it shares an array with its section's frags
				for g := prev.fr[len(prev.fr)-1].line + 1; g < q.fr[0].line; g++ {
					prev.fr = append(prev.fr, line(g)) // the blank lines between
				}
				prev.fr = append(prev.fr, q.fr...)
				continue
			}
			pieces = append(pieces, q)
		}
	}

	var stack []heading
	var secFr []frag
	var sec mdPiece
	if fm.Title != "" {
		sec.hier = []string{fm.Title}
	}
	flush := func() {
		if trimmed := trimFrags(secFr); len(trimmed) > 0 {
			addSection(trimmed, sec)
		}
		secFr = nil
	}
	for i := start; i < len(d.lines); i++ {
		level, title, ok := 0, "", false
		if atomOf[i] == 0 {
			level, title, ok = atxHeading(d.lines[i])
		}
		if !ok {
			secFr = append(secFr, line(i))
			continue
		}
		flush()
		for len(stack) > 0 && stack[len(stack)-1].level >= level {
			stack = stack[:len(stack)-1]
		}
		h := heading{level: level, title: title}
		// Metadata lines directly below the heading (blank lines allowed)
		// describe the entry; they are data, not text to index.
		hf := line(i)
		hf.sticky = true
		secFr = append(secFr, hf)
		var blanks []frag // dropped with the metadata lines they surround
		j := i + 1
		for ; j < len(d.lines); j++ {
			if isBlank(d.lines[j]) {
				blanks = append(blanks, line(j))
				continue
			}
			if atomOf[j] != 0 || !memfile.ParseMetaLine(d.lines[j], &h.meta) {
				break
			}
			h.own = true
			blanks = blanks[:0]
		}
		secFr = append(secFr, blanks...)
		i = j - 1
		if !h.own {
			// A subsection belongs to the entry it sits in: it inherits the
			// nearest enclosing entry's metadata.
			for k := len(stack) - 1; k >= 0; k-- {
				if stack[k].own {
					h.meta = stack[k].meta
					break
				}
			}
		}
		stack = append(stack, h)
		sec = mdPiece{level: level, meta: h.meta, own: h.own}
		for _, s := range stack {
			sec.hier = append(sec.hier, s.title)
		}
	}
	flush()

	out := make([]Chunk, 0, len(pieces))
	for _, p := range pieces {
		c, ok := makeChunk(p.fr, p.hier)
		if !ok {
			continue
		}
		c.Tags = memfile.NormalizeTags(append(slices.Clone(fm.Tags), p.meta.Tags...))
		c.Created = p.meta.Created
		c.EntryID = p.meta.ID
		out = append(out, c)
	}
	return out
}

// mergeable reports whether a small section q should join the chunk before
// it: only a subsection (deeper than the previous chunk's first heading) of
// a section, never text before the first heading, never a section with its
// own metadata (that is a separate memory), and only while the result stays
// within MaxChars.
func mergeable(prev, q mdPiece, opt Options) bool {
	if !q.whole || q.own || q.level == 0 || prev.level == 0 || q.level <= prev.level || prev.partial {
		return false
	}
	size := fragsSize(q.fr)
	if size >= opt.MinChars {
		return false
	}
	gap := q.fr[0].line - prev.fr[len(prev.fr)-1].line // newlines between them
	return fragsSize(prev.fr)+gap+size <= opt.MaxChars
}

// markAtoms finds code fences and tables from line start on and gives each
// a distinct non-zero id: fences must not be searched for headings, and
// neither may be divided between chunks.
//
// A fence that is never closed is treated as ordinary text, unlike
// CommonMark (where it runs to the end of the document): an agent's
// truncated snippet should not swallow every heading after it into one
// unsplittable chunk.
func markAtoms(lines []string, start int) []int {
	atom := make([]int, len(lines))
	if start >= len(lines) {
		return atom
	}
	// longestClose[c][i]: the longest closing-fence run of c at or after line i,
	// so that an unclosed opener is recognised without scanning ahead.
	longestClose := map[byte][]int{'`': make([]int, len(lines)+1), '~': make([]int, len(lines)+1)}
	for i := len(lines) - 1; i >= start; i-- {
		for c, lc := range longestClose {
			lc[i] = lc[i+1]
			if n := closingRun(lines[i], c); n > lc[i] {
				lc[i] = n
			}
		}
	}
	id := 0
	for i := start; i < len(lines); i++ {
		c, n, ok := fenceOpen(lines[i])
		if !ok || longestClose[c][i+1] < n {
			continue
		}
		j := i + 1
		for closingRun(lines[j], c) < n {
			j++
		}
		id++
		for k := i; k <= j; k++ {
			atom[k] = id
		}
		i = j
	}
	for i := start; i < len(lines); {
		if atom[i] != 0 || !isTableLine(lines[i]) {
			i++
			continue
		}
		j := i
		for j < len(lines) && atom[j] == 0 && isTableLine(lines[j]) {
			j++
		}
		if j-i >= 2 { // a table has at least a header and a delimiter row
			id++
			for k := i; k < j; k++ {
				atom[k] = id
			}
		}
		i = j
	}
	return atom
}

func isTableLine(l string) bool {
	return strings.HasPrefix(strings.TrimLeft(l, " \t"), "|")
}

// fenceOpen recognises an opening code fence: three or more backticks or
// tildes. Indentation is not limited, so fences inside list items count.
func fenceOpen(l string) (c byte, n int, ok bool) {
	t := strings.TrimLeft(l, " \t")
	if len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return 0, 0, false
	}
	c = t[0]
	for n < len(t) && t[n] == c {
		n++
	}
	if n < 3 || (c == '`' && strings.IndexByte(t[n:], '`') >= 0) {
		return 0, 0, false
	}
	return c, n, true
}

// closingRun returns the length of a closing fence of c on l (a line of only
// c, at least three), or 0.
func closingRun(l string, c byte) int {
	t := strings.TrimSpace(l)
	if len(t) < 3 || strings.Trim(t, string(c)) != "" {
		return 0
	}
	return len(t)
}

// atxHeading parses "# Title" through "###### Title" (up to three spaces of
// indentation, an optional closing run of '#').
func atxHeading(l string) (level int, title string, ok bool) {
	i := 0
	for i < len(l) && l[i] == ' ' {
		i++
	}
	if i > 3 {
		return 0, "", false
	}
	j := i
	for j < len(l) && l[j] == '#' {
		j++
	}
	level = j - i
	if level < 1 || level > 6 || (j < len(l) && l[j] != ' ' && l[j] != '\t') {
		return 0, "", false
	}
	title = strings.TrimSpace(l[j:])
	if t := strings.TrimRight(title, "#"); t == "" {
		title = ""
	} else if len(t) < len(title) && (t[len(t)-1] == ' ' || t[len(t)-1] == '\t') {
		title = strings.TrimSpace(t)
	}
	return level, title, true
}
