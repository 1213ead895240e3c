package memfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/coord"
)

var ctx = context.Background()

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.md")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAppend(t *testing.T) {
	for _, tc := range []struct {
		name, old, want string
		start, end      int
	}{
		{"empty file", "", "## T\n\n> created: 2026-11-26T10:00:00Z\n> id: abc\n\nbody\n", 1, 6},
		{"blank file", "\n\n", "## T\n\n> created: 2026-11-26T10:00:00Z\n> id: abc\n\nbody\n", 1, 6},
		{"no trailing newline", "# Notes", "# Notes\n\n## T\n\n> created: 2026-11-26T10:00:00Z\n> id: abc\n\nbody\n", 3, 8},
		{"trailing newline", "# Notes\n", "# Notes\n\n## T\n\n> created: 2026-11-26T10:00:00Z\n> id: abc\n\nbody\n", 3, 8},
		{"trailing blank lines", "# Notes\n\n \n\n", "# Notes\n\n## T\n\n> created: 2026-11-26T10:00:00Z\n> id: abc\n\nbody\n", 3, 8},
		{"CRLF file", "# Notes\r\n", "# Notes\r\n\r\n## T\r\n\r\n> created: 2026-11-26T10:00:00Z\r\n> id: abc\r\n\r\nbody\r\n", 3, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.old)
			got, added, err := newWriter(t).Append(ctx, path, Entry{Title: "T", Meta: Meta{Created: t0, ID: "abc"}, Body: "body\n"})
			if err != nil || !added {
				t.Fatalf("Append: %v added=%v", err, added)
			}
			if s := readFile(t, path); s != tc.want {
				t.Errorf("file %q, want %q", s, tc.want)
			}
			if got.StartLine != tc.start || got.EndLine != tc.end || got.ID != "abc" || got.Body != "body" {
				t.Errorf("returned %+v", got)
			}
		})
	}
}

func TestAppendFillsAndIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.md")
	w := newWriter(t)
	before := time.Now().UTC().Truncate(time.Second)
	e, added, err := w.Append(ctx, path, Entry{Body: "first", Meta: Meta{Tags: []string{"x"}}})
	if err != nil || !added {
		t.Fatal(err, added)
	}
	if !ValidID(e.ID) || len(e.ID) != 12 || e.Created.Before(before) || e.Created.After(time.Now()) || e.Created.Nanosecond() != 0 {
		t.Errorf("filled entry %+v", e)
	}
	e2, added, err := w.Append(ctx, path, Entry{Title: "Other", Body: "second", Meta: Meta{ID: e.ID}})
	if err != nil || added {
		t.Fatalf("retry with same id: %v added=%v", err, added)
	}
	if !sameContent(e, e2) || e2.StartLine != 1 {
		t.Errorf("retry returned %+v, want %+v", e2, e)
	}
	if n := len(Parse([]byte(readFile(t, path)))); n != 1 {
		t.Errorf("%d entries after retry", n)
	}
}

func TestAppendRejects(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.md")
	w := newWriter(t)
	if _, _, err := w.Append(ctx, path, Entry{Title: "T", Body: " \n\t\n"}); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty body: %v", err)
	}
	if _, _, err := w.Append(ctx, path, Entry{Body: "b", Meta: Meta{ID: "has space"}}); !errors.Is(err, ErrInvalidID) {
		t.Errorf("bad id: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("rejected appends created the file")
	}
}

