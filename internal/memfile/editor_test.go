package memfile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The tests below play a person's text editor, which writes memory files
// without memtomem's lock, against Writer.

func appendBody(t *testing.T, w *Writer, path, body string) Entry {
	t.Helper()
	e, _, err := w.Append(context.Background(), path, Entry{Body: body})
	if err != nil {
		t.Fatalf("append %q: %v", body, err)
	}
	return e
}

// saveInPlace is an editor saving the way vim (backupcopy=yes) and many
// others do: truncate the file, then write the buffer into the same inode.
func saveInPlace(t *testing.T, path string, content string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
}

// saveByRename is an editor writing a temp file and renaming it into place.
func saveByRename(t *testing.T, path string, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".editor-save")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func bodies(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	for _, e := range Parse([]byte(readFile(t, path))) {
		out = append(out, e.Body)
	}
	return out
}

func wantBodies(t *testing.T, path string, want ...string) {
	t.Helper()
	got := bodies(t, path)
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("entries %q, want %q\nfile:\n%s", got, want, readFile(t, path))
	}
}

// An add that runs while an editor is between truncating the file and
// writing it must not take the empty file for the truth: it waits for the
// save, keeps it, and adds its entry to it.
func TestAppendWaitsForAnInPlaceSave(t *testing.T) {
	w := newWriter(t)
	path := filepath.Join(t.TempDir(), "day.md")
	appendBody(t, w, path, "first memory")
	edited := strings.Replace(readFile(t, path), "first memory", "first memory, edited by hand", 1)

	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0) // the editor truncates...
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(30 * time.Millisecond) // ...and writes a moment later
		f.WriteString(edited)
		f.Close()
	}()
	appendBody(t, w, path, "second memory")
	<-done
	wantBodies(t, path, "first memory, edited by hand", "second memory")
}

// An editor that read the file before an add and saved after it dropped the
// entry without ever seeing it: the next write (or Heal) puts it back, and
// keeps the person's edit.
func TestEntriesAnEditorNeverSawComeBack(t *testing.T) {
	for name, save := range map[string]func(*testing.T, string, string){"in place": saveInPlace, "by rename": saveByRename} {
		t.Run(name, func(t *testing.T) {
			w := newWriter(t)
			path := filepath.Join(t.TempDir(), "day.md")
			appendBody(t, w, path, "first memory")
			buffer := readFile(t, path) // the editor opens the file
			appendBody(t, w, path, "added while the editor was open")
			save(t, path, strings.Replace(buffer, "first memory", "first memory, edited", 1))
			if err := w.Heal(context.Background(), path); err != nil {
				t.Fatal(err)
			}
			wantBodies(t, path, "first memory, edited", "added while the editor was open")
			appendBody(t, w, path, "third memory")
			wantBodies(t, path, "first memory, edited", "added while the editor was open", "third memory")
		})
	}
}

// A person who deletes an entry they could see (the file they saved still
// has a newer entry of ours) deleted it on purpose: it stays deleted.
func TestAnEntryDeletedByHandStaysDeleted(t *testing.T) {
	w := newWriter(t)
	path := filepath.Join(t.TempDir(), "day.md")
	appendBody(t, w, path, "unwanted memory")
	appendBody(t, w, path, "kept memory")
	entries := Parse([]byte(readFile(t, path)))
	lines := strings.SplitAfter(readFile(t, path), "\n")
	saveInPlace(t, path, strings.Join(lines[entries[1].StartLine-1:], ""))
	if err := w.Heal(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	appendBody(t, w, path, "later memory")
	wantBodies(t, path, "kept memory", "later memory")
}

// A memory deleted through memtomem is never restored by the journal, even
// when an editor's old copy is saved over the file afterwards without it.
func TestADeleteThroughMemtomemIsNotUndone(t *testing.T) {
	w := newWriter(t)
	path := filepath.Join(t.TempDir(), "day.md")
	appendBody(t, w, path, "one")
	two := appendBody(t, w, path, "two")
	if _, err := w.Delete(context.Background(), path, Selector{ID: two.ID}); err != nil {
		t.Fatal(err)
	}
	saveByRename(t, path, readFile(t, path)+"\nA line the person typed.\n")
	if err := w.Heal(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	wantBodies(t, path, "one\n\nA line the person typed.")
}

// The journal is kept out of the memory directory.
func TestJournalLivesInTheRunDir(t *testing.T) {
	w := newWriter(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "day.md")
	appendBody(t, w, path, "x")
	names, _ := os.ReadDir(dir)
	if len(names) != 1 {
		t.Fatalf("memory dir holds %d files, want only the day file", len(names))
	}
	if _, ok := loadJournal(w.Locks.JournalFile(path)); !ok {
		t.Fatal("no journal beside the lock")
	}
}
