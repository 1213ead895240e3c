package chunk

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// splitText chunks plain text (and, with a file-name hierarchy, code without
// a dedicated chunker): blank-line separated paragraphs packed greedily up
// to TargetChars. Paragraphs are the only boundaries plain text offers that
// keep related sentences together.
func splitText(d *doc, opt Options, hier []string) []Chunk {
	return piecesToChunks(pack(d.frags(0, len(d.lines)), opt), hier)
}

func piecesToChunks(pieces [][]frag, hier []string) []Chunk {
	var out []Chunk
	for _, p := range pieces {
		if c, ok := makeChunk(p, hier); ok {
			out = append(out, c)
		}
	}
	return out
}

// splitSection keeps a section whole unless it exceeds MaxChars, in which
// case it is packed into TargetChars pieces. Used for anything that is
// meaningful as one unit (a markdown section, a declaration, a config key).
func splitSection(fr []frag, opt Options) [][]frag {
	fr = trimFrags(fr)
	if len(fr) == 0 {
		return nil
	}
	if fragsSize(fr) <= opt.MaxChars {
		return [][]frag{fr}
	}
	return pack(fr, opt)
}

// span is a half-open range of indexes into a frag slice.
type span struct{ a, b int }

// pack cuts frags into pieces of about TargetChars. It packs whole
// paragraphs greedily; a paragraph over MaxChars is packed line by line
// instead, keeping fences and tables (atoms) whole, and a single line over
// MaxChars is hard-split. A runt last piece joins its predecessor when that
// stays within MaxChars, so a split never ends in a fragment of a sentence.
func pack(fr []frag, opt Options) [][]frag {
	pre := make([]int, len(fr)+1)
	for i, f := range fr {
		pre[i+1] = pre[i] + runes(f.text) + 1
	}
	size := func(a, b int) int { return max(pre[b]-pre[a]-1, 0) }

	type piece struct {
		span
		hard []frag // set for pieces of a hard-split line
	}
	var out []piece
	cur := span{-1, -1}
	flush := func() {
		if cur.a >= 0 {
			out = append(out, piece{span: cur})
			cur = span{-1, -1}
		}
	}
	add := func(s span) {
		if cur.a >= 0 && !fr[cur.b-1].sticky && size(cur.a, s.b) > opt.TargetChars {
			flush()
		}
		if cur.a < 0 {
			cur = s
		} else {
			cur.b = s.b
		}
	}
	for _, u := range paragraphs(fr) {
		if size(u.a, u.b) <= opt.MaxChars {
			add(u)
			continue
		}
		for _, at := range atoms(fr, u) {
			if at.b-at.a == 1 && fr[at.a].atom == 0 && size(at.a, at.b) > opt.MaxChars {
				flush()
				for _, h := range hardSplit(fr[at.a], opt.TargetChars) {
					out = append(out, piece{hard: []frag{h}})
				}
				continue
			}
			add(at)
		}
	}
	flush()
	if n := len(out); n >= 2 && out[n-1].hard == nil && out[n-2].hard == nil &&
		size(out[n-1].a, out[n-1].b) < opt.MinChars && size(out[n-2].a, out[n-1].b) <= opt.MaxChars {
		out[n-2].b = out[n-1].b
		out = out[:n-1]
	}
	res := make([][]frag, 0, len(out))
	for _, p := range out {
		if p.hard != nil {
			res = append(res, p.hard)
		} else {
			res = append(res, fr[p.a:p.b])
		}
	}
	return res
}

// paragraphs returns the runs of non-blank frags. Blank lines inside an atom
// (a code fence) do not end a paragraph.
func paragraphs(fr []frag) []span {
	var out []span
	start := -1
	for i, f := range fr {
		inAtom := f.atom != 0 && start >= 0 && fr[i-1].atom == f.atom
		if isBlank(f.text) && !inAtom {
			if start >= 0 {
				out = append(out, span{start, i})
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, span{start, len(fr)})
	}
	return out
}

// atoms divides a paragraph into the smallest parts pack may separate:
// whole fences and tables, otherwise single lines.
func atoms(fr []frag, u span) []span {
	var out []span
	for i := u.a; i < u.b; {
		j := i + 1
		if id := fr[i].atom; id != 0 {
			for j < u.b && fr[j].atom == id {
				j++
			}
		}
		out = append(out, span{i, j})
		i = j
	}
	return out
}

// hardSplit divides one over-long line into pieces of at most target runes,
// preferring to break after whitespace in the second half of each window so
// words stay intact. Pieces are trimmed and blank ones dropped; each stays a
// substring of the line, on rune boundaries.
func hardSplit(f frag, target int) []frag {
	var out []frag
	s := f.text
	for len(s) > 0 {
		// Find the byte offset after `target` runes.
		end, n := 0, 0
		lastSpace := -1
		for end < len(s) && n < target {
			r, w := utf8.DecodeRuneInString(s[end:])
			end += w
			n++
			if unicode.IsSpace(r) && n > target/2 {
				lastSpace = end
			}
		}
		if end < len(s) && lastSpace > 0 {
			end = lastSpace
		}
		if p := strings.TrimSpace(s[:end]); p != "" {
			out = append(out, frag{line: f.line, text: p})
		}
		s = s[end:]
	}
	return out
}