func TestAppendKeepsBodyExactly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.md")
	w := newWriter(t)
	body := "## Details\ntext\n```go\nunclosed"
	e, _, err := w.Append(ctx, path, Entry{Title: "A", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if e.Body != body {
		t.Errorf("body %q, want %q", e.Body, body)
	}
	e2, _, err := w.Append(ctx, path, Entry{Title: "B", Body: "```\nx\n```"})
	if err != nil {
		t.Fatal(err)
	}
	got := Parse([]byte(readFile(t, path)))
	if len(got) != 2 || got[0].ID != e.ID || got[1].ID != e2.ID || got[0].Body != body || got[1].Body != "```\nx\n```" {
		t.Errorf("entries %+v", got)
	}
}

func TestAppendAfterForeignUnclosedFence(t *testing.T) {
	// A foreign file with an unclosed fence: the new entry's bare fence must
	// not close it (which would hide the new heading), and the foreign entry
	// must read as before.
	old := "## Foreign\n```python\ncode\n"
	path := writeFile(t, old)
	before := Parse([]byte(old))
	e, _, err := newWriter(t).Append(ctx, path, Entry{Title: "New", Body: "```\nx\n```"})
	if err != nil {
		t.Fatal(err)
	}
	// A body whose first line reads as metadata stays body.
	e2, _, err := newWriter(t).Append(ctx, path, Entry{Title: "New", Body: "> tags: [\"x\"]\ntext"})
	if err != nil {
		t.Fatal(err)
	}
	got := Parse([]byte(readFile(t, path)))
	if len(got) != 3 || !sameContent(got[0], before[0]) || got[1].ID != e.ID || got[2].ID != e2.ID ||
		got[2].Body != "> tags: [\"x\"]\ntext" || len(got[2].Tags) != 0 {
		t.Errorf("entries %+v", got)
	}
}

func TestWriteRefusesControlCharactersAndOverLimits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.md")
	w := newWriter(t)
	long := strings.Repeat("t", MaxTitleChars+1)
	manyTags := make([]string, MaxTags+1)
	for i := range manyTags {
		manyTags[i] = fmt.Sprintf("t%d", i)
	}
	for _, e := range []Entry{
		{Body: "a\nb\x00c"},
		{Body: "ok", Title: "bell\a"},
		{Body: "ok", Meta: Meta{Tags: []string{"esc\x1b"}}},
		{Body: "ok", Title: long},
		{Body: "ok", Meta: Meta{Tags: manyTags}},
		{Body: "ok", Meta: Meta{Tags: []string{strings.Repeat("x", MaxTagChars+1)}}},
	} {
		if _, _, err := w.Append(ctx, path, e); err == nil {
			t.Errorf("Append(%+v) succeeded", e)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("file written: %v", err)
	}
	_, _, err := w.Append(ctx, path, Entry{Body: "a\nb\x00c"})
	var te *TextError
	if !errors.As(err, &te) || te.Line != 2 || te.Column != 2 || !errors.Is(err, ErrControl) {
		t.Errorf("error %v does not name line 2, column 2", err)
	}
	e, _, err := w.Append(ctx, path, Entry{Body: "fine\ttabs\r\nand CRLF"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Edit(ctx, path, Selector{ID: e.ID}, func(x *Entry) error { x.Body = "nul\x00"; return nil }); !errors.Is(err, ErrControl) {
		t.Errorf("Edit with NUL: %v", err)
	}
}

func TestSelectorTextRefusesOtherEntry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.md")
	w := newWriter(t)
	victim, _, _ := w.Append(ctx, path, Entry{Title: "Victim", Body: "keep me"})
	_, _, _ = w.Append(ctx, path, Entry{Title: "Other", Body: "attacker text"})
	before := readFile(t, path)
	if _, err := w.Delete(ctx, path, Selector{ID: victim.ID, Text: "## Forged\n\nattacker text"}); !errors.Is(err, ErrMismatch) {
		t.Fatalf("Delete: %v, want ErrMismatch", err)
	}
	if _, err := w.Edit(ctx, path, Selector{ID: victim.ID, Text: "attacker text"}, func(x *Entry) error { x.Body = "gone"; return nil }); !errors.Is(err, ErrMismatch) {
		t.Fatalf("Edit: %v, want ErrMismatch", err)
	}
	if readFile(t, path) != before {
		t.Fatal("file changed")
	}
	if _, err := w.Delete(ctx, path, Selector{ID: victim.ID, Text: "## Victim\n\nkeep   me"}); err != nil {
		t.Fatalf("Delete with the entry's own text: %v", err)
	}
}

func TestConcurrentAppendGoroutines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.md")
	run := t.TempDir()
	const n = 20
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			w := &Writer{Locks: coord.NewFileLocks(run)}
			e, added, err := w.Append(ctx, path, Entry{Title: fmt.Sprintf("g%d", i), Body: fmt.Sprintf("body %d", i)})
			if err != nil || !added {
				t.Errorf("append %d: %v %v", i, err, added)
			}
			ids[i] = e.ID
		})
	}
	wg.Wait()
	checkWellFormed(t, path, n)
	count := map[string]int{}
	for _, e := range Parse([]byte(readFile(t, path))) {
		count[e.ID]++
	}
	for i, id := range ids {
		if count[id] != 1 {
			t.Errorf("entry %d (%s) present %d times", i, id, count[id])
		}
	}
}

