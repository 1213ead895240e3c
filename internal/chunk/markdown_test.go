package chunk

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func h(s ...string) []string { return s }

// noMerge keeps every section separate, to test hierarchy alone.
var noMerge = Options{MinChars: 1}

type splitCase struct {
	name string
	path string
	in   string
	opt  Options
	want []Chunk
}

func runSplitCases(t *testing.T, cases []splitCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = "notes.md"
			}
			got := Split(path, []byte(tc.in), tc.opt)
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Split(%q) mismatch (-want +got):\n%s", path, diff)
			}
			strict := kindOf(path) != kindJSON
			checkInvariants(t, []byte(tc.in), got, strict)
		})
	}
}

func TestSplitMarkdown(t *testing.T) {
	runbook := lines(
		"Intro text.", // 1
		"",
		"# Runbook", // 3
		"",
		"Overview.", // 5
		"",
		"## Deploy", // 7
		"",
		"Run deploy.", // 9
		"",
		"### Rollback", // 11
		"",
		"Revert it.", // 13
		"",
		"## Monitor ##", // 15
		"",
		"Watch graphs.", // 17
	)
	tableRows := []string{"# T", "", "| name | value |", "|------|-------|"}
	for i := 0; i < 12; i++ {
		tableRows = append(tableRows, "| row  | some value here |")
	}
	table := lines(tableRows...)
	fenceRows := []string{"## Code", "", "```go"}
	for i := 0; i < 12; i++ {
		fenceRows = append(fenceRows, "fmt.Println(\"a line of code\")", "")
	}
	fenceRows = append(fenceRows, "```")
	fence := lines(fenceRows...)

	cases := []splitCase{
		{
			name: "hierarchy",
			in:   runbook,
			opt:  noMerge,
			want: []Chunk{
				{Content: "Intro text.", StartLine: 1, EndLine: 1},
				{Hierarchy: h("Runbook"), Content: "# Runbook\n\nOverview.", StartLine: 3, EndLine: 5},
				{Hierarchy: h("Runbook", "Deploy"), Content: "## Deploy\n\nRun deploy.", StartLine: 7, EndLine: 9},
				{Hierarchy: h("Runbook", "Deploy", "Rollback"), Content: "### Rollback\n\nRevert it.", StartLine: 11, EndLine: 13},
				{Hierarchy: h("Runbook", "Monitor ##"), Content: "## Monitor ##\n\nWatch graphs.", StartLine: 15, EndLine: 17},
			},
		},
		{
			// Within one entry (a "## " section, as memfile reads the file);
			// never across two.
			name: "small subsections join their parent",
			in:   runbook,
			want: []Chunk{
				{Content: "Intro text.", StartLine: 1, EndLine: 1},
				{Hierarchy: h("Runbook"), Content: "# Runbook\n\nOverview.", StartLine: 3, EndLine: 5},
				{Hierarchy: h("Runbook", "Deploy"), Content: "## Deploy\n\nRun deploy.\n\n### Rollback\n\nRevert it.", StartLine: 7, EndLine: 13},
				{Hierarchy: h("Runbook", "Monitor ##"), Content: "## Monitor ##\n\nWatch graphs.", StartLine: 15, EndLine: 17},
			},
		},
		{
			name: "siblings are not merged",
			in:   lines("## A", "", "small", "", "## B", "", "small too", "", "### B.1", "", "tiny"),
			want: []Chunk{
				{Hierarchy: h("A"), Content: "## A\n\nsmall", StartLine: 1, EndLine: 3},
				{Hierarchy: h("B"), Content: "## B\n\nsmall too\n\n### B.1\n\ntiny", StartLine: 5, EndLine: 11},
			},
		},
		{
			name: "subsection does not merge past MaxChars",
			in:   lines("# A", "", strings.Repeat("x", 95), "", "## B", "", "tiny"),
			opt:  Options{TargetChars: 50, MinChars: 20, MaxChars: 100},
			want: []Chunk{
				{Hierarchy: h("A"), Content: "# A\n\n" + strings.Repeat("x", 95), StartLine: 1, EndLine: 3},
				{Hierarchy: h("A", "B"), Content: "## B\n\ntiny", StartLine: 5, EndLine: 7},
			},
		},
		{
			name: "subsection does not merge into a piece of a divided line",
			in:   lines("# A", "", strings.Repeat("word ", 12), "## B", "tiny"),
			opt:  Options{TargetChars: 25, MinChars: 20, MaxChars: 50},
			want: []Chunk{
				{Hierarchy: h("A"), Content: "# A", StartLine: 1, EndLine: 1},
				{Hierarchy: h("A"), Content: "word word word word word", StartLine: 3, EndLine: 3},
				{Hierarchy: h("A"), Content: "word word word word word", StartLine: 3, EndLine: 3},
				{Hierarchy: h("A"), Content: "word word", StartLine: 3, EndLine: 3},
				{Hierarchy: h("A", "B"), Content: "## B\ntiny", StartLine: 4, EndLine: 5},
			},
		},
		{
			name: "code fence hides headings",
			in:   lines("# A", "", "```sh", "# not heading", "", "~~~", "## nor this", "```", "", "## B", "", "text"),
			opt:  noMerge,
			want: []Chunk{
				{Hierarchy: h("A"), Content: "# A\n\n```sh\n# not heading\n\n~~~\n## nor this\n```", StartLine: 1, EndLine: 8},
				{Hierarchy: h("A", "B"), Content: "## B\n\ntext", StartLine: 10, EndLine: 12},
			},
		},
		{
			name: "unclosed fence is plain text",
			in:   lines("# A", "", "```", "code", "", "# B", "", "text"),
			opt:  noMerge,
			want: []Chunk{
				{Hierarchy: h("A"), Content: "# A\n\n```\ncode", StartLine: 1, EndLine: 4},
				{Hierarchy: h("B"), Content: "# B\n\ntext", StartLine: 6, EndLine: 8},
			},
		},
		{
			name: "table longer than MaxChars stays whole",
			in:   table,
			opt:  Options{TargetChars: 40, MinChars: 10, MaxChars: 80},
			want: []Chunk{
				{Hierarchy: h("T"), Content: strings.TrimSpace(table), StartLine: 1, EndLine: 16},
			},
		},
		{
			name: "fence longer than MaxChars stays whole",
			in:   fence,
			opt:  Options{TargetChars: 40, MinChars: 10, MaxChars: 80},
			want: []Chunk{
				{Hierarchy: h("Code"), Content: strings.TrimSpace(fence), StartLine: 1, EndLine: 28},
			},
		},
		{
			name: "long section splits at paragraphs",
			in: lines(
				"# Top", "", "intro", "",
				"## Long", "",
				"Paragraph one is here and it is fine.", "",
				"Paragraph two is here and it is fine.", "",
				"Paragraph three is here, also fine."),
			opt: Options{TargetChars: 60, MinChars: 1, MaxChars: 100},
			want: []Chunk{
				{Hierarchy: h("Top"), Content: "# Top\n\nintro", StartLine: 1, EndLine: 3},
				{Hierarchy: h("Top", "Long"), Content: "## Long\n\nParagraph one is here and it is fine.", StartLine: 5, EndLine: 7},
				{Hierarchy: h("Top", "Long"), Content: "Paragraph two is here and it is fine.", StartLine: 9, EndLine: 9},
				{Hierarchy: h("Top", "Long"), Content: "Paragraph three is here, also fine.", StartLine: 11, EndLine: 11},
			},
		},
		{
			name: "frontmatter tags and title",
			in: lines(
				"---", "title: Notes", "tags: ops, deploy", "---", "",
				"Intro.", "",
				"## Entry", `> tags: ["x", "ops"]`, "",
				"Body."),
			want: []Chunk{
				{Hierarchy: h("Notes"), Content: "Intro.", StartLine: 6, EndLine: 6, Tags: h("ops", "deploy")},
				{Hierarchy: h("Entry"), Content: "## Entry\n\nBody.", StartLine: 8, EndLine: 11, Tags: h("ops", "deploy", "x")},
			},
		},
		{
			name: "frontmatter list tags, no preamble",
			in:   lines("---", "tags:", "  - a", "  - b", "...", "# H", "", "text"),
			want: []Chunk{
				{Hierarchy: h("H"), Content: "# H\n\ntext", StartLine: 6, EndLine: 8, Tags: h("a", "b")},
			},
		},
		{
			name: "malformed frontmatter is text",
			in:   lines("---", "tags: [unclosed", "---", "# A", "", "body"),
			want: []Chunk{
				{Content: "---\ntags: [unclosed\n---", StartLine: 1, EndLine: 3},
				{Hierarchy: h("A"), Content: "# A\n\nbody", StartLine: 4, EndLine: 6},
			},
		},
		{
			name: "subsection inherits entry metadata",
			in: lines(
				"## Entry", "", "> id: e1", "> tags: [\"t\"]", "", strings.Repeat("body ", 50), "",
				"### Details", "", strings.Repeat("more ", 50)),
			opt: Options{MinChars: 100, MaxChars: 300, TargetChars: 200},
			want: []Chunk{
				{Hierarchy: h("Entry"), Content: "## Entry\n\n" + strings.TrimSpace(strings.Repeat("body ", 50)), StartLine: 1, EndLine: 6, EntryID: "e1", Tags: h("t")},
				{Hierarchy: h("Entry", "Details"), Content: "### Details\n\n" + strings.TrimSpace(strings.Repeat("more ", 50)), StartLine: 8, EndLine: 10, EntryID: "e1", Tags: h("t")},
			},
		},
		{
			// Only the lines right below an entry's "## " heading are
			// metadata (memfile's grammar); below a subheading they are text.
			name: "metadata lines below a subheading are body text",
			in:   lines("# Day", "", "## E1", "> id: e1", "", "one", "", "### E1.1", "> id: e2", "", "two"),
			want: []Chunk{
				{Hierarchy: h("Day"), Content: "# Day", StartLine: 1, EndLine: 1},
				{Hierarchy: h("Day", "E1"), Content: "## E1\n\none\n\n### E1.1\n> id: e2\n\ntwo", StartLine: 3, EndLine: 11, EntryID: "e1"},
			},
		},
		{
			name: "CRLF",
			in:   "# A\r\n\r\nbody\r\n\r\n## B\r\n> id: x\r\n\r\nmore\r\n",
			opt:  noMerge,
			want: []Chunk{
				{Hierarchy: h("A"), Content: "# A\n\nbody", StartLine: 1, EndLine: 3},
				{Hierarchy: h("A", "B"), Content: "## B\n\nmore", StartLine: 5, EndLine: 8, EntryID: "x"},
			},
		},
		{
			name: "invalid UTF-8 and BOM",
			in:   "\uFEFF# A\n\nbad \xff byte\n",
			want: []Chunk{{Hierarchy: h("A"), Content: "# A\n\nbad \uFFFD byte", StartLine: 1, EndLine: 3}},
		},
		{
			name: "frontmatter only", // found by fuzzing: nothing is left to index
			in:   "---  \n0: 0\n---",
		},
		{
			name: "whitespace only",
			in:   " \n\t\r\n\n",
		},
		{
			name: "heading variants",
			in:   lines("#NotHeading", "    # indented code", "###### Six #", "text", "####### seven"),
			want: []Chunk{
				{Content: "#NotHeading\n    # indented code", StartLine: 1, EndLine: 2},
				{Hierarchy: h("Six"), Content: "###### Six #\ntext\n####### seven", StartLine: 3, EndLine: 5},
			},
		},
	}
	runSplitCases(t, cases)
}

func TestSplitMarkdownDayFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("# 2026-11-26\n\n")
	ids := []string{"a1", "b2", "c3", "d4", "e5"}
	for i, id := range ids {
		b.WriteString("## Entry " + id + "\n\n")
		b.WriteString("> created: 2026-11-26T1" + string(rune('0'+i)) + ":00:00Z\n")
		b.WriteString("> id: " + id + "\n")
		b.WriteString(`> tags: ["day", "` + id + `"]` + "\n\n")
		b.WriteString("Short note " + id + ".\n\n")
	}
	in := b.String()
	got := Split("2026-11-26.md", []byte(in), Options{})
	checkInvariants(t, []byte(in), got, true)

	want := []Chunk{{Hierarchy: h("2026-11-26"), Content: "# 2026-11-26", StartLine: 1, EndLine: 1}}
	for i, id := range ids {
		start := 3 + i*8
		want = append(want, Chunk{
			Hierarchy: h("2026-11-26", "Entry "+id),
			Content:   "## Entry " + id + "\n\nShort note " + id + ".",
			StartLine: start,
			EndLine:   start + 6,
			Tags:      h("day", id),
			Created:   time.Date(2026, 11, 26, 10+i, 0, 0, 0, time.UTC),
			EntryID:   id,
		})
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("day file mismatch (-want +got):\n%s", diff)
	}
}

