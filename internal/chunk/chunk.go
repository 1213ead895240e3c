// Package chunk splits files into the pieces memtomem indexes and shows as
// search results.
//
// A chunk is the unit of retrieval: BM25 (and later vector) search scores
// chunks, and a result shows one chunk with its heading path. Chunks should
// therefore be self-contained (a memory entry, a section, a declaration) and
// of a size that both ranks well and reads well, which is what Options tune.
//
// Every chunk carries the 1-based line range it came from so that a result can
// point back into the file. Across a file, chunks are ordered and never share
// text; the only time two chunks touch the same line is when one line had to
// be divided (a line longer than MaxChars, or minified JSON whose keys sit on
// one line), in which case each piece's Content is a distinct part of it.
package chunk

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Chunk is one indexable piece of a file.
type Chunk struct {
	// Hierarchy is the heading path, outermost first, e.g. ["Runbook", "Deploy"].
	// For code it names the file or declaration, for JSON/YAML/TOML the top-level key.
	Hierarchy []string
	// Content is the text indexed and shown. For markdown it includes the
	// section's heading line(s) and excludes entry metadata lines and frontmatter.
	Content string
	// StartLine and EndLine are the 1-based inclusive line range in the file.
	StartLine int
	EndLine   int
	// Tags are the frontmatter tags followed by the entry's "> tags:", normalized.
	Tags []string
	// Created is the entry's "> created:" time, zero if it has none.
	Created time.Time
	// EntryID is the entry's "> id:", empty if it has none.
	EntryID string
}

// Options size the chunks. Sizes count characters (runes), not bytes, so
// that non-Latin text gets chunks of comparable reading length.
type Options struct {
	// TargetChars is the size pieces are packed up to when something has to be split.
	TargetChars int
	// MinChars: a markdown subsection smaller than this joins its parent's chunk.
	MinChars int
	// MaxChars: a section (or declaration, or key) larger than this is split.
	// Code fences and tables are never split, so they may exceed it.
	MaxChars int
}

// DefaultOptions returns the sizes memtomem indexes with: about a screenful
// per chunk, which keeps BM25 length normalisation sane and fits embedding
// models' input limits.
func DefaultOptions() Options {
	return Options{TargetChars: 1200, MinChars: 200, MaxChars: 2400}
}

// normalized fills zero (or negative) fields with defaults and makes the
// sizes consistent, so that Min <= Target <= Max always holds.
func (o Options) normalized() Options {
	def := DefaultOptions()
	if o.TargetChars <= 0 {
		o.TargetChars = def.TargetChars
	}
	if o.MinChars <= 0 {
		o.MinChars = def.MinChars
	}
	if o.MaxChars <= 0 {
		o.MaxChars = def.MaxChars
	}
	if o.MaxChars < o.TargetChars {
		o.MaxChars = o.TargetChars
	}
	if o.MinChars > o.TargetChars {
		o.MinChars = o.TargetChars
	}
	return o
}

// catchPanics makes Split fall back to plain-text chunking if a format
// chunker panics: the indexer runs over arbitrary user files and one odd file
// must not take it down. Tests switch it off so that fuzzing sees the panic.
var catchPanics = true

// Split cuts a file into chunks, choosing the strategy by the path's
// extension. It never fails: content that does not parse as its extension
// claims is chunked as plain text. Empty or whitespace-only content yields nil.
func Split(path string, content []byte, opt Options) (chunks []Chunk) {
	if len(bytes.TrimSpace(content)) == 0 {
		return nil
	}
	opt = opt.normalized()
	d := newDoc(content)
	if catchPanics {
		defer func() {
			if recover() != nil {
				chunks = nil
				func() {
					defer func() { _ = recover() }()
					chunks = finalize(splitText(d, opt, nil))
				}()
			}
		}()
	}
	var out []Chunk
	switch kindOf(path) {
	case kindMarkdown:
		out, _ = splitMarkdown(d, opt, nil)
	case kindJSON:
		out = splitJSON(d, opt)
	case kindYAML:
		out = splitYAML(d, opt)
	case kindTOML:
		out = splitTOML(d, opt)
	case kindGo:
		out = splitGo(d, opt, path)
	case kindCode:
		out = splitCode(d, opt, path)
	default:
		out = splitText(d, opt, nil)
	}
	return finalize(out)
}

type kind int

const (
	kindText kind = iota
	kindMarkdown
	kindJSON
	kindYAML
	kindTOML
	kindGo
	kindCode
)

