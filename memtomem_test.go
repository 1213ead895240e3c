package memtomem_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
)

func openTest(t *testing.T) (*memtomem.Memory, config.Config) {
	t.Helper()
	cfg := config.Default(t.TempDir())
	m, err := memtomem.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, cfg
}

func add(t *testing.T, m *memtomem.Memory, req memtomem.AddRequest) memtomem.AddResult {
	t.Helper()
	res, err := m.Add(context.Background(), req)
	if err != nil {
		t.Fatalf("Add(%q): %v", req.Content, err)
	}
	return res
}

func searchContents(t *testing.T, m *memtomem.Memory, req memtomem.SearchRequest) []string {
	t.Helper()
	resp, err := m.Search(context.Background(), req)
	if err != nil {
		t.Fatalf("Search(%q): %v", req.Query, err)
	}
	var out []string
	for _, r := range resp.Results {
		out = append(out, r.Content)
	}
	return out
}

func containsAll(got []string, want ...string) bool {
	for _, w := range want {
		ok := false
		for _, g := range got {
			if strings.Contains(g, w) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func TestAddIsSearchableAtOnce(t *testing.T) {
	m, _ := openTest(t)
	res := add(t, m, memtomem.AddRequest{Content: "Deployment checklist uses blue-green rollout", Tags: []string{"ops"}})
	if !res.Added || len(res.ChunkIDs) != 1 || res.Namespace != "default" {
		t.Fatalf("unexpected result %+v", res)
	}
	got := searchContents(t, m, memtomem.SearchRequest{Query: "blue-green"})
	if len(got) != 1 || !strings.Contains(got[0], "blue-green rollout") {
		t.Fatalf("search blue-green = %q", got)
	}
	c, err := m.Read(context.Background(), res.ChunkIDs[0])
	if err != nil || c.EntryID != res.EntryID || c.Tags[0] != "ops" {
		t.Fatalf("Read = %+v, %v", c, err)
	}
}

func TestNamespacesAndArchive(t *testing.T) {
	m, cfg := openTest(t)
	add(t, m, memtomem.AddRequest{Content: "kettle descaling schedule", Namespace: "home"})
	add(t, m, memtomem.AddRequest{Content: "kettle procurement for the office", Namespace: "work:facilities"})
	add(t, m, memtomem.AddRequest{Content: "old kettle warranty", Namespace: "archive:2024"})
	add(t, m, memtomem.AddRequest{Content: "kettle in the default namespace"})

	all := searchContents(t, m, memtomem.SearchRequest{Query: "kettle"})
	if len(all) != 3 || containsAll(all, "warranty") {
		t.Errorf("default search should hide archive:*, got %q", all)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "kettle", Namespace: "work:*"}); len(got) != 1 || !containsAll(got, "procurement") {
		t.Errorf("work:* = %q", got)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "kettle", Namespace: "home,default"}); len(got) != 2 {
		t.Errorf("home,default = %q", got)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "kettle", Namespace: "archive:*"}); len(got) != 1 || !containsAll(got, "warranty") {
		t.Errorf("archive:* = %q", got)
	}
	// Namespaced day files say their namespace, so a full rebuild keeps it.
	if _, err := m.Index(context.Background(), memtomem.IndexRequest{Paths: []string{cfg.MemoryDir()}, Force: true, Recursive: true}); err != nil {
		t.Fatal(err)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "kettle", Namespace: "work:facilities"}); len(got) != 1 {
		t.Errorf("after forced re-index, work:facilities = %q", got)
	}
}

// A filter must be applied before top-k is cut: with many better-scoring
// unfiltered matches, the filtered search still returns its k results.
func TestFilterBeforeTopK(t *testing.T) {
	m, _ := openTest(t)
	for i := range 30 {
		add(t, m, memtomem.AddRequest{Content: fmt.Sprintf("widget widget widget note %d", i)})
	}
	for i := range 3 {
		add(t, m, memtomem.AddRequest{Content: fmt.Sprintf("a widget remark %d with many other words to lower its score", i), Tags: []string{"rare"}})
	}
	got := searchContents(t, m, memtomem.SearchRequest{Query: "widget", TopK: 3, Tags: []string{"rare"}})
	if len(got) != 3 || !containsAll(got, "remark 0", "remark 1", "remark 2") {
		t.Errorf("tag-filtered top 3 = %q", got)
	}
}

func TestSinceUntil(t *testing.T) {
	m, cfg := openTest(t)
	// A hand-written file with explicit created times.
	content := "## Old\n\n> created: 2020-01-01T00:00:00Z\n\nlighthouse keeper log\n\n## New\n\n> created: 2026-06-01T00:00:00Z\n\nlighthouse renovation\n"
	if err := os.WriteFile(filepath.Join(cfg.MemoryDir(), "hand.md"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Index(context.Background(), memtomem.IndexRequest{Recursive: true}); err != nil {
		t.Fatal(err)
	}
	since := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "lighthouse", Since: since}); len(got) != 1 || !containsAll(got, "renovation") {
		t.Errorf("since 2025 = %q", got)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "lighthouse", Until: since}); len(got) != 1 || !containsAll(got, "keeper") {
		t.Errorf("until 2025 = %q", got)
	}
	recent, err := m.Recall(context.Background(), memtomem.RecallRequest{})
	if err != nil || len(recent.Chunks) != 2 || recent.Total != 2 || !strings.Contains(recent.Chunks[0].Content, "renovation") {
		t.Errorf("recall newest first = %v, %v", recent, err)
	}
}