// checkWellFormed asserts the file is exactly want entries in canonical form,
// one blank line apart.
func checkWellFormed(t *testing.T, path string, want int) []Entry {
	t.Helper()
	content := readFile(t, path)
	entries := Parse([]byte(content))
	if len(entries) != want {
		t.Fatalf("%d entries, want %d", len(entries), want)
	}
	var parts []string
	for _, e := range entries {
		parts = append(parts, e.Render())
	}
	if canon := strings.Join(parts, "\n"); canon != content {
		t.Fatalf("file is not well-formed:\n%s", content)
	}
	noTemps(t, filepath.Dir(path))
	return entries
}

// A file with odd formatting everywhere, to prove edits touch nothing else.
const messy = "# My notes  \r\n" +
	"\r\n" +
	"Intro   text\r\n" +
	"\n" +
	"## First\r\n" +
	"> id: first1\r\n" +
	"body one\r\n" +
	"\r\n" +
	"\r\n" +
	"\r\n" +
	"##   Second   \n" +
	"\n" +
	"\n" +
	"> created: 2026-01-02T03:04:05+02:00\n" +
	"> id: second2\n" +
	"second body\t\n" +
	"\n" +
	"## Foreign, no id\n" +
	"text\n" +
	"\n" +
	"## Last\r\n" +
	"> id: last3\r\n" +
	"tail"

func lineRange(content string, start, end int) (int, int) {
	lines := splitLines([]byte(content))
	return lines[start-1].start, lines[end-1].end
}

func TestEditPreservesOtherBytes(t *testing.T) {
	for _, tc := range []struct {
		name string
		sel  Selector
		fn   func(*Entry) error
		want string // the replacement for the entry's lines
	}{
		{"CRLF entry by id", Selector{ID: "first1"}, func(e *Entry) error { e.Body = "new one"; return nil },
			"## First\r\n\r\n> id: first1\r\n\r\nnew one\r\n"},
		{"LF entry by line", Selector{Line: 14}, func(e *Entry) error { e.Tags = []string{"t"}; return nil },
			"## Second\n\n> created: 2026-01-02T01:04:05Z\n> id: second2\n> tags: [\"t\"]\n\nsecond body\t\n"},
		{"foreign entry gets no id", Selector{Line: 18}, func(e *Entry) error { e.Title = "Renamed"; return nil },
			"## Renamed\n\ntext\n"},
		{"last entry keeps missing final newline", Selector{ID: "last3"}, func(e *Entry) error { e.Body += "\nmore"; return nil },
			"## Last\r\n\r\n> id: last3\r\n\r\ntail\r\nmore"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, messy)
			old := Parse([]byte(messy))
			var target Entry
			for _, e := range old {
				if tc.sel.ID != "" && e.ID == tc.sel.ID || tc.sel.ID == "" && tc.sel.Line >= e.StartLine && tc.sel.Line <= e.EndLine {
					target = e
				}
			}
			got, err := newWriter(t).Edit(ctx, path, tc.sel, tc.fn)
			if err != nil {
				t.Fatal(err)
			}
			from, to := lineRange(messy, target.StartLine, target.EndLine)
			want := messy[:from] + tc.want + messy[to:]
			if s := readFile(t, path); s != want {
				t.Errorf("file:\n%q\nwant:\n%q", s, want)
			}
			if got.StartLine != target.StartLine {
				t.Errorf("returned %+v", got)
			}
			after := Parse([]byte(want))
			if !sameContent(got, after[indexOf(after, got.StartLine)]) {
				t.Errorf("returned entry %+v does not match file", got)
			}
		})
	}
}

func indexOf(entries []Entry, start int) int {
	for i, e := range entries {
		if e.StartLine == start {
			return i
		}
	}
	return -1
}

