package memtomem_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/memfile"
)

func sampleMemories() []memtomem.ExportedMemory {
	t0 := time.Date(2026, 11, 3, 9, 30, 0, 0, time.UTC)
	return []memtomem.ExportedMemory{
		{ID: "a1b2c3d4e5f6", Title: "Deploy", Content: "blue-green rollout\n\n## not a heading inside\n> created: not meta", Tags: []string{"ops", "deploy"}, Namespace: "team:infra", Created: t0},
		{ID: "0a0b0c0d0e0f", Content: "no title, one line", Namespace: "default", Created: t0.Add(time.Hour)},
		{ID: "ffeeddccbbaa", Title: "Notes 東京", Content: "会議は月曜\n```\ncode ## fence\n", Tags: []string{"jp"}, Namespace: "team:infra", Created: t0.Add(2 * time.Hour)},
	}
}

// equalMemories compares what an export carries, Source aside.
func equalMemories(t *testing.T, what string, got, want []memtomem.ExportedMemory) {
	t.Helper()
	norm := func(ms []memtomem.ExportedMemory) []string {
		var out []string
		for _, m := range ms {
			out = append(out, strings.Join([]string{m.ID, m.Title, strings.TrimSpace(m.Content), strings.Join(m.Tags, ","), m.Namespace, m.Created.UTC().Format(time.RFC3339)}, "|"))
		}
		slices.Sort(out)
		return out
	}
	if g, w := norm(got), norm(want); !slices.Equal(g, w) {
		t.Fatalf("%s:\ngot  %q\nwant %q", what, g, w)
	}
}

func TestJSONLRoundTrip(t *testing.T) {
	var b bytes.Buffer
	if err := memtomem.WriteJSONL(&b, sampleMemories()); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "\n"); n != 3 {
		t.Fatalf("%d lines, want one a memory:\n%s", n, b.String())
	}
	got, err := memtomem.ReadJSONL(&b)
	if err != nil {
		t.Fatal(err)
	}
	equalMemories(t, "JSONL read back", got, sampleMemories())

	// mem_do export's object reads too.
	obj := `{"version": 1, "exported": "2026-12-01T00:00:00Z", "memories": [{"id": "x1", "content": "from mem_do", "namespace": "default", "created": "2026-12-01T00:00:00Z"}], "total": 1}`
	if got, err := memtomem.ReadJSONL(strings.NewReader(obj)); err != nil || len(got) != 1 || got[0].Content != "from mem_do" {
		t.Fatalf("export object: %+v, %v", got, err)
	}
	for in, want := range map[string]string{
		"{\"content\": \"ok\"}\nnot json\n":            "line 2",
		"{\"content\": \"ok\", \"colour\": \"red\"}\n": "line 1",
		"{\"id\": \"x\"}\n":                            "without content",
		`{"version": 2, "memories": []}`:               "version 2",
	} {
		if _, err := memtomem.ReadJSONL(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadJSONL(%q) = %v; want an error saying %q", in, err, want)
		}
	}
}

