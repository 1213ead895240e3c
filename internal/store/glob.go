package store

import (
	"strings"
	"unicode/utf8"
)

// Globs are the store's one pattern dialect, used by namespace selectors
// ("proj:*") and source filters ("*/notes/*"). It is SQLite's GLOB, so the
// SQLite backend hands patterns to SQL unchanged, and other backends render
// Glob's parsed form (Regexp) or match in Go (Match):
//
//   - '*' matches any run of characters, '/' included (it is not a path
//     glob: "*/notes/*" matches at any depth);
//   - '?' matches one character;
//   - '[abc]', '[a-z]' match one character of a set, '[^abc]' one outside
//     it; a ']' right after '[' or '[^' is a member, a '-' first or last is
//     a member; a set never closed matches nothing;
//   - every other character matches itself, case-sensitively; there is no
//     escape character: write "[*]" for a literal star.
//
// Characters are Unicode code points of UTF-8 text.
type Glob struct {
	tokens []globToken
}

type globKind uint8

const (
	globLiteral globKind = iota
	globOne              // ?
	globStar             // *
	globSet              // [...]
	globNever            // an unclosed set: nothing matches from here
)

type globToken struct {
	kind   globKind
	r      rune        // globLiteral
	negate bool        // globSet
	ranges []runeRange // globSet; a single member is a range of one
}

type runeRange struct{ lo, hi rune }

// IsGlob reports whether s holds a glob character; a namespace without one
// is an exact name.
func IsGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

// ParseGlob parses a pattern; every string is a pattern, so it cannot fail.
func ParseGlob(pattern string) Glob {
	var g Glob
	p := pattern
	next := func() rune {
		r, n := utf8.DecodeRuneInString(p)
		p = p[n:]
		return r
	}
	for p != "" {
		switch c := next(); c {
		case '*':
			if n := len(g.tokens); n == 0 || g.tokens[n-1].kind != globStar {
				g.tokens = append(g.tokens, globToken{kind: globStar})
			}
		case '?':
			g.tokens = append(g.tokens, globToken{kind: globOne})
		case '[':
			t, ok := parseSet(&p)
			if !ok {
				g.tokens = append(g.tokens, globToken{kind: globNever})
				return g
			}
			g.tokens = append(g.tokens, t)
		default:
			g.tokens = append(g.tokens, globToken{kind: globLiteral, r: c})
		}
	}
	return g
}

// parseSet reads a set after its '[' the way SQLite's patternCompare does,
// including its quirks: "a-c-e" is the range a–c, then '-' and 'e'.
func parseSet(p *string) (globToken, bool) {
	t := globToken{kind: globSet}
	s := *p
	next := func() rune {
		if s == "" {
			return 0
		}
		r, n := utf8.DecodeRuneInString(s)
		s = s[n:]
		return r
	}
	c := next()
	if c == '^' {
		t.negate = true
		c = next()
	}
	if c == ']' {
		t.ranges = append(t.ranges, runeRange{']', ']'})
		c = next()
	}
	var prior rune = -1
	for c != 0 && c != ']' {
		if c == '-' && s != "" && s[0] != ']' && prior >= 0 {
			hi := next()
			t.ranges = append(t.ranges, runeRange{prior, hi})
			prior = -1
		} else {
			t.ranges = append(t.ranges, runeRange{c, c})
			prior = c
		}
		c = next()
	}
	*p = s
	return t, c == ']'
}

// Match reports whether s matches the whole pattern. It runs in
// O(len(pattern)·len(s)): a star is retried from the last one only.
func (g Glob) Match(s string) bool {
	toks := g.tokens
	ti, si := 0, 0
	star, starSi := -1, 0
	for {
		if ti < len(toks) && toks[ti].kind == globStar {
			star, starSi = ti, si
			ti++
			continue
		}
		if si == len(s) {
			return ti == len(toks)
		}
		r, n := utf8.DecodeRuneInString(s[si:])
		if ti < len(toks) && toks[ti].matches(r) {
			ti, si = ti+1, si+n
			continue
		}
		if ti < len(toks) && toks[ti].kind == globNever {
			return false
		}
		if star < 0 {
			return false
		}
		// Let the last star take one more character and try again.
		_, n = utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		ti, si = star+1, starSi
	}
}

func (t globToken) matches(r rune) bool {
	switch t.kind {
	case globLiteral:
		return r == t.r
	case globOne:
		return true
	case globSet:
		in := false
		for _, rg := range t.ranges {
			if r >= rg.lo && r <= rg.hi {
				in = true
				break
			}
		}
		return in != t.negate
	}
	return false
}

// Regexp renders the pattern as an anchored regular expression that Go's
// regexp and PostgreSQL's advanced regular expressions (the ~ operator)
// both read the same way.
func (g Glob) Regexp() string {
	var b strings.Builder
	b.WriteString("(?s)^")
	for _, t := range g.tokens {
		switch t.kind {
		case globLiteral:
			writeRegexpRune(&b, t.r)
		case globOne:
			b.WriteByte('.')
		case globStar:
			b.WriteString(".*")
		case globNever:
			return neverRegexp
		case globSet:
			var members strings.Builder
			for _, rg := range t.ranges {
				if rg.lo > rg.hi {
					continue // SQLite's [z-a] holds nothing; a regexp would not compile
				}
				writeRegexpRune(&members, rg.lo)
				if rg.hi != rg.lo {
					members.WriteByte('-')
					writeRegexpRune(&members, rg.hi)
				}
			}
			switch {
			case members.Len() > 0 && t.negate:
				b.WriteString("[^" + members.String() + "]")
			case members.Len() > 0:
				b.WriteString("[" + members.String() + "]")
			case t.negate:
				b.WriteByte('.') // outside an empty set: any character
			default:
				return neverRegexp // inside an empty set: nothing
			}
		}
	}
	b.WriteByte('$')
	return b.String()
}

// neverRegexp matches nothing in both dialects: a character before the
// start of the text.
const neverRegexp = "(?s)^.^"

// Never reports whether the pattern can match nothing at all (it holds a
// set that is never closed).
func (g Glob) Never() bool {
	n := len(g.tokens)
	return n > 0 && g.tokens[n-1].kind == globNever
}

// writeRegexpRune writes r so that it stands for itself inside or outside
// a bracket expression: ASCII punctuation is escaped with a backslash,
// which both dialects take as the character itself.
func writeRegexpRune(b *strings.Builder, r rune) {
	if r < utf8.RuneSelf && !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') && r > ' ' {
		b.WriteByte('\\')
	}
	b.WriteRune(r)
}
