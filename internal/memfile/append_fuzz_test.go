package memfile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/coord"
)

// FuzzAppendAgrees is the differential check behind the fast append: for
// any file a tail says can take one, the file with the entry's bytes
// appended parses as the file's entries followed by the entry read on
// its own, which is all the fast path checks. It also checks that the
// journal tail after an append is the tail of the whole new content.
func FuzzAppendAgrees(f *testing.F) {
	for _, s := range []string{
		"## T\n> id: abc\n\nbody\n",
		"pre\n## A\n```\n## no\n",
		"---\ntitle: x\n",
		"## A\r\n> id: x\r\nbody\r\n",
		"```` a\n## h\n```\n",
		"<!-- open\n",
		"# Top\ntext\n",
		"x\n\n",
		"x",
	} {
		f.Add([]byte(s), "Title", "body\n## sub\n```\ncode")
	}
	f.Fuzz(func(t *testing.T, file []byte, title, body string) {
		tail := tailOf(file)
		if tail == nil {
			return
		}
		e := Entry{Title: title, Body: normBody(body), Meta: Meta{ID: "fz1", Created: time.Unix(1764151200, 0).UTC()}}
		if e.Body == "" || checkEntry(e, true, true, true) != nil {
			return
		}
		text := withNL(e.Render(), tail.NL)
		alone := Parse([]byte(text))
		if len(alone) != 1 || !sameContent(alone[0], canonical(e)) {
			return // the fast path refuses it, as the slow one does
		}
		data := appendBytes([]journalEntry{{ID: e.ID, Text: text}}, tail.NL)
		whole := append(bytes.Clone(file), data...)
		before, after := Parse(file), Parse(whole)
		if len(after) != len(before)+1 || !sameEntries(before, after) {
			t.Fatalf("appending changed the entries before it:\nfile %q\nentry %q", file, text)
		}
		if !sameContent(after[len(before)], alone[0]) {
			t.Fatalf("the appended entry reads differently in the file: %+v vs %+v", after[len(before)], alone[0])
		}
		if got, want := after[len(before)].StartLine, tail.Lines+2; got != want {
			t.Fatalf("appended entry starts at line %d, want %d", got, want)
		}
		next, _, _, err := tail.extend(data)
		if err != nil {
			t.Fatal(err)
		}
		if want := tailOf(whole); want == nil || !bytes.Equal(next.Sum, want.Sum) || next.Lines != want.Lines || next.NL != want.NL {
			t.Fatalf("extended tail %+v, the whole file's %+v", next, want)
		}
	})
}

// An append to a file memtomem wrote last writes the entry's bytes only:
// the file keeps its inode and grows by exactly the entry, and reads back
// with every entry in order.
func TestAppendWritesOnlyTheEntry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "day.md")
	w := &Writer{Locks: coord.NewFileLocks(t.TempDir())}
	ctx := context.Background()
	if _, _, err := w.Append(ctx, path, Entry{Title: "first", Body: "one"}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	before := readFile(t, path)
	res, err := w.AppendEntries(ctx, path, []Entry{{Title: "second", Body: "two"}, {Title: "third", Body: "three"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Tail == nil {
		t.Fatal("the append rewrote the file instead of appending to it")
	}
	fi2, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(fi, fi2) {
		t.Error("the file was replaced, not appended to")
	}
	after := readFile(t, path)
	if after[:len(before)] != before || after[len(before):] != string(res.Tail.Text) || res.Tail.Offset != int64(len(before)) {
		t.Fatalf("appended %q at %d; file now %q", res.Tail.Text, res.Tail.Offset, after)
	}
	got := Parse([]byte(after))
	if len(got) != 3 || got[1].Title != "second" || got[2].Title != "third" {
		t.Fatalf("entries %+v", got)
	}
	for i, e := range res.Got {
		if e.StartLine != got[i+1].StartLine || e.EndLine != got[i+1].EndLine || e.ID != got[i+1].ID {
			t.Errorf("append says entry %d is at lines %d-%d, the file has it at %d-%d", i, e.StartLine, e.EndLine, got[i+1].StartLine, got[i+1].EndLine)
		}
	}
	if res.Tail.After != hashHex([]byte(after)) || res.Tail.Before != hashHex([]byte(before)) {
		t.Error("the append's hashes are not the file's")
	}
}

// A file someone else changed (or that does not end in a complete line)
// is not appended to blindly: the read-modify-write path runs and the
// result is the same as before the fast path existed.
func TestAppendAfterOutsideChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "day.md")
	w := &Writer{Locks: coord.NewFileLocks(t.TempDir())}
	ctx := context.Background()
	if _, _, err := w.Append(ctx, path, Entry{Title: "first", Body: "one"}); err != nil {
		t.Fatal(err)
	}
	// An editor adds a line without a final newline, with an unclosed fence.
	if err := os.WriteFile(path, []byte(readFile(t, path)+"```\nhand written"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := settleQuiet
	settleQuiet = 0
	defer func() { settleQuiet = old }()
	res, err := w.AppendEntries(ctx, path, []Entry{{Title: "second", Body: "two"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Tail != nil {
		t.Fatal("appended blindly to a file an editor changed")
	}
	got := Parse([]byte(readFile(t, path)))
	if len(got) != 2 || got[1].Title != "second" || got[0].Body != "one\n```\nhand written" {
		t.Fatalf("entries %+v", got)
	}
	// Now memtomem wrote it last: the next append is fast again.
	if res, err = w.AppendEntries(ctx, path, []Entry{{Title: "third", Body: "three"}}); err != nil || res.Tail == nil {
		t.Fatalf("after a full write the next append should append (err %v)", err)
	}
}

func hashHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// The journal an append rewrites stays bounded however many entries the
// file gets: at most journalSlack lines over the limit, and it decodes to
// the newest journalMaxEntries.
func TestJournalStaysBoundedUnderAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "day.md")
	w := &Writer{Locks: coord.NewFileLocks(t.TempDir())}
	ctx := context.Background()
	var last string
	for i := range journalMaxEntries + 2*journalSlack {
		e, _, err := w.Append(ctx, path, Entry{Title: fmt.Sprintf("n%d", i), Body: "body"})
		if err != nil {
			t.Fatal(err)
		}
		last = e.ID
	}
	j, ok := loadJournal(w.Locks.JournalFile(path))
	if !ok || !j.lazy {
		t.Fatal("the journal did not load as written by appends")
	}
	if n := bytes.Count(j.raw, []byte("\n")); n > journalMaxEntries+journalSlack {
		t.Fatalf("the journal holds %d entry lines", n)
	}
	j.decodeEntries()
	j = j.apply(journalDelta{}, fileState{}, time.Now())
	if len(j.Entries) != journalMaxEntries || j.Entries[len(j.Entries)-1].ID != last {
		t.Fatalf("the journal decodes to %d entries ending %s, want %d ending %s", len(j.Entries), j.Entries[len(j.Entries)-1].ID, journalMaxEntries, last)
	}
}
