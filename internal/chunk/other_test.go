package chunk

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitText(t *testing.T) {
	ten := func(c string) string { return strings.Repeat(c, 10) }
	cases := []splitCase{
		{
			name: "paragraphs packed to target",
			path: "notes.txt",
			in:   lines(ten("a"), "", ten("b"), "", "", ten("c"), ten("d"), "", ten("e")),
			opt:  Options{TargetChars: 25, MinChars: 5, MaxChars: 50},
			want: []Chunk{
				{Content: ten("a") + "\n\n" + ten("b"), StartLine: 1, EndLine: 3},
				{Content: ten("c") + "\n" + ten("d"), StartLine: 6, EndLine: 7},
				{Content: ten("e"), StartLine: 9, EndLine: 9},
			},
		},
		{
			name: "runt tail joins previous",
			path: "README",
			in:   lines(ten("a"), "", ten("b"), "", "c"),
			opt:  Options{TargetChars: 12, MinChars: 5, MaxChars: 30},
			want: []Chunk{
				{Content: ten("a"), StartLine: 1, EndLine: 1},
				{Content: ten("b") + "\n\nc", StartLine: 3, EndLine: 5},
			},
		},
		{
			name: "long paragraph splits at lines",
			path: "x.log",
			in:   lines(ten("a"), ten("b"), ten("c"), ten("d")),
			opt:  Options{TargetChars: 21, MinChars: 1, MaxChars: 30},
			want: []Chunk{
				{Content: ten("a") + "\n" + ten("b"), StartLine: 1, EndLine: 2},
				{Content: ten("c") + "\n" + ten("d"), StartLine: 3, EndLine: 4},
			},
		},
		{
			name: "long line is hard split at spaces",
			path: "x.rst",
			in:   lines("short", strings.Repeat("word ", 10)+"tail", "after"),
			opt:  Options{TargetChars: 12, MinChars: 1, MaxChars: 20},
			want: []Chunk{
				{Content: "short", StartLine: 1, EndLine: 1},
				{Content: "word word", StartLine: 2, EndLine: 2},
				{Content: "word word", StartLine: 2, EndLine: 2},
				{Content: "word word", StartLine: 2, EndLine: 2},
				{Content: "word word", StartLine: 2, EndLine: 2},
				{Content: "word word", StartLine: 2, EndLine: 2},
				{Content: "tail", StartLine: 2, EndLine: 2},
				{Content: "after", StartLine: 3, EndLine: 3},
			},
		},
		{
			name: "unknown extension is text",
			path: "data.weird",
			in:   "one\n\ntwo\n",
			want: []Chunk{{Content: "one\n\ntwo", StartLine: 1, EndLine: 3}},
		},
	}
	runSplitCases(t, cases)
}

func TestHardSplitRuneBoundaries(t *testing.T) {
	line := strings.Repeat("日本語", 50) + "\xff" + strings.Repeat("é", 30)
	got := Split("a.txt", []byte(line), Options{TargetChars: 7, MinChars: 1, MaxChars: 10})
	checkInvariants(t, []byte(line), got, true)
	var joined strings.Builder
	for _, c := range got {
		if n := utf8.RuneCountInString(c.Content); n > 7 {
			t.Errorf("piece %q has %d runes, want <= 7", c.Content, n)
		}
		joined.WriteString(c.Content)
	}
	if want := strings.ToValidUTF8(line, "\uFFFD"); joined.String() != want {
		t.Errorf("pieces do not reassemble the line:\n got %q\nwant %q", joined.String(), want)
	}
}

