package chunk

import (
	"bytes"
	"strings"
	"testing"
)

// fuzzOptions turns a fuzzer byte into options: the defaults half the time,
// otherwise small sizes, so that short inputs exercise splitting too.
func fuzzOptions(n uint16) Options {
	if n%2 == 0 {
		return Options{}
	}
	target := 5 + int(n>>2)%300
	minChars := target / 3
	if n&2 != 0 {
		minChars = target // merge eagerly
	}
	return Options{TargetChars: target, MinChars: minChars, MaxChars: target * 2}
}

var markdownSeeds = []string{
	"# A\n\nbody\n\n## B\n\n> id: x\n> tags: [\"a\"]\n\ntext\n",
	"---\ntitle: T\ntags: a, b\n---\nintro\n# H\n",
	"---\ntags: [\n---\n# H\n",
	"```\n# not heading\n```\n# H\n~~~~\n~~~\n",
	"| a | b |\n|---|---|\n| 1 | 2 |\n",
	"# A\r\n\r\n\xff\xfe text\r\n",
	"\uFEFF## E\n\n> created: 2026-11-26T10:00:00Z\n\nx\n### s\ny\n",
	"#\n##\n###### ###\n    # code\n",
	"text with a very long line " + string(bytes.Repeat([]byte("word "), 200)) + "\n",
	"```\nunclosed\n# H\n````\n```\n",
	"# A\n\n" + strings.Repeat("word ", 12) + "\n## B\ntiny\n",
}

func FuzzSplitMarkdown(f *testing.F) {
	for _, s := range markdownSeeds {
		f.Add([]byte(s), uint16(0))       // default options
		f.Add([]byte(s), uint16(25<<2|3)) // target 30, eager merging
	}
	f.Fuzz(func(t *testing.T, data []byte, n uint16) {
		got := Split("fuzz.md", data, fuzzOptions(n))
		checkInvariants(t, data, got, true)
	})
}

func FuzzFrontmatter(f *testing.F) {
	for _, s := range []string{
		"---\ntitle: T\ntags: [a, b, a]\n---\nbody\n",
		"---\ntags: \"x y,z\"\n...\n",
		"---\n- list\n---\n",
		"---\n: :\n---\n",
		"---\r\na: &x [*x]\r\n---\r\n",
		"---\n1: 2\ntags: {a: b}\ntitle: [x]\n---\n",
		"no frontmatter\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fm, body, err := ParseFrontmatter(data)
		if err != nil {
			if body != 1 {
				t.Fatalf("error %v with bodyStartLine %d, want 1", err, body)
			}
			return
		}
		if body < 1 || body > bytes.Count(data, []byte("\n"))+2 {
			t.Fatalf("bodyStartLine %d out of range", body)
		}
		seen := map[string]bool{}
		for _, tag := range fm.Tags {
			if tag == "" || seen[tag] || strings.TrimSpace(tag) != tag {
				t.Fatalf("tags not normalized: %q", fm.Tags)
			}
			seen[tag] = true
		}
		// Frontmatter lines never appear in chunks.
		for _, c := range Split("fm.md", data, Options{}) {
			if c.StartLine < body {
				t.Fatalf("chunk at line %d starts inside frontmatter ending before line %d", c.StartLine, body)
			}
		}
	})
}

var otherExts = []string{".txt", ".json", ".yaml", ".toml", ".go", ".py", ""}

func FuzzSplitOther(f *testing.F) {
	seeds := []string{
		"{\n  \"a\": 1,\n  \"b\": {\"c\": [1, 2]}, \"d\": \"x\"\n}\n",
		`{"a":"\"}","b":[{}]}`,
		"[1, 2]",
		"# c\nkey: v\n\"q\": 1\n- x\nother:\n  n: 1\n",
		"root = 1\n[t]\na = [\n [1],\n]\ns = \"\"\"\n[x]\n\"\"\"\n[[arr]]\n",
		"package p\n\nimport \"fmt\"\n\n// F does.\nfunc (r *R[T]) F() { fmt.Println() }\nvar a, b = 1, 2; var c = 3\n",
		"package p\nfunc {\n",
		"def f():\n    pass\n\n\nclass C:\n    x = 1\n",
		"plain\n\ntext\r\n\xff\n",
	}
	for i, s := range seeds {
		for j := range otherExts {
			f.Add([]byte(s), uint8(j), uint16(i))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, ext uint8, n uint16) {
		e := otherExts[int(ext)%len(otherExts)]
		got := Split("fuzz"+e, data, fuzzOptions(n))
		checkInvariants(t, data, got, e != ".json")
		if len(got) == 0 && strings.TrimSpace(string(data)) != "" {
			t.Fatalf("non-blank input gave no chunks") // only markdown frontmatter may vanish
		}
	})
}
