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
	level int  // level of the piece's first heading; 0 for text before any heading
	entry int  // index of the memory entry it lies in (memfile's Layout), -1 for none
	own   bool // the piece starts at its entry's heading
	whole bool // the piece is its section entire (not one part of a split)
	// partial: the piece holds part of a divided line, whose other parts are
	// in neighbouring chunks; nothing may be merged into it.
	partial bool
}

// heading is an entry of the stack of enclosing headings.
type heading struct {
	level int
	title string
}

// splitMarkdown chunks markdown by section. Sections are what people (and
// agents writing memory files) use to delimit one thought, so a section
// becomes a chunk; only sections too long to read as one result are split,
// and only tiny subsections are folded into their parent.
//
// Where entries are, which lines are their metadata and which are fenced
// code is decided by memfile.Scan, the one grammar of memory files: chunks
// are cut inside the entries it found, never across two, and every chunk
// of an entry carries that entry's id, tags and date. So a chunk's EntryID
// always names the entry whose lines it covers, whatever the body holds.
//
// from, when set, is the context of a file that d was appended to
// (SplitAppended): d then has no frontmatter of its own, and starts inside
// the headings from names. The returned Context is the one at d's end.
func splitMarkdown(d *doc, opt Options, from *Context) ([]Chunk, Context) {
	fm, body, err := ParseFrontmatter(d.src)
	if err != nil {
		fm, body = Frontmatter{}, 1 // keep the malformed block as text
	}
	lay := memfile.Scan(d.lines)
	if lay.Front == 0 {
		// Not frontmatter to memfile either (a strong entry heading
		// interrupts it): read it as text, like memfile does.
		fm, body = Frontmatter{}, 1
	}
	var stack []heading
	if from != nil {
		fm, body = Frontmatter{Tags: from.Tags}, 1
		for _, h := range from.Headings {
			stack = append(stack, heading{level: h.Level, title: h.Title})
		}
	}
	start := min(body-1, len(d.lines))
	atomOf := markAtoms(d.lines, lay)

	// shown is each line as indexed: entry body lines with the writer's
	// escapes undone, so a result reads as the memory was written.
	shown := slices.Clone(d.lines)
	entryOf := make([]int, len(d.lines)) // entry index per line, -1 before the first
	for i := range entryOf {
		entryOf[i] = -1
	}
	meta := make([]bool, len(d.lines)) // an entry's metadata lines (and blank lines among them)
	for k, e := range lay.Entries {
		for i := e.Heading; i < e.End; i++ {
			entryOf[i] = k
		}
		for i := e.Heading + 1; i < metaEnd(d.lines, e); i++ {
			meta[i] = true
		}
		for i := e.Body; i < e.End; i++ {
			shown[i] = memfile.Unescape(d.lines[i])
		}
	}
	line := func(i int) frag { return frag{line: i, text: shown[i], atom: atomOf[i]} }

	var pieces []mdPiece
	addSection := func(fr []frag, p mdPiece) {
		parts := splitSection(fr, opt)
		for _, part := range parts {
			q := p
			q.fr = part
			q.whole = len(parts) == 1
			for _, f := range part {
				q.partial = q.partial || f.text != shown[f.line]
			}
			if len(pieces) > 0 && mergeable(pieces[len(pieces)-1], q, opt) {
				prev := &pieces[len(pieces)-1]
				prev.fr = slices.Clip(prev.fr) // it shares an array with its section's frags
				for g := prev.fr[len(prev.fr)-1].line + 1; g < q.fr[0].line; g++ {
					if !meta[g] {
						prev.fr = append(prev.fr, line(g)) // the blank lines between
					}
				}
				prev.fr = append(prev.fr, q.fr...)
				continue
			}
			pieces = append(pieces, q)
		}
	}

	var secFr []frag
	sec := mdPiece{entry: -1}
	if fm.Title != "" {
		sec.hier = []string{fm.Title}
	}
	flush := func() {
		if trimmed := trimFrags(secFr); len(trimmed) > 0 {
			addSection(trimmed, sec)
		}
		secFr = nil
	}
	next := 0 // the next entry of lay.Entries to reach
	for next < len(lay.Entries) && lay.Entries[next].Heading < start {
		next++ // inside frontmatter chunk.ParseFrontmatter accepted
	}
	for i := start; i < len(d.lines); i++ {
		var h heading
		own := false
		if next < len(lay.Entries) && lay.Entries[next].Heading == i {
			e := lay.Entries[next]
			h, own = heading{level: 2, title: e.Title}, true
			next++
		} else if level, title, ok := memfile.Heading(d.lines[i]); ok && atomOf[i] == 0 {
			h = heading{level: level, title: displayTitle(title)}
		} else {
			secFr = append(secFr, line(i))
			continue
		}
		flush()
		for len(stack) > 0 && stack[len(stack)-1].level >= h.level {
			stack = stack[:len(stack)-1]
		}
		hf := line(i)
		hf.sticky = true
		secFr = append(secFr, hf)
		if own {
			// The entry's metadata lines are data, not text to index; the
			// blank lines after them stay, so the content reads as written.
			e := lay.Entries[next-1]
			for k := metaEnd(d.lines, e); k < e.Body; k++ {
				secFr = append(secFr, line(k))
			}
			i = e.Body - 1
		}
		stack = append(stack, h)
		sec = mdPiece{level: h.level, entry: entryOf[i], own: own}
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
		var meta memfile.Meta
		if p.entry >= 0 {
			meta = lay.Entries[p.entry].Meta
		}
		c.Tags = memfile.NormalizeTags(append(slices.Clone(fm.Tags), meta.Tags...))
		c.Created = meta.Created
		c.EntryID = meta.ID
		out = append(out, c)
	}
	end := Context{Tags: fm.Tags}
	for _, h := range stack {
		end.Headings = append(end.Headings, ContextHeading{Level: h.level, Title: h.title})
	}
	return out, end
}

