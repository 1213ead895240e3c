package store

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"proj:*", "proj:web", true},
		{"proj:*", "proj:", true},
		{"proj:*", "xproj:web", false},
		{"*/notes/*", "/home/a/notes/b/c.md", true}, // '*' crosses '/'
		{"*/notes/*", "/home/a/notes", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a?c", "aéc", true}, // one code point, two bytes
		{"[abc]x", "bx", true},
		{"[^abc]x", "bx", false},
		{"[^abc]x", "dx", true},
		{"[a-c]", "b", true},
		{"[a-c-e]", "-", true}, // SQLite: range a–c, then '-' and 'e'
		{"[a-c-e]", "d", false},
		{"[]a]", "]", true},
		{"[^]a]", "]", false},
		{"[a-]", "-", true},
		{"[*]", "*", true},
		{"[*]", "x", false},
		{"[z-a]", "m", false},
		{"[^z-a]", "m", true},
		{"[abc", "a", false}, // never closed: matches nothing
		{"*[abc", "xxa", false},
		{"ARCHIVE:*", "archive:x", false}, // case-sensitive
		{"*a*a*a*b", strings.Repeat("a", 200), false},
		{"", "", true},
		{"", "x", false},
		{"**", "", true},
	} {
		g := ParseGlob(c.pattern)
		if got := g.Match(c.s); got != c.want {
			t.Errorf("%q matches %q = %v, want %v", c.pattern, c.s, got, c.want)
		}
		if got := regexp.MustCompile(g.Regexp()).MatchString(c.s); got != c.want {
			t.Errorf("regexp %s of %q on %q = %v, want %v", g.Regexp(), c.pattern, c.s, got, c.want)
		}
	}
}

// Match and Regexp are two renderings of one dialect; they must agree.
func FuzzGlobRegexpAgrees(f *testing.F) {
	for _, s := range [][2]string{{"proj:*", "proj:web"}, {"[a-c-e]?*", "-xyz"}, {"[^]a]*[", "b"}, {"*é[é-ê]", "aéê"}, {`\[.+(`, `\[.+(`}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			t.Skip("patterns and paths are UTF-8")
		}
		g := ParseGlob(pattern)
		re, err := regexp.Compile(g.Regexp())
		if err != nil {
			t.Fatalf("pattern %q renders to %q, which does not compile: %v", pattern, g.Regexp(), err)
		}
		if m, r := g.Match(s), re.MatchString(s); m != r {
			t.Fatalf("pattern %q on %q: Match %v, regexp %s %v", pattern, s, m, g.Regexp(), r)
		}
	})
}
