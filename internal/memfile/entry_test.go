package memfile

import (
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func TestNewID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if !re.MatchString(id) || !ValidID(id) {
			t.Fatalf("bad id %q", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    Entry
		want string
	}{{
		name: "titled with tags",
		e:    Entry{Title: "Deployment checklist", Meta: Meta{Created: t0, ID: "3f9a0c1d2e4b", Tags: []string{"ops", "deploy"}}, Body: "Uses blue-green rollout."},
		want: "## Deployment checklist\n\n> created: 2026-11-26T10:00:00Z\n> id: 3f9a0c1d2e4b\n> tags: [\"ops\",\"deploy\"]\n\nUses blue-green rollout.\n",
	}, {
		name: "untitled",
		e:    Entry{Meta: Meta{Created: t0, ID: "3f9a0c1d2e4b"}, Body: "x"},
		want: "## Entry 2026-11-26T10:00:00Z 3f9a0c1d2e4b\n\n> created: 2026-11-26T10:00:00Z\n> id: 3f9a0c1d2e4b\n\nx\n",
	}, {
		name: "created converted to UTC and truncated",
		e:    Entry{Title: "T", Meta: Meta{Created: time.Date(2026, 1, 2, 3, 4, 5, 999, time.FixedZone("x", 3600)), ID: "abc"}, Body: "b"},
		want: "## T\n\n> created: 2026-01-02T02:04:05Z\n> id: abc\n\nb\n",
	}, {
		name: "no metadata",
		e:    Entry{Title: "From another tool", Body: "\n\nline 1\n\nline 2\n\n\n"},
		want: "## From another tool\n\nline 1\n\nline 2\n",
	}, {
		name: "multi-line title and spaces",
		e:    Entry{Title: "  first\nsecond\r\nthird  ", Meta: Meta{ID: "i1"}, Body: "b"},
		want: "## first second third\n\n> id: i1\n\nb\n",
	}, {
		name: "tags normalized, html not escaped",
		e:    Entry{Title: "T", Meta: Meta{Tags: []string{" a ", "", "a", "x<y&z"}}, Body: "b"},
		want: "## T\n\n> tags: [\"a\",\"x<y&z\"]\n\nb\n",
	}, {
		name: "empty tags omitted",
		e:    Entry{Title: "T", Meta: Meta{Tags: []string{" "}}, Body: "b"},
		want: "## T\n\nb\n",
	}, {
		name: "CRLF body normalized",
		e:    Entry{Title: "T", Body: "a\r\nb\r\n\r\n"},
		want: "## T\n\na\nb\n",
	}, {
		name: "heading only",
		e:    Entry{Title: "T"},
		want: "## T\n",
	}, {
		name: "nothing at all",
		e:    Entry{},
		want: "## Entry\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.e.Render(); got != tc.want {
				t.Errorf("Render:\n%s", cmp.Diff(tc.want, got))
			}
		})
	}
}

func TestRenderParseRoundTrip(t *testing.T) {
	for _, e := range []Entry{
		{Title: "Deployment checklist", Meta: Meta{Created: t0, ID: "3f9a0c1d2e4b", Tags: []string{"ops", "deploy"}}, Body: "Uses blue-green rollout."},
		{Meta: Meta{Created: t0, ID: "3f9a0c1d2e4b"}, Body: "untitled"},
		{Meta: Meta{Created: t0}, Body: "untitled, no id"},
		{Meta: Meta{ID: "abc"}, Body: "untitled, no time"},
		{Title: "## hashes", Body: "b"},
		{Title: "C #", Body: "b"},
		{Title: "T", Body: "```\n## not a heading\n```\n\n### sub\n\n> quote: not meta\n> created: yesterday"},
		{Title: "T", Meta: Meta{Tags: []string{"ü", "\"q\"", "a\nb"}}, Body: "  indented first line\nnext"},
	} {
		got := Parse([]byte(e.Render()))
		if len(got) != 1 {
			t.Fatalf("%q parsed into %d entries", e.Render(), len(got))
		}
		if !sameContent(got[0], canonical(e)) {
			t.Errorf("round trip of %q:\n%s", e.Render(), cmp.Diff(canonical(e), got[0]))
		}
	}
}

func TestEscapeBody(t *testing.T) {
	for _, c := range []struct{ in, file string }{
		{"plain", "plain"},
		{"## Section\ntext\n  ## indented", "\\## Section\ntext\n  \\## indented"},
		{"### deeper stays", "### deeper stays"},
		{"```\n## in code\n```\n## out", "```\n## in code\n```\n\\## out"},
		{"```\n## Forged\n> id: victim\n```", "```\n\\## Forged\n> id: victim\n```"},
		{"```go\ncode", "\\```go\ncode"},
		{"~~~~\ncode\n~~~", "\\~~~~\ncode\n\\~~~"},
		{"~~~\ncode\n~~~~", "~~~\ncode\n~~~~"},
		{"```\n    ```\n## x", "\\```\n    ```\n\\## x"},
		{"> id: abc\ntext\n> id: abc", "\\> id: abc\ntext\n> id: abc"},
		{"> just a quote", "> just a quote"},
		{"Title\n---\n\n---", "Title\n\\---\n\n---"},
		{"Title\n===", "Title\n\\==="},
		{"<!-- note\n\n## x -->", "\\<!-- note\n\n\\## x -->"},
		{"<div>ok</div>", "<div>ok</div>"},
		{"\\## already escaped\n\\\\> twice", "\\\\## already escaped\n\\\\\\> twice"},
		{"\\not markup", "\\not markup"},
	} {
		got := escapeBody(c.in)
		if got != c.file {
			t.Errorf("escapeBody(%q) = %q, want %q", c.in, got, c.file)
		}
		back := Parse([]byte(Entry{Title: "T", Meta: Meta{ID: "x"}, Body: c.in}.Render()))
		if len(back) != 1 || back[0].Body != c.in {
			t.Errorf("%q did not read back: %+v", c.in, back)
		}
	}
}