// metaEnd is where the blank lines before an entry's body begin: the lines
// between its heading and there are metadata (or blank lines among them).
func metaEnd(lines []string, e memfile.Span) int {
	k := e.Body
	for k-1 > e.Heading && isBlank(lines[k-1]) {
		k--
	}
	return k
}

// displayTitle drops a heading's closing '#' run for the hierarchy shown
// with results ("# Title #" shows as "Title"). Entry titles are shown as
// memfile reads them, so an entry's hierarchy matches its title.
func displayTitle(title string) string {
	if t := strings.TrimRight(title, "#"); t == "" {
		return ""
	} else if len(t) < len(title) && (t[len(t)-1] == ' ' || t[len(t)-1] == '\t') {
		return strings.TrimSpace(t)
	}
	return title
}

// mergeable reports whether a small section q should join the chunk before
// it: only a subsection (deeper than the previous chunk's first heading) of
// a section in the same entry, never text before the first heading, never an
// entry's own heading (that is a separate memory), and only while the result
// stays within MaxChars.
func mergeable(prev, q mdPiece, opt Options) bool {
	if !q.whole || q.own || q.entry != prev.entry || q.level == 0 || prev.level == 0 || q.level <= prev.level || prev.partial {
		return false
	}
	size := fragsSize(q.fr)
	if size >= opt.MinChars {
		return false
	}
	gap := q.fr[0].line - prev.fr[len(prev.fr)-1].line // newlines between them
	return fragsSize(prev.fr)+gap+size <= opt.MaxChars
}

// markAtoms gives each fenced code block (as memfile's grammar found them)
// and each table a distinct non-zero id: neither may be divided between
// chunks. Tables are looked for inside one entry at a time, so no atom
// crosses an entry boundary.
func markAtoms(lines []string, lay memfile.Layout) []int {
	atom := make([]int, len(lines))
	id := 0
	for _, f := range lay.Fences {
		id++
		for k := f[0]; k <= f[1]; k++ {
			atom[k] = id
		}
	}
	boundary := make([]bool, len(lines)+1)
	for _, e := range lay.Entries {
		boundary[e.Heading] = true
	}
	for i := 0; i < len(lines); {
		if atom[i] != 0 || !isTableLine(lines[i]) {
			i++
			continue
		}
		j := i
		for j < len(lines) && atom[j] == 0 && isTableLine(lines[j]) && (j == i || !boundary[j]) {
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