func TestMarkdownRoundTrip(t *testing.T) {
	files := memtomem.MarkdownFiles(sampleMemories())
	if len(files) != 2 || files["team_infra.md"] == nil || files["default.md"] == nil {
		t.Fatalf("files: %v; want one per namespace", keys(files))
	}
	var got []memtomem.ExportedMemory
	for _, b := range files {
		got = append(got, memtomem.ReadMarkdown("x.md", b, "elsewhere")...)
	}
	equalMemories(t, "markdown read back", got, sampleMemories())

	// Hand-written markdown: the given namespace, ids made from the text
	// (the same every time), no creation time.
	hand := []byte("# My notes\n\n## Build\n\nmake all\n\n## Release\n\ntag and push\n")
	a, b := memtomem.ReadMarkdown("notes.md", hand, "notes"), memtomem.ReadMarkdown("notes.md", hand, "notes")
	if len(a) != 2 || a[0].Namespace != "notes" || a[0].Title != "Build" || a[0].ID == "" || a[0].ID == a[1].ID || a[0].ID != b[0].ID {
		t.Fatalf("hand-written markdown: %+v", a)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// What MarkdownFiles writes, ReadMarkdown reads back unchanged, whatever
// the text (differential: the exporter against memtomem's parser).
func FuzzMarkdownRoundTrip(f *testing.F) {
	f.Add("Title", "body\n## heading\n> id: x", "tag", "ns:a")
	f.Add("", "```\nunclosed", "", "default")
	f.Fuzz(func(t *testing.T, title, content, tag, ns string) {
		content = strings.TrimSpace(content)
		if content == "" || strings.ContainsAny(title+content+tag+ns, "\x00\r") || strings.ContainsRune(title, '\n') ||
			!validUTF8(title, content, tag, ns) || ns == "" || strings.ContainsAny(ns, "\n\"\\") || strings.TrimSpace(ns) != ns {
			t.Skip()
		}
		tags := []string{}
		if tag = strings.TrimSpace(tag); tag != "" && !strings.ContainsAny(tag, ", \n\"\\") {
			tags = []string{tag}
		}
		in := []memtomem.ExportedMemory{{ID: "abcdef012345", Title: strings.TrimSpace(title), Content: content, Tags: tags,
			Namespace: ns, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
		var got []memtomem.ExportedMemory
		for _, b := range memtomem.MarkdownFiles(in) {
			got = append(got, memtomem.ReadMarkdown("x.md", b, "other")...)
		}
		if len(got) != 1 {
			t.Fatalf("%d memories read back from %q", len(got), memtomem.MarkdownFiles(in))
		}
		g, w := got[0], in[0]
		if g.ID != w.ID || g.Title != w.Title || strings.TrimSpace(g.Content) != w.Content || !slices.Equal(g.Tags, w.Tags) || g.Namespace != w.Namespace || !g.Created.Equal(w.Created) {
			t.Fatalf("read back %+v, wrote %+v\n%s", g, w, memtomem.MarkdownFiles(in))
		}
	})
}

func validUTF8(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// ReadJSONL never panics, and what it reads writes back to the same.
func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte("{\"id\":\"a\",\"content\":\"x\",\"namespace\":\"default\",\"created\":\"2026-01-01T00:00:00Z\"}\n"))
	f.Add([]byte(`{"version":1,"memories":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		mems, err := memtomem.ReadJSONL(bytes.NewReader(data))
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := memtomem.WriteJSONL(&b, mems); err != nil {
			t.Fatal(err)
		}
		again, err := memtomem.ReadJSONL(&b)
		if err != nil || len(again) != len(mems) {
			t.Fatalf("read back %d memories (%v) of %d", len(again), err, len(mems))
		}
	})
}

// ReadKnowledgeGraph never panics, and every memory it reads can be
// imported: content, a title, one id per entity.
func FuzzReadKnowledgeGraph(f *testing.F) {
	f.Add([]byte(`{"type":"entity","name":"A","entityType":"person","observations":["x"]}` + "\n" + `{"type":"relation","from":"A","to":"B","relationType":"knows"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		mems, _, _, err := memtomem.ReadKnowledgeGraph(bytes.NewReader(data), "kg")
		if err != nil {
			return
		}
		ids := map[string]bool{}
		for _, m := range mems {
			if strings.TrimSpace(m.Content) == "" || m.Title == "" || ids[m.ID] {
				t.Fatalf("memory %+v of %q", m, data)
			}
			ids[m.ID] = true
		}
	})
}

// ReadBundle never panics, and every memory it reads has content, an
// entry id and a namespace this store accepts; a bundle is told from the
// other JSON imports by its start alone.
func FuzzReadBundle(f *testing.F) {
	f.Add([]byte(`{"version":"2","chunks":[{"chunk_id":"3f2b8c1e-9a4d","content":"## T\n\nbody","heading_hierarchy":["T"],"tags":["A b"],"namespace":"a/b","created_at":"2026-01-01T00:00:00.5+02:00"}]}`))
	f.Add([]byte(`{"version":"1","chunks":[{"content":"x","namespace":":::"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		mems, _, err := memtomem.ReadBundle(bytes.NewReader(data), "default")
		if err != nil {
			return
		}
		if !memtomem.IsBundle(data) {
			t.Fatalf("ReadBundle read %q, but IsBundle says it is no bundle", data)
		}
		for _, m := range mems {
			if strings.TrimSpace(m.Content) == "" || !memfile.ValidID(m.ID) || config.ValidNamespace(m.Namespace) != nil {
				t.Fatalf("unimportable memory %+v from %q", m, data)
			}
		}
	})
}