func TestSplitStructured(t *testing.T) {
	cases := []splitCase{
		{
			name: "json object",
			path: "config.json",
			in: lines(
				"{",
				`  "name": "memtomem",`,
				`  "server": {`,
				`    "port": 8080,`,
				`    "tags": ["a", "}"]`,
				"  },",
				`  "empty": {}, "n": null`,
				"}"),
			want: []Chunk{
				{Hierarchy: h("name"), Content: `  "name": "memtomem"`, StartLine: 2, EndLine: 2},
				{Hierarchy: h("server"), Content: "  \"server\": {\n    \"port\": 8080,\n    \"tags\": [\"a\", \"}\"]\n  }", StartLine: 3, EndLine: 6},
				{Hierarchy: h("empty"), Content: `  "empty": {}`, StartLine: 7, EndLine: 7},
				{Hierarchy: h("n"), Content: `"n": null`, StartLine: 7, EndLine: 7},
			},
		},
		{
			name: "minified json",
			path: "m.json",
			in:   `{"a":1,"b\"q":{"x":[1,{"y":"]"}]}}`,
			want: []Chunk{
				{Hierarchy: h("a"), Content: `"a":1`, StartLine: 1, EndLine: 1},
				{Hierarchy: h(`b"q`), Content: `"b\"q":{"x":[1,{"y":"]"}]}`, StartLine: 1, EndLine: 1},
			},
		},
		{
			name: "json array is text",
			path: "a.json",
			in:   "[1,\n2]\n",
			want: []Chunk{{Content: "[1,\n2]", StartLine: 1, EndLine: 2}},
		},
		{
			name: "invalid json is text",
			path: "a.json",
			in:   "{\"a\": }\n",
			want: []Chunk{{Content: "{\"a\": }", StartLine: 1, EndLine: 1}},
		},
		{
			name: "oversized json value split by lines",
			path: "big.json",
			in:   lines("{", `  "list": [`, `    "aaaaaaaaaa",`, `    "bbbbbbbbbb",`, `    "cccccccccc"`, "  ]", "}"),
			opt:  Options{TargetChars: 40, MinChars: 1, MaxChars: 60},
			want: []Chunk{
				{Hierarchy: h("list"), Content: "  \"list\": [\n    \"aaaaaaaaaa\",", StartLine: 2, EndLine: 3},
				{Hierarchy: h("list"), Content: "    \"bbbbbbbbbb\",\n    \"cccccccccc\"\n  ]", StartLine: 4, EndLine: 6},
			},
		},
		{
			name: "yaml keys",
			path: "compose.yml",
			in: lines(
				"---",
				"# Services we run.",
				"services:",
				"  web:",
				"    image: nginx",
				"",
				"# Volumes.",
				`"quoted key": 1`,
				"list:",
				"- a",
				"- b",
				"url: http://example.com:8080",
				"not a key http://x"),
			want: []Chunk{
				{Content: "---", StartLine: 1, EndLine: 1},
				{Hierarchy: h("services"), Content: "# Services we run.\nservices:\n  web:\n    image: nginx", StartLine: 2, EndLine: 5},
				{Hierarchy: h("quoted key"), Content: "# Volumes.\n\"quoted key\": 1", StartLine: 7, EndLine: 8},
				{Hierarchy: h("list"), Content: "list:\n- a\n- b", StartLine: 9, EndLine: 11},
				{Hierarchy: h("url"), Content: "url: http://example.com:8080\nnot a key http://x", StartLine: 12, EndLine: 13},
			},
		},
		{
			name: "yaml list is text",
			path: "l.yaml",
			in:   "- a\n- b\n",
			want: []Chunk{{Content: "- a\n- b", StartLine: 1, EndLine: 2}},
		},
		{
			name: "toml tables",
			path: "Cargo.toml",
			in: lines(
				`title = "x"`,
				"",
				"# The database.",
				"[database]",
				"ports = [",
				"  [8000],",
				"]",
				`motd = """`,
				"[not.a.table]",
				`"""`,
				"",
				"[[servers]] # comment",
				`name = "a"`),
			want: []Chunk{
				{Content: `title = "x"`, StartLine: 1, EndLine: 1},
				{Hierarchy: h("database"), Content: "# The database.\n[database]\nports = [\n  [8000],\n]\nmotd = \"\"\"\n[not.a.table]\n\"\"\"", StartLine: 3, EndLine: 10},
				{Hierarchy: h("servers"), Content: "[[servers]] # comment\nname = \"a\"", StartLine: 12, EndLine: 13},
			},
		},
		{
			name: "go declarations",
			path: "server.go",
			in: lines(
				"// Package srv serves.", // 1
				"package srv",
				"",
				"import (",
				`	"fmt"`,
				")",
				"",
				"// Config configures.", // 8
				"type Config struct{ Port int }",
				"",
				"// helpers --------", // 11
				"",
				"// Run runs.",
				"func (s *Server) Run() { fmt.Println(s) }", // 14
				"",
				"const (", // 16
				"	A = iota",
				"	B",
				")",
				"",
				"func F[T any](t T) {}", // 21
				"",
				"// trailing comment"), // 23
			want: []Chunk{
				{Hierarchy: h("srv"), Content: "// Package srv serves.\npackage srv\n\nimport (\n\t\"fmt\"\n)", StartLine: 1, EndLine: 6},
				{Hierarchy: h("srv", "type Config"), Content: "// Config configures.\ntype Config struct{ Port int }", StartLine: 8, EndLine: 9},
				{Hierarchy: h("srv", "func (*Server) Run"), Content: "// helpers --------\n\n// Run runs.\nfunc (s *Server) Run() { fmt.Println(s) }", StartLine: 11, EndLine: 14},
				{Hierarchy: h("srv", "const (A, B)"), Content: "const (\n\tA = iota\n\tB\n)", StartLine: 16, EndLine: 19},
				{Hierarchy: h("srv", "func F"), Content: "func F[T any](t T) {}\n\n// trailing comment", StartLine: 21, EndLine: 23},
			},
		},
		{
			name: "go without declarations",
			path: "doc.go",
			in:   "// Package x.\npackage x\n",
			want: []Chunk{{Hierarchy: h("x"), Content: "// Package x.\npackage x", StartLine: 1, EndLine: 2}},
		},
		{
			name: "go parse error falls back to blocks",
			path: "broken.go",
			in:   "package x\n\nfunc {\n",
			want: []Chunk{{Hierarchy: h("broken.go"), Content: "package x\n\nfunc {", StartLine: 1, EndLine: 3}},
		},
		{
			name: "python blocks",
			path: "tools/x.py",
			in:   lines("import os", "", "", "def a():", "    return 1", "", "", "def b():", "    return 2"),
			opt:  Options{TargetChars: 30, MinChars: 5, MaxChars: 60},
			want: []Chunk{
				{Hierarchy: h("x.py"), Content: "import os", StartLine: 1, EndLine: 1},
				{Hierarchy: h("x.py"), Content: "def a():\n    return 1", StartLine: 4, EndLine: 5},
				{Hierarchy: h("x.py"), Content: "def b():\n    return 2", StartLine: 8, EndLine: 9},
			},
		},
		{
			name: "python packed with defaults",
			path: "x.py",
			in:   lines("import os", "", "def a():", "    return 1"),
			want: []Chunk{{Hierarchy: h("x.py"), Content: "import os\n\ndef a():\n    return 1", StartLine: 1, EndLine: 4}},
		},
	}
	runSplitCases(t, cases)
}
