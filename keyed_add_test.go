package memtomem_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/secret/secrettest"
)

// Adds that name their entry (an idempotency key, an entry id) append to
// the file like any other add, and still never write an entry twice: not
// when the same key comes again, and not when the id is that of an entry
// the index does not hold because its text has a credential in it.
func TestKeyedAddsAppendOnce(t *testing.T) {
	m, cfg := openTest(t)
	// Written by hand: one entry whose only chunk the index leaves out.
	hand := "## Deploy credentials\n\n> id: handwritten1\n\nthe bot token is " + secrettest.SlackBotToken(7) + "\n"
	_, notes := handWritten(t, m, cfg, "notes.md", hand)

	var files []os.FileInfo
	var day string
	for i := range 6 {
		res := add(t, m, memtomem.AddRequest{Title: fmt.Sprint("Keyed ", i), Content: fmt.Sprint("keyed memory number ", i), IdempotencyKey: fmt.Sprint("key-", i)})
		if !res.Added {
			t.Fatalf("add %d: not added: %+v", i, res)
		}
		day = res.File
		fi, err := os.Stat(day)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fi)
	}
	// After memtomem's first write (which may rewrite the hand-made file),
	// each keyed add appended rather than rewriting the file.
	for _, fi := range files[2:] {
		if !os.SameFile(files[1], fi) {
			t.Fatal("a keyed add rewrote the memory file instead of appending to it")
		}
	}

	again := add(t, m, memtomem.AddRequest{Title: "Keyed 3", Content: "keyed memory number 3", IdempotencyKey: "key-3"})
	if again.Added {
		t.Errorf("the same key again was added: %+v", again)
	}
	hidden := add(t, m, memtomem.AddRequest{File: notes, Content: "a new text under the hand-made entry's id", EntryID: "handwritten1"})
	if hidden.Added {
		t.Errorf("an add under the id of an entry the index left out was added: %+v", hidden)
	}

	content, err := os.ReadFile(notes)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(content), "> id: handwritten1\n"); n != 1 {
		t.Errorf("the hand-made entry's id is in the file %d times, want 1:\n%s", n, content)
	}
	if content, err = os.ReadFile(day); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(content), "keyed memory number 3"); n != 1 {
		t.Errorf("the keyed memory is in the file %d times, want 1", n)
	}
	for i := range 6 {
		if got := searchContents(t, m, memtomem.SearchRequest{Query: fmt.Sprint("keyed memory number ", i)}); len(got) == 0 {
			t.Errorf("keyed memory %d is not found", i)
		}
	}
}

// An add retried after its first attempt wrote the entry but never indexed
// it (the process died in between; here, the index is deleted) finds the
// entry in today's file, where the append itself checks under the file's
// lock, and indexes it instead of writing it again.
func TestKeyedAddRetriedAfterUnindexedWrite(t *testing.T) {
	ctx := context.Background()
	m, cfg := openTest(t)
	first := add(t, m, memtomem.AddRequest{Content: "written before the crash", IdempotencyKey: "retry-1"})
	add(t, m, memtomem.AddRequest{Content: "another memory of the day"})
	m.Close()
	if err := memtomem.Reset(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	m, err := memtomem.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "crash"}); len(got) != 0 {
		t.Fatalf("the deleted index still finds the memory: %q", got)
	}
	again := add(t, m, memtomem.AddRequest{Content: "written before the crash", IdempotencyKey: "retry-1"})
	if again.Added || again.EntryID != first.EntryID || again.File != first.File || len(again.ChunkIDs) == 0 {
		t.Errorf("the retry gave %+v; the first attempt %+v", again, first)
	}
	content, err := os.ReadFile(first.File)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(content), "written before the crash"); n != 1 {
		t.Errorf("the memory is in its file %d times, want 1", n)
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "crash"}); len(got) != 1 {
		t.Errorf("the memory is found %d times after the retry, want 1", len(got))
	}
}