func TestEditNoChangeNoWrite(t *testing.T) {
	path := writeFile(t, messy)
	before, _ := os.Stat(path)
	got, err := newWriter(t).Edit(ctx, path, Selector{ID: "second2"}, func(e *Entry) error { return nil })
	if err != nil || got.ID != "second2" {
		t.Fatal(err, got)
	}
	after, _ := os.Stat(path)
	if !stateOf(before).same(stateOf(after)) {
		t.Error("file rewritten")
	}
}

func TestEditErrors(t *testing.T) {
	path := writeFile(t, messy)
	w := newWriter(t)
	if _, err := w.Edit(ctx, path, Selector{ID: "nope"}, func(*Entry) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing id: %v", err)
	}
	if _, err := w.Edit(ctx, path, Selector{Line: 3}, func(*Entry) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("line in preamble: %v", err)
	}
	if _, err := w.Edit(ctx, path, Selector{}, func(*Entry) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty selector: %v", err)
	}
	boom := errors.New("boom")
	if _, err := w.Edit(ctx, path, Selector{ID: "first1"}, func(*Entry) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("fn error: %v", err)
	}
	if _, err := w.Edit(ctx, path, Selector{ID: "first1"}, func(e *Entry) error { e.Body = ""; return nil }); !errors.Is(err, ErrEmpty) {
		t.Errorf("emptied body: %v", err)
	}
	if _, err := w.Edit(ctx, path, Selector{ID: "first1"}, func(e *Entry) error { e.ID = "a b"; return nil }); !errors.Is(err, ErrInvalidID) {
		t.Errorf("bad id: %v", err)
	}
	if readFile(t, path) != messy {
		t.Error("failed edits changed the file")
	}
	noTemps(t, filepath.Dir(path))
}

func TestEditKeepsBodyExactly(t *testing.T) {
	path := writeFile(t, "## A\n> id: a\nx\n\n## B\n> id: b\ny\n")
	got, err := newWriter(t).Edit(ctx, path, Selector{ID: "a"}, func(e *Entry) error { e.Body = "## split?\n```\nopen"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got.Body != "## split?\n```\nopen" {
		t.Errorf("body %q", got.Body)
	}
	if after := Parse([]byte(readFile(t, path))); len(after) != 2 || after[0].Body != got.Body || after[1].Body != "y" {
		t.Errorf("entries %+v", after)
	}
}

func TestDelete(t *testing.T) {
	for _, tc := range []struct {
		name string
		sel  Selector
		want string
	}{
		{"first", Selector{ID: "first1"}, "# My notes  \r\n\r\nIntro   text\r\n\n" + messy[strings.Index(messy, "##   Second"):]},
		{"middle", Selector{Line: 11}, messy[:strings.Index(messy, "##   Second")] + messy[strings.Index(messy, "## Foreign"):]},
		{"last", Selector{ID: "last3"}, messy[:strings.Index(messy, "text\n\n## Last")] + "text\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, messy)
			before := Parse([]byte(messy))
			got, err := newWriter(t).Delete(ctx, path, tc.sel)
			if err != nil {
				t.Fatal(err)
			}
			if s := readFile(t, path); s != tc.want {
				t.Errorf("file:\n%q\nwant:\n%q", s, tc.want)
			}
			if n := len(Parse([]byte(tc.want))); n != len(before)-1 {
				t.Errorf("%d entries left", n)
			}
			if got.StartLine == 0 || got.Title == "" {
				t.Errorf("returned %+v", got)
			}
		})
	}
}

func TestDeleteAllAppendedEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.md")
	w := newWriter(t)
	var ids []string
	for i := range 3 {
		e, _, err := w.Append(ctx, path, Entry{Body: fmt.Sprint("b", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	if _, err := w.Delete(ctx, path, Selector{ID: ids[1]}); err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, path, 2)
	if _, err := w.Delete(ctx, path, Selector{ID: ids[2]}); err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, path, 1)
	if _, err := w.Delete(ctx, path, Selector{ID: ids[0]}); err != nil {
		t.Fatal(err)
	}
	if s := readFile(t, path); s != "" {
		t.Errorf("file %q", s)
	}
	if _, err := w.Delete(ctx, path, Selector{ID: ids[0]}); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}