func TestParseFrontmatter(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		want    Frontmatter
		body    int
		wantErr bool
	}{
		{name: "none", in: "# Title\n", body: 1},
		{name: "empty input", in: "", body: 1},
		{name: "thematic break without close", in: "---\ntext\n", body: 1},
		{name: "empty block", in: "---\n---\nbody\n", body: 3},
		{
			name: "list tags",
			in:   "---\ntitle: T\ntags: [b, a, b, 3]\n---\n",
			want: Frontmatter{Title: "T", Tags: []string{"b", "a", "3"}, Raw: map[string]any{"title": "T", "tags": []any{"b", "a", "b", 3}}},
			body: 5,
		},
		{
			name: "string tags with dots close and CRLF",
			in:   "\uFEFF---\r\ntags: \"x, y  z\"\r\n...\r\nbody",
			want: Frontmatter{Tags: []string{"x", "y", "z"}, Raw: map[string]any{"tags": "x, y  z"}},
			body: 4,
		},
		{name: "malformed", in: "---\ntags: [a\n---\n", body: 1, wantErr: true},
		{name: "not a mapping", in: "---\n- a\n- b\n---\n", body: 1, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fm, body, err := ParseFrontmatter([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if body != tc.body {
				t.Errorf("bodyStartLine = %d, want %d", body, tc.body)
			}
			if diff := cmp.Diff(tc.want, fm, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("frontmatter mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOptionsNormalized(t *testing.T) {
	cases := []struct{ in, want Options }{
		{Options{}, DefaultOptions()},
		{Options{TargetChars: 5000}, Options{TargetChars: 5000, MinChars: 200, MaxChars: 5000}},
		{Options{TargetChars: 100, MinChars: 500, MaxChars: -1}, Options{TargetChars: 100, MinChars: 100, MaxChars: 2400}},
	}
	for _, tc := range cases {
		if got := tc.in.normalized(); got != tc.want {
			t.Errorf("%+v.normalized() = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}
