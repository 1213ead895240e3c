package memtomem_test

import (
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