var extKinds = map[string]kind{
	".md": kindMarkdown, ".markdown": kindMarkdown, ".mdx": kindMarkdown, ".mdown": kindMarkdown, ".mkd": kindMarkdown,
	".json": kindJSON,
	".yaml": kindYAML, ".yml": kindYAML,
	".toml": kindTOML,
	".go":   kindGo,
}

// kindOf maps a path to its chunker. Unknown extensions are treated as plain
// text: the indexer decides what is text, we only decide how to cut it.
func kindOf(path string) kind {
	if k, ok := extKinds[strings.ToLower(filepath.Ext(path))]; ok {
		return k
	}
	return kindText
}

// doc is a file prepared for chunking: a leading byte-order mark removed and
// split into lines without their terminators. Lines keep their raw bytes
// (invalid UTF-8 included) so that byte offsets stay meaningful; Content is
// sanitized only when a chunk is built.
type doc struct {
	src    []byte
	lines  []string
	starts []int // byte offset in src where each line begins
}

func newDoc(content []byte) *doc {
	src := bytes.TrimPrefix(content, []byte("\uFEFF"))
	d := &doc{src: src}
	s := string(src)
	for off := 0; off < len(s); {
		i := strings.IndexByte(s[off:], '\n')
		end := len(s)
		next := len(s)
		if i >= 0 {
			end = off + i
			next = end + 1
		}
		d.starts = append(d.starts, off)
		// Like memfile.Lines, so both read the same lines.
		d.lines = append(d.lines, strings.TrimRight(s[off:end], "\r"))
		off = next
	}
	return d
}

// frag is a piece of text from one line of the file: usually the whole line,
// but a part of it when a line had to be divided. Chunkers work on frags so
// that whole-line and part-line content share one packing algorithm.
type frag struct {
	line int // 0-based line index
	text string
	// atom is non-zero for lines of a block that must not be divided (a code
	// fence or a table); all lines of one block share the value.
	atom int
	// sticky frags (headings) belong with what follows: a piece never ends on one.
	sticky bool
}

// frags returns lines [start, end) as frags.
func (d *doc) frags(start, end int) []frag {
	if start < 0 {
		start = 0
	}
	if end > len(d.lines) {
		end = len(d.lines)
	}
	out := make([]frag, 0, max(end-start, 0))
	for i := start; i < end; i++ {
		out = append(out, frag{line: i, text: d.lines[i]})
	}
	return out
}

// pos converts a byte offset in src to a line index and a column within
// that line's text (clamped, since a CR stripped from the line may sit there).
func (d *doc) pos(off int) (line, col int) {
	line, _ = slices.BinarySearch(d.starts, off+1)
	line--
	if line < 0 {
		return 0, 0
	}
	col = min(off-d.starts[line], len(d.lines[line]))
	return line, col
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// runes is the size measure of Options.
func runes(s string) int { return utf8.RuneCountInString(s) }

// fragsSize is the size of the frags joined by newlines.
func fragsSize(fr []frag) int {
	n := 0
	for _, f := range fr {
		n += runes(f.text) + 1
	}
	return max(n-1, 0)
}

// trimFrags drops blank frags at both ends.
func trimFrags(fr []frag) []frag {
	for len(fr) > 0 && isBlank(fr[0].text) {
		fr = fr[1:]
	}
	for len(fr) > 0 && isBlank(fr[len(fr)-1].text) {
		fr = fr[:len(fr)-1]
	}
	return fr
}

// makeChunk joins frags into a chunk, reporting false when nothing but
// whitespace is left.
func makeChunk(fr []frag, hier []string) (Chunk, bool) {
	fr = trimFrags(fr)
	if len(fr) == 0 {
		return Chunk{}, false
	}
	var b strings.Builder
	for i, f := range fr {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(f.text)
	}
	return Chunk{
		Hierarchy: slices.Clone(hier),
		Content:   strings.TrimRight(b.String(), " \t"),
		StartLine: fr[0].line + 1,
		EndLine:   fr[len(fr)-1].line + 1,
	}, true
}

// finalize sanitizes content and drops anything empty, the last line of
// defence for the invariants callers rely on.
func finalize(in []Chunk) []Chunk {
	var out []Chunk
	for _, c := range in {
		c.Content = strings.ToValidUTF8(c.Content, "\uFFFD")
		if strings.TrimSpace(c.Content) == "" {
			continue
		}
		if len(c.Hierarchy) == 0 {
			c.Hierarchy = nil
		}
		if len(c.Tags) == 0 {
			c.Tags = nil
		}
		out = append(out, c)
	}
	return out
}
