package memtomem_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/dayfile"
)

// rebuild closes m, deletes the index as mm reset does and indexes the
// memory directories again, returning the reopened store.
func rebuild(t *testing.T, m *memtomem.Memory, cfg config.Config) *memtomem.Memory {
	t.Helper()
	ctx := context.Background()
	m.Close()
	if err := memtomem.Reset(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	m2, err := memtomem.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m2.Close() })
	if _, err := m2.Index(ctx, memtomem.IndexRequest{Recursive: true}); err != nil {
		t.Fatal(err)
	}
	return m2
}

// namespacesOf maps each search hit's distinctive word to its namespace.
func namespaceOf(t *testing.T, m *memtomem.Memory, word string) []string {
	t.Helper()
	resp, err := m.Search(context.Background(), memtomem.SearchRequest{Query: word, Namespace: "*"})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range resp.Results {
		if strings.Contains(r.Content, word) {
			out = append(out, r.Namespace)
		}
	}
	return out
}

func TestLookAlikeNamespacesStayApart(t *testing.T) {
	m, _ := openTest(t)
	a := add(t, m, memtomem.AddRequest{Content: "colon namespace keeps ocelot", Namespace: "team:x"})
	b := add(t, m, memtomem.AddRequest{Content: "underscore namespace keeps ocelot", Namespace: "team_x"})
	if a.File == b.File {
		t.Fatalf("team:x and team_x share %s", a.File)
	}
	for ns, want := range map[string]string{"team:x": "colon", "team_x": "underscore"} {
		got := searchContents(t, m, memtomem.SearchRequest{Query: "ocelot", Namespace: ns})
		if len(got) != 1 || !strings.Contains(got[0], want) {
			t.Errorf("search in %s: %q, want only the %s memory", ns, got, want)
		}
	}
}

func TestNamespacesSurviveReset(t *testing.T) {
	cfg := config.Default(t.TempDir())
	cfg.Search.DefaultNamespace = "work"
	ctx := context.Background()
	m, err := memtomem.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	add(t, m, memtomem.AddRequest{Content: "configured default keeps wombat"})
	add(t, m, memtomem.AddRequest{Content: "plain default keeps quokka", Namespace: "default"})
	add(t, m, memtomem.AddRequest{Content: "explicit file keeps numbat", File: "projects.md", Namespace: "proj:a"})
	add(t, m, memtomem.AddRequest{Content: "numeric namespace keeps bilby", Namespace: "2026"})
	want := map[string]string{"wombat": "work", "quokka": "default", "numbat": "proj:a", "bilby": "2026"}
	check := func(m *memtomem.Memory, when string) {
		for word, ns := range want {
			if got := namespaceOf(t, m, word); len(got) != 1 || got[0] != ns {
				t.Errorf("%s: %s is in namespaces %q, want [%s]", when, word, got, ns)
			}
		}
	}
	check(m, "after add")
	m = rebuild(t, m, cfg)
	check(m, "after reset")
	// The store's memory of a namespace does not matter: a different
	// configured default changes nothing the files record.
	m.Close()
	cfg.Search.DefaultNamespace = "other"
	m = rebuild(t, m, cfg)
	check(m, "after reset with another default namespace")
}

func TestExplicitFileHoldsOneNamespace(t *testing.T) {
	m, _ := openTest(t)
	add(t, m, memtomem.AddRequest{Content: "first entry", File: "shared.md", Namespace: "alpha"})
	_, err := m.Add(context.Background(), memtomem.AddRequest{Content: "second entry", File: "shared.md", Namespace: "beta"})
	if memtomem.KindOf(err) != memtomem.KindInvalid || !strings.Contains(err.Error(), `namespace "alpha"`) {
		t.Fatalf("adding namespace beta to alpha's file: %v, want a refusal naming alpha", err)
	}
	add(t, m, memtomem.AddRequest{Content: "third entry", File: "shared.md", Namespace: "alpha"})
}

