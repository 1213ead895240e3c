package memfile

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	t1 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name string
		in   string
		want []Entry
	}{{
		name: "empty",
		in:   "",
		want: []Entry{},
	}, {
		name: "preamble only",
		in:   "# Memories\n\nsome text\n",
		want: []Entry{},
	}, {
		name: "titled and untitled with preamble",
		in: "# Memories\n\n" +
			"## Deployment checklist\n\n> created: 2026-11-26T10:00:00Z\n> id: 3f9a0c1d2e4b\n> tags: [\"ops\",\"deploy\"]\n\nUses blue-green rollout.\n\n" +
			"## Entry 2026-11-26T10:00:00Z a1b2c3d4e5f6\n\n> created: 2026-11-26T10:00:00Z\n> id: a1b2c3d4e5f6\n\nsecond\nbody\n\n\n",
		want: []Entry{
			{Title: "Deployment checklist", Meta: Meta{Created: t0, ID: "3f9a0c1d2e4b", Tags: []string{"ops", "deploy"}}, Body: "Uses blue-green rollout.", StartLine: 3, EndLine: 9},
			{Meta: Meta{Created: t0, ID: "a1b2c3d4e5f6"}, Body: "second\nbody", StartLine: 11, EndLine: 17},
		},
	}, {
		name: "no metadata",
		in:   "## Plain\nline one\n\nline two\n",
		want: []Entry{{Title: "Plain", Body: "line one\n\nline two", StartLine: 1, EndLine: 4}},
	}, {
		name: "blank lines around and between metadata",
		in:   "## T\n\n\n> id: x1\n\n> tags: [\"a\"]\n\n\nbody\n",
		want: []Entry{{Title: "T", Meta: Meta{ID: "x1", Tags: []string{"a"}}, Body: "body", StartLine: 1, EndLine: 9}},
	}, {
		name: "metadata ends at first other line",
		in:   "## T\n> id: x1\n> note: hi\n> tags: [\"a\"]\n",
		want: []Entry{{Title: "T", Meta: Meta{ID: "x1"}, Body: "> note: hi\n> tags: [\"a\"]", StartLine: 1, EndLine: 4}},
	}, {
		name: "code fence hides heading",
		in:   "## A\n\n```md\n## not a heading\n```\n\n## B\n\n~~~\n## also not\n~~~~\ntext\n",
		want: []Entry{
			{Title: "A", Body: "```md\n## not a heading\n```", StartLine: 1, EndLine: 5},
			{Title: "B", Body: "~~~\n## also not\n~~~~\ntext", StartLine: 7, EndLine: 12},
		},
	}, {
		name: "fence closes only with same char and enough length",
		in:   "## A\n````\n```\n~~~~\n## hidden\n````\n## B\nb\n",
		want: []Entry{
			{Title: "A", Body: "````\n```\n~~~~\n## hidden\n````", StartLine: 1, EndLine: 6},
			{Title: "B", Body: "b", StartLine: 7, EndLine: 8},
		},
	}, {
		name: "backtick info string with backtick is no fence",
		in:   "## A\n``` a`b\n## B\n```\n",
		want: []Entry{
			{Title: "A", Body: "``` a`b", StartLine: 1, EndLine: 2},
			{Title: "B", Body: "```", StartLine: 3, EndLine: 4},
		},
	}, {
		name: "unclosed fence does not swallow later entries",
		in:   "## A\n```python\ncode\n\n## B\nb\n",
		want: []Entry{
			{Title: "A", Body: "```python\ncode", StartLine: 1, EndLine: 3},
			{Title: "B", Body: "b", StartLine: 5, EndLine: 6},
		},
	}, {
		name: "CRLF",
		in:   "pre\r\n\r\n## T\r\n\r\n> created: 2026-11-26T10:00:00Z\r\n> id: abc\r\n\r\nl1\r\nl2\r\n\r\n## U\r\nu\r\n",
		want: []Entry{
			{Title: "T", Meta: Meta{Created: t0, ID: "abc"}, Body: "l1\nl2", StartLine: 3, EndLine: 9},
			{Title: "U", Body: "u", StartLine: 11, EndLine: 12},
		},
	}, {
		name: "bare ## heading",
		in:   "##\nbody\n##\n",
		want: []Entry{
			{Body: "body", StartLine: 1, EndLine: 2},
			{StartLine: 3, EndLine: 3},
		},
	}, {
		name: "sub headings stay in body",
		in:   "## T\n### sub\ntext\n#### deeper\n# top\n##no-space\n    ## indented code\n",
		want: []Entry{{Title: "T", Body: "### sub\ntext\n#### deeper\n# top\n##no-space\n    ## indented code", StartLine: 1, EndLine: 7}},
	}, {
		name: "indented and tab headings",
		in:   "   ## Three\n##\tTab\n",
		want: []Entry{
			{Title: "Three", StartLine: 1, EndLine: 1},
			{Title: "Tab", StartLine: 2, EndLine: 2},
		},
	}, {
		name: "untitled heading carries time and id",
		in:   "## Entry 2026-01-02T03:04:05Z abc123\nbody\n\n## Entry 2026-01-02 03:04:05\nb2\n\n## Entry 2026-01-02 retro\nb3\n",
		want: []Entry{
			{Meta: Meta{Created: t1, ID: "abc123"}, Body: "body", StartLine: 1, EndLine: 2},
			{Title: "Entry 2026-01-02 03:04:05", Meta: Meta{Created: t1}, Body: "b2", StartLine: 4, EndLine: 5},
			{Title: "Entry 2026-01-02 retro", Body: "b3", StartLine: 7, EndLine: 8},
		},
	}, {
		name: "metadata wins over heading",
		in:   "## Entry 2026-01-02T03:04:05Z abc123\n> id: other\nbody\n",
		want: []Entry{{Title: "Entry 2026-01-02T03:04:05Z abc123", Meta: Meta{Created: t1, ID: "other"}, Body: "body", StartLine: 1, EndLine: 3}},
	}, {
		name: "no trailing newline",
		in:   "## T\nbody",
		want: []Entry{{Title: "T", Body: "body", StartLine: 1, EndLine: 2}},
	}, {
		name: "heading text trimmed, closing hashes kept",
		in:   "##   Spaced out   \n## Title ##\n",
		want: []Entry{
			{Title: "Spaced out", StartLine: 1, EndLine: 1},
			{Title: "Title ##", StartLine: 2, EndLine: 2},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := Parse([]byte(tc.in))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestParseBinaryGarbage(t *testing.T) {
	in := []byte("\x00\xff## \xfe\n\r\r\n## ok\n\x00")
	got := Parse(in)
	if len(got) != 1 || got[0].Title != "ok" || got[0].Body != "\x00" {
		t.Fatalf("got %+v", got)
	}
}

func TestParseLargeFileLinear(t *testing.T) {
	// Many unclosed fence openers must not make Parse quadratic.
	var b strings.Builder
	for range 200000 {
		b.WriteString("```` info\n")
	}
	b.WriteString("## end\n")
	start := time.Now()
	got := Parse([]byte(b.String()))
	if len(got) != 1 {
		t.Fatalf("got %d entries", len(got))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Parse took %v", d)
	}
}

func TestRenderManyUnclosedFencesLinear(t *testing.T) {
	// A body of unclosed fence openers (each one escaped) must not make
	// Render quadratic: 200,000 lines take a fraction of a second when
	// linear and would run into the test timeout if not (no timed check).
	body := strings.Repeat("```` info\n", 200000)
	got := Parse([]byte(Entry{Title: "T", Body: body}.Render()))
	if len(got) != 1 || got[0].Body != strings.TrimSuffix(body, "\n") {
		t.Fatalf("got %d entries", len(got))
	}
}