// Editing one entry keeps the other entries' chunk ids, and re-indexing an
// unchanged file keeps every id.
func TestChunkIDsAreStable(t *testing.T) {
	m, _ := openTest(t)
	a := add(t, m, memtomem.AddRequest{Content: "first entry about parsers", Title: "A"})
	b := add(t, m, memtomem.AddRequest{Content: "second entry about lexers", Title: "B"})
	c := add(t, m, memtomem.AddRequest{Content: "third entry about grammars", Title: "C"})
	text := "second entry about tokenizers"
	if _, err := m.Edit(context.Background(), memtomem.EditRequest{ChunkID: b.ChunkIDs[0], Content: &text}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{a.ChunkIDs[0], c.ChunkIDs[0]} {
		if _, err := m.Read(context.Background(), id); err != nil {
			t.Errorf("chunk %s of an untouched entry lost its id: %v", id, err)
		}
	}
	if _, err := m.Read(context.Background(), b.ChunkIDs[0]); memtomem.KindOf(err) != memtomem.KindNotFound {
		t.Errorf("edited chunk's old id should be gone, got %v", err)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "tokenizers"}); len(got) != 1 {
		t.Errorf("edited text not found: %q", got)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "lexers"}); len(got) != 0 {
		t.Errorf("old text still found: %q", got)
	}
}

func TestBadInputIsInvalid(t *testing.T) {
	m, _ := openTest(t)
	ctx := context.Background()
	cases := map[string]error{}
	_, cases["empty content"] = m.Add(ctx, memtomem.AddRequest{Content: " \n "})
	_, cases["huge content"] = m.Add(ctx, memtomem.AddRequest{Content: strings.Repeat("x", memtomem.MaxContentChars+1)})
	_, cases["invalid utf8"] = m.Add(ctx, memtomem.AddRequest{Content: "bad \xff bytes"})
	_, cases["bad namespace"] = m.Add(ctx, memtomem.AddRequest{Content: "x", Namespace: "has space"})
	_, cases["outside file"] = m.Add(ctx, memtomem.AddRequest{Content: "x", File: "/etc/passwd.md"})
	_, cases["empty query"] = m.Search(ctx, memtomem.SearchRequest{Query: "  "})
	_, cases["top_k"] = m.Search(ctx, memtomem.SearchRequest{Query: "x", TopK: 101})
	_, cases["only punctuation"] = m.Search(ctx, memtomem.SearchRequest{Query: "?!"})
	for name, err := range cases {
		if memtomem.KindOf(err) != memtomem.KindInvalid {
			t.Errorf("%s: got %v (kind %v), want an invalid-input error", name, err, memtomem.KindOf(err))
		}
	}
	st, err := m.Status(ctx)
	if err != nil || st.Chunks != 0 {
		t.Errorf("bad input stored something: %+v %v", st, err)
	}
}

// A SQLite database made by another program is refused and not modified.
func TestForeignSQLiteIsRefused(t *testing.T) {
	home := t.TempDir()
	dbPath := filepath.Join(home, "memtomem.db")
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices(total) VALUES (9.5)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(dbPath)
	_, err = memtomem.Open(context.Background(), config.Default(home))
	if err == nil || memtomem.KindOf(err) != memtomem.KindRefused || !strings.Contains(err.Error(), "not a memtomem database") {
		t.Fatalf("Open on a foreign database: %v", err)
	}
	after, _ := os.ReadFile(dbPath)
	if string(before) != string(after) {
		t.Error("the foreign database was modified")
	}
	if _, err := os.Stat(dbPath + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Error("a WAL file was created next to the foreign database")
	}
}

// A damaged index database is reported with the fix (mm reset), and a reset
// rebuilds it from the markdown with nothing lost.
func TestCorruptDatabaseSaysReset(t *testing.T) {
	m, cfg := openTest(t)
	ctx := context.Background()
	for i := range 20 {
		add(t, m, memtomem.AddRequest{Content: fmt.Sprintf("memory %d survives corruption", i)})
	}
	m.Close()
	f, err := os.OpenFile(cfg.DBPath(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte(strings.Repeat("\xde\xad", 3000)), 4096)
	f.Close()

	m2, err := memtomem.Open(ctx, cfg)
	if err == nil {
		_, err = m2.Status(ctx)
		m2.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "mm reset") {
		t.Fatalf("a damaged database should point at mm reset, got %v", err)
	}
	if err := memtomem.Reset(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	m3, err := memtomem.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m3.Close()
	if _, err := m3.Index(ctx, memtomem.IndexRequest{Recursive: true}); err != nil {
		t.Fatal(err)
	}
	if got := searchContents(t, m3, memtomem.SearchRequest{Query: "survives", TopK: 50}); len(got) != 20 {
		t.Errorf("after reset and re-index: %d memories found, want 20", len(got))
	}
}