// A memory folder written by memtomem for Python names namespaced day files
// by slug and digest, with no frontmatter.
func TestPythonNamespacedDayFilesKeepTheirNamespace(t *testing.T) {
	m, cfg := openTest(t)
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	files := map[string]string{
		dayfile.Name(day, "team:x", 1):  "pangolin",
		dayfile.Name(day, "team_x", 1):  "axolotl",
		dayfile.Name(day, "default", 1): "capybara",
	}
	for name, word := range files {
		body := "\n## Entry 2026-11-30T10:00:00\n\n> created: 2026-11-30T10:00:00+00:00\n\nthe " + word + " note\n"
		if err := os.WriteFile(filepath.Join(cfg.MemoryDir(), name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Index(context.Background(), memtomem.IndexRequest{Recursive: true}); err != nil {
		t.Fatal(err)
	}
	for word, ns := range map[string]string{"pangolin": "team:x", "axolotl": "team_x", "capybara": "default"} {
		if got := namespaceOf(t, m, word); len(got) != 1 || got[0] != ns {
			t.Errorf("%s is in namespaces %q, want [%s]", word, got, ns)
		}
	}
}

func TestDayFileRollsOverAndKeepsEverything(t *testing.T) {
	defer memtomem.SetDayFileRollBytesForTest(2000)()
	m, cfg := openTest(t)
	var ids []string
	for i := range 12 {
		r := add(t, m, memtomem.AddRequest{Content: strings.Repeat("filler words here ", 20) + "marker" + string(rune('a'+i)), Namespace: "ops"})
		ids = append(ids, r.EntryID)
	}
	names, _ := filepath.Glob(filepath.Join(cfg.MemoryDir(), "*.md"))
	if len(names) < 3 {
		t.Fatalf("12 entries of ~400 bytes with a 2000-byte roll-over gave %d files: %v", len(names), names)
	}
	for _, n := range names {
		if fi, _ := os.Stat(n); fi.Size() > 2000+600 {
			t.Errorf("%s is %d bytes, past the roll-over size", n, fi.Size())
		}
	}
	m = rebuild(t, m, cfg)
	for i := range 12 {
		word := "marker" + string(rune('a'+i))
		if got := namespaceOf(t, m, word); len(got) != 1 || got[0] != "ops" {
			t.Errorf("after reset %s is in %q, want [ops]", word, got)
		}
	}
	// Retrying an add finds the entry in whichever part it went to.
	again, err := m.Add(context.Background(), memtomem.AddRequest{Content: "x", Namespace: "ops", EntryID: ids[0]})
	if err != nil || again.Added {
		t.Fatalf("retry of the first entry: added=%v err=%v", again.Added, err)
	}
}

func TestMemoryFilesAreIndexedWhateverTheirSize(t *testing.T) {
	cfg := config.Default(t.TempDir())
	cfg.Indexing.MaxFileBytes = 1000
	ctx := context.Background()
	m, err := memtomem.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	first := add(t, m, memtomem.AddRequest{Content: "the first memory mentions okapi"})
	add(t, m, memtomem.AddRequest{Content: strings.Repeat("a long memory ", 100) + "and a tapir"})
	if fi, _ := os.Stat(first.File); fi.Size() <= cfg.Indexing.MaxFileBytes {
		t.Fatalf("the day file is %d bytes, not past indexing.max_file_bytes", fi.Size())
	}
	for _, word := range []string{"okapi", "tapir"} {
		if got := searchContents(t, m, memtomem.SearchRequest{Query: word}); len(got) != 1 {
			t.Errorf("search %s: %d results, want 1 (a day file past max_file_bytes must stay indexed)", word, len(got))
		}
	}
	// A note outside the memory directories is still held to the limit.
	notes := t.TempDir()
	os.WriteFile(filepath.Join(notes, "big.md"), []byte(strings.Repeat("zebra ", 400)), 0o600)
	st, err := m.Index(ctx, memtomem.IndexRequest{Paths: []string{notes}, Recursive: true})
	if err != nil || st.FilesSkipped["too large"] != 1 {
		t.Fatalf("indexing a large note: %+v, %v; want it skipped as too large", st, err)
	}
}

// Adds racing into a new day file of a namespace record the namespace
// once, as the file's frontmatter (the add queue writes it with the first
// entries). Rebuilt from the file alone, every entry is back in the
// namespace.
func TestConcurrentFirstAddsRecordNamespaceOnce(t *testing.T) {
	m, cfg := openTest(t)
	ctx := context.Background()
	const n = 16
	errs := make(chan error, n)
	files := make(chan string, n)
	for i := range n {
		go func() {
			res, err := m.Add(ctx, memtomem.AddRequest{Content: "burst entry " + string(rune('a'+i)), Namespace: "team"})
			errs <- err
			files <- res.File
		}()
	}
	var file string
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		file = <-files
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.HasPrefix(s, "---\nnamespace: \"team\"\n---\n") || strings.Count(s, "namespace:") != 1 {
		t.Fatalf("the day file should begin with the namespace, once:\n%s", s)
	}
	if got := strings.Count(s, "burst entry "); got != n {
		t.Errorf("%d entries in the file, want %d", got, n)
	}
	m = rebuild(t, m, cfg)
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "burst", Namespace: "team", TopK: 2 * n}); len(got) != n {
		t.Errorf("after a rebuild, %d entries in namespace team, want %d", len(got), n)
	}
}
