package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// exportLines runs mm export in home and returns its JSONL lines without
// the source field (which names the home).
func exportLines(t *testing.T, home string) []string {
	t.Helper()
	t.Setenv("MEMTOMEM_HOME", home)
	code, stdout, stderr := runMM(t, "export")
	if code != ExitOK {
		t.Fatalf("mm export: exit %d: %s", code, stderr)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		delete(m, "source")
		b, _ := json.Marshal(m)
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}

// importOnce imports args and checks that n memories were added, then
// that a second import of the same adds none.
func importOnce(t *testing.T, n int, args ...string) {
	t.Helper()
	args = append([]string{"import"}, args...)
	if got := mustMM(t, args...); !strings.Contains(got, fmt.Sprintf("added %d of %d", n, n)) {
		t.Fatalf("mm %s: %s; want %d added", strings.Join(args, " "), got, n)
	}
	if got := mustMM(t, args...); !strings.Contains(got, fmt.Sprintf("added 0 of %d", n)) {
		t.Fatalf("second mm %s: %s; want nothing added", strings.Join(args, " "), got)
	}
}

// exportHas checks that the export of home holds each of wants.
func exportHas(t *testing.T, home string, wants ...string) {
	t.Helper()
	lines := strings.Join(exportLines(t, home), "\n")
	for _, want := range wants {
		if !strings.Contains(lines, want) {
			t.Errorf("export lacks %s:\n%s", want, lines)
		}
	}
}

func mustMM(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := runMM(t, args...)
	if code != ExitOK {
		t.Fatalf("mm %s: exit %d: %s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

// Memories exported as JSONL, a markdown zip and a markdown folder come
// back the same (ids, titles, tags, namespaces, times) in another store,
// and importing again adds nothing.
func TestExportImportRoundTripEveryFormat(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	t.Setenv("MEMTOMEM_HOME", src)
	mustMM(t, "add", "blue-green rollout needs a warm cache", "--title", "Deploy", "--tags", "ops,deploy", "--namespace", "team:infra")
	mustMM(t, "add", "会議は月曜の朝\n\n## not a heading of mine", "--namespace", "team:infra")
	mustMM(t, "add", "plain note")
	want := exportLines(t, src)
	if len(want) != 3 {
		t.Fatalf("source export: %q", want)
	}
	t.Setenv("MEMTOMEM_HOME", src)
	jsonl := filepath.Join(out, "all.jsonl")
	os.WriteFile(jsonl, []byte(mustMM(t, "export")), 0o600)
	mustMM(t, "export", "-o", filepath.Join(out, "all.zip"))
	mustMM(t, "export", "-o", filepath.Join(out, "dir"))

	for _, from := range []string{jsonl, filepath.Join(out, "all.zip"), filepath.Join(out, "dir")} {
		dst := t.TempDir()
		t.Setenv("MEMTOMEM_HOME", dst)
		if got := mustMM(t, "import", from); !strings.Contains(got, "added 3 of 3") {
			t.Fatalf("import %s: %s", from, got)
		}
		if got := exportLines(t, dst); !slices.Equal(got, want) {
			t.Fatalf("after importing %s:\n got %q\nwant %q", from, got, want)
		}
		t.Setenv("MEMTOMEM_HOME", dst)
		if got := mustMM(t, "import", from); !strings.Contains(got, "added 0 of 3") || !strings.Contains(got, "3 already present") {
			t.Fatalf("second import of %s: %s", from, got)
		}
	}

	// A dry run counts and writes nothing.
	dst := t.TempDir()
	t.Setenv("MEMTOMEM_HOME", dst)
	if got := mustMM(t, "import", "--dry-run", jsonl); !strings.Contains(got, "would add 3 of 3") {
		t.Fatalf("dry run: %s", got)
	}
	if files, _ := filepath.Glob(filepath.Join(dst, "memories", "*.md")); len(files) != 0 {
		t.Fatalf("a dry run wrote %v", files)
	}

	// An export never overwrites.
	t.Setenv("MEMTOMEM_HOME", src)
	before, _ := os.ReadFile(jsonl)
	for _, target := range []string{jsonl, filepath.Join(out, "dir")} {
		code, _, stderr := runMM(t, "export", "-o", target, "--format", "jsonl")
		if code != ExitUsage || !strings.Contains(stderr, "exists") && !strings.Contains(stderr, "not empty") {
			t.Errorf("export onto %s: exit %d, %s; want a refusal", target, code, stderr)
		}
	}
	if after, _ := os.ReadFile(jsonl); string(after) != string(before) {
		t.Error("the refused export changed the file")
	}
}

// Hand-written markdown imports as memories of the namespace given, and a
// second import of the same files skips them; a file that is not an export
// is refused, naming the line, and nothing is imported.
func TestImportHandWrittenMarkdownAndBadInput(t *testing.T) {
	notes := t.TempDir()
	os.MkdirAll(filepath.Join(notes, "sub"), 0o755)
	os.WriteFile(filepath.Join(notes, "build.md"), []byte("# Build\n\n## Make\n\nmake all then make test\n\n## Release\n\ntag and push\n"), 0o644)
	os.WriteFile(filepath.Join(notes, "sub", "team.md"), []byte("---\nnamespace: team\n---\n\n## Oncall\n\npager rotates on monday\n"), 0o644)
	os.WriteFile(filepath.Join(notes, "ignored.txt"), []byte("not markdown"), 0o644)
	home := t.TempDir()
	t.Setenv("MEMTOMEM_HOME", home)
	importOnce(t, 3, notes, "--namespace", "notes")
	exportHas(t, home, `"namespace":"notes","title":"Make"`, `"namespace":"team","title":"Oncall"`)

	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte(`{"content":"fine","namespace":"default"}`+"\nthis is not json\n"), 0o644)
	fresh := t.TempDir()
	t.Setenv("MEMTOMEM_HOME", fresh)
	code, _, stderr := runMM(t, "import", bad)
	if code != ExitUsage || !strings.Contains(stderr, "line 2") {
		t.Fatalf("import of a bad JSONL: exit %d, %s; want a refusal naming line 2", code, stderr)
	}
	if files, _ := filepath.Glob(filepath.Join(fresh, "memories", "*.md")); len(files) != 0 {
		t.Fatalf("a refused import wrote %v", files)
	}
}

// The reference MCP memory server's knowledge graph imports as one memory
// per entity (its observations and relations), once.
func TestImportKnowledgeGraph(t *testing.T) {
	graph := filepath.Join(t.TempDir(), "memory.jsonl")
	os.WriteFile(graph, []byte(`{"type":"entity","name":"Ada Example","entityType":"person","observations":["Speaks fluent Spanish","Prefers morning meetings"]}
{"type":"entity","name":"Example Corp","entityType":"organization","observations":["Builds rockets"]}
{"type":"relation","from":"Ada Example","to":"Example Corp","relationType":"works_at"}
`), 0o644)
	home := t.TempDir()
	t.Setenv("MEMTOMEM_HOME", home)
	code, stdout, stderr := runMM(t, "import", graph, "--namespace", "kg", "--dry-run")
	if code != ExitOK || !strings.Contains(stdout, "would add 2 of 2") || !strings.Contains(stderr, "2 entities and 1 relations") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	importOnce(t, 2, graph, "--namespace", "kg")
	exportHas(t, home, `"content":"- Speaks fluent Spanish\n- Prefers morning meetings\n\nRelations:\n- works_at Example Corp"`, `"namespace":"kg","tags":["person"],"title":"Ada Example"`)
}

// A conversation transcript imports as one memory a turn, titled by
// speaker and date and quoting the turn before, once.
func TestImportConversation(t *testing.T) {
	chat := filepath.Join(t.TempDir(), "chat.jsonl")
	os.WriteFile(chat, []byte(`{"speaker":"Ana","text":"Where did you learn to throw pots?","date":"2023-05-14T10:02:00Z"}
{"speaker":"Ben","text":"At a studio in Porto.","date":"2023-05-14T10:02:00Z"}
`), 0o644)
	home := t.TempDir()
	t.Setenv("MEMTOMEM_HOME", home)
	code, stdout, stderr := runMM(t, "import", chat, "--dry-run")
	if code != ExitOK || !strings.Contains(stdout, "would add 2 of 2") || !strings.Contains(stderr, "a conversation transcript, 2 turns in 1 sessions") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	importOnce(t, 2, chat)
	exportHas(t, home, `"content":"\u003e Ana: Where did you learn to throw pots?\n\nAt a studio in Porto."`, `"tags":["conversation"],"title":"Ben · 14 May 2023"`)
}

// A CLAUDE.md is mostly text before any "## " section: it imports as a
// memory titled by its heading, beside one per section, once.
func TestImportClaudeMD(t *testing.T) {
	dir := t.TempDir()
	claude := filepath.Join(dir, "CLAUDE.md")
	os.WriteFile(claude, []byte("# Project Lark\n\nUse pnpm, never npm.\nTabs, not spaces.\n\n## Build\n\npnpm build then pnpm test\n"), 0o644)
	home := t.TempDir()
	t.Setenv("MEMTOMEM_HOME", home)
	importOnce(t, 2, claude, "--namespace", "lark")
	exportHas(t, home, `"content":"Use pnpm, never npm.\nTabs, not spaces."`, `"title":"Project Lark"`, `"title":"Build"`)
}

// memtomem (Python)'s export bundle imports a memory per chunk, keeping
// its id, heading, tags, namespace and time, once; a version 1 chunk (no
// chunk_id) gets an id from its text, so it too imports once.
func TestImportMemtomemBundle(t *testing.T) {
	bundle := filepath.Join(t.TempDir(), "memtomem-export.json")
	os.WriteFile(bundle, []byte(`{
  "version": "2",
  "exported_at": "2026-03-01T09:30:00.123456+00:00",
  "total_chunks": 3,
  "chunks": [
    {
      "chunk_id": "3f2b8c1e-9a4d-4e6f-8b1a-2c3d4e5f6a7b",
      "content_hash": "a1b2",
      "content": "## Deploy checklist\n\nRun the smoke tests before tagging a release.",
      "source_file": "/home/ada/.memtomem/memories/2026-02-27.md",
      "heading_hierarchy": ["Notes", "Deploy checklist"],
      "retrieval_context": "",
      "redaction_count": 0,
      "chunk_type": "markdown_section",
      "start_line": 12,
      "end_line": 15,
      "language": "",
      "tags": ["release", "Ops Team"],
      "namespace": "work/lark",
      "created_at": "2026-02-27T16:04:05.250000+00:00"
    },
    {
      "chunk_id": "7c9d0e1f-2a3b-4c5d-8e6f-7a8b9c0d1e2f",
      "content": "Coffee order: flat white, no sugar.",
      "source_file": "/home/ada/notes/personal.md",
      "heading_hierarchy": [],
      "tags": [],
      "namespace": "",
      "created_at": "2026-01-05T08:00:00"
    },
    {
      "content": "The staging database is rebuilt every Sunday night.",
      "source_file": "/home/ada/notes/infra.md",
      "heading_hierarchy": ["Infra"],
      "tags": ["infra"],
      "namespace": "work",
      "start_line": 3,
      "created_at": "2025-12-24T23:59:59+01:00"
    }
  ],
  "provenance": {"key_id": "abc", "mac": "def"}
}
`), 0o644)
	home := t.TempDir()
	t.Setenv("MEMTOMEM_HOME", home)
	code, stdout, stderr := runMM(t, "import", bundle, "--dry-run")
	if code != ExitOK || !strings.Contains(stdout, "would add 3 of 3") || !strings.Contains(stderr, "memtomem (Python) export bundle, version 2: 3 chunks") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	importOnce(t, 3, bundle)
	exportHas(t, home,
		`"content":"Run the smoke tests before tagging a release.","created":"2026-02-27T16:04:05Z","id":"3f2b8c1e-9a4d-4e6f-8b1a-2c3d4e5f6a7b","namespace":"work-lark","tags":["release","ops-team"],"title":"Deploy checklist"`,
		`"content":"Coffee order: flat white, no sugar.","created":"2026-01-05T08:00:00Z","id":"7c9d0e1f-2a3b-4c5d-8e6f-7a8b9c0d1e2f","namespace":"default"`,
		`"content":"The staging database is rebuilt every Sunday night.","created":"2025-12-24T22:59:59Z"`,
		`"namespace":"work","tags":["infra"],"title":"Infra"`)

	// Through standard input too, and a bundle of an unknown version is
	// refused with what this mm reads.
	odd := filepath.Join(t.TempDir(), "v9.json")
	os.WriteFile(odd, []byte(`{"version": "9", "chunks": []}`), 0o644)
	if code, _, stderr := runMM(t, "import", odd); code != ExitUsage || !strings.Contains(stderr, `bundle version "9" is not supported`) {
		t.Fatalf("version 9: exit %d: %s", code, stderr)
	}
}
