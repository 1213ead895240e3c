package memtomem_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
)

// The timeline counts each memory once on the day it was created, lists
// the empty days too, and leaves out days outside the range.
func TestMemoriesPerDay(t *testing.T) {
	m, _ := openTest(t)
	ctx := context.Background()
	day := func(s string) time.Time {
		d, err := time.ParseInLocation(time.DateOnly, s, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		return d.Add(10 * time.Hour)
	}
	add(t, m, memtomem.AddRequest{Content: "first on the first", Created: day("2026-03-01")})
	add(t, m, memtomem.AddRequest{Content: "second on the first", Created: day("2026-03-01")})
	add(t, m, memtomem.AddRequest{Content: "one on the third", Created: day("2026-03-03")})
	add(t, m, memtomem.AddRequest{Content: "out of range", Created: day("2026-03-09")})

	got, err := m.MemoriesPerDay(ctx, day("2026-03-01"), day("2026-03-04"), "", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{2, 0, 1, 0}
	if len(got) != len(want) {
		t.Fatalf("got %d days, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Count != w || got[i].Day.Format(time.DateOnly) != day("2026-03-01").AddDate(0, 0, i).Format(time.DateOnly) {
			t.Errorf("day %d: %s %d, want %d", i, got[i].Day.Format(time.DateOnly), got[i].Count, w)
		}
	}
	if _, err := m.MemoriesPerDay(ctx, day("2024-01-01"), day("2026-03-04"), "", time.UTC); memtomem.KindOf(err) != memtomem.KindInvalid {
		t.Errorf("a two-year timeline: %v, want an invalid-input error", err)
	}
}

func TestFilesListsIndexedFiles(t *testing.T) {
	m, _ := openTest(t)
	res := add(t, m, memtomem.AddRequest{Content: "a memory in a day file", Namespace: "work"})
	files, err := m.Files(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Path != res.File || files[0].Namespace != "work" {
		t.Fatalf("Files: %+v, want the one day file %s in work", files, res.File)
	}
}

// A process that campaigns for the indexer role is named as its holder.
func TestIndexerPID(t *testing.T) {
	cfg := config.Default(t.TempDir())
	m, err := memtomem.Open(context.Background(), cfg, memtomem.WithWatch(memtomem.WatchOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	deadline := time.Now().Add(10 * time.Second)
	for m.IndexerPID(context.Background()) != os.Getpid() {
		if time.Now().After(deadline) {
			t.Fatalf("IndexerPID = %d after 10 s, want this process %d", m.IndexerPID(context.Background()), os.Getpid())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Entry gives the whole entry (title, tags, body), not the chunk's text
// with its heading: what an edit form must send back.
func TestEntryReadsTheMarkdownEntry(t *testing.T) {
	m, _ := openTest(t)
	res := add(t, m, memtomem.AddRequest{Content: "body line one", Title: "My Title", Tags: []string{"a", "b"}})
	e, err := m.Entry(context.Background(), res.ChunkIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	if e.Title != "My Title" || e.Body != "body line one" || len(e.Tags) != 2 || e.ID != res.EntryID {
		t.Fatalf("Entry: %+v", e)
	}
	untitled := add(t, m, memtomem.AddRequest{Content: "no title here"})
	if e, err := m.Entry(context.Background(), untitled.EntryID); err != nil || e.Title != "" || e.Body != "no title here" {
		t.Fatalf("untitled Entry: %+v, %v; want an empty title", e, err)
	}
}
