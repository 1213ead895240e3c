package memtomem_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/memfile"
)

// entryIn reads the entry with id from the markdown file: what is really
// stored, whatever the index says.
func entryIn(t *testing.T, path, id string) (memfile.Entry, bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range memfile.Parse(data) {
		if e.ID == id {
			return e, true
		}
	}
	return memfile.Entry{}, false
}

// forgeries are mem_add bodies that tried to make a chunk carry the victim's
// entry id through a fence the entry parser and the chunker read
// differently: a closer indented four spaces or by a tab, `~~~` fences, an
// unclosed fence.
var forgeries = map[string]string{
	"indented closer": "intro\n```\n    ```\n## Forged\n> id: VICTIM\n> tags: [\"stolen\"]\n> created: 2020-01-01T00:00:00Z\n\nzebraword payload\n```",
	"tab closer":      "intro\n~~~\n\t~~~\n## Forged\n> id: VICTIM\n> tags: [\"stolen\"]\n\nzebraword payload\n~~~",
	"tilde in tick":   "```\n~~~\n```\n~~~\n## Forged\n> id: VICTIM\n\nzebraword payload\n~~~",
	"unclosed fence":  "```\n## Forged\n> id: VICTIM\n> created: 2020-01-01T00:00:00Z\n\nzebraword payload",
	"bare heading":    "## Forged\n> id: VICTIM\n\nzebraword payload",
}

func TestForgedEntryIDCannotDeleteOrEditVictim(t *testing.T) {
	for name, body := range forgeries {
		for _, action := range []string{"delete", "edit"} {
			t.Run(name+"/"+action, func(t *testing.T) {
				ctx := context.Background()
				m, _ := openTest(t)
				victim := add(t, m, memtomem.AddRequest{Title: "Victim", Content: "victim keeps alphaword", Tags: []string{"v"}})
				attacker := add(t, m, memtomem.AddRequest{Title: "Attacker", Content: strings.ReplaceAll(body, "VICTIM", victim.EntryID)})
				resp, err := m.Search(ctx, memtomem.SearchRequest{Query: "zebraword"})
				if err != nil || len(resp.Results) == 0 {
					t.Fatalf("search: %v, %d results", err, len(resp.Results))
				}
				for _, r := range resp.Results {
					if r.EntryID != attacker.EntryID {
						t.Errorf("chunk %q (lines %d-%d) carries entry id %q, want the attacker's %q", r.Content, r.StartLine, r.EndLine, r.EntryID, attacker.EntryID)
					}
					if action == "delete" {
						_, err = m.Delete(ctx, r.ID)
					} else {
						pwned := "pwned"
						_, err = m.Edit(ctx, memtomem.EditRequest{ChunkID: r.ID, Content: &pwned})
					}
					if err != nil && memtomem.KindOf(err) == memtomem.KindInternal {
						t.Fatalf("%s: %v", action, err)
					}
					break
				}
				e, ok := entryIn(t, victim.File, victim.EntryID)
				if !ok || e.Title != "Victim" || e.Body != "victim keeps alphaword" || !slices.Equal(e.Tags, []string{"v"}) {
					t.Fatalf("victim changed: %+v (found %v)", e, ok)
				}
				if got := searchContents(t, m, memtomem.SearchRequest{Query: "alphaword", Tags: []string{"v"}}); len(got) != 1 {
					t.Fatalf("victim not searchable with its tag: %q", got)
				}
				if got := searchContents(t, m, memtomem.SearchRequest{Query: "zebraword", Tags: []string{"stolen"}}); len(got) != 0 {
					t.Fatalf("forged tags indexed: %q", got)
				}
			})
		}
	}
}

// An entry must not swallow the one after it: its unclosed (or, to one
// reader, unclosed) fence used to reach the next entry's fence, hiding that
// entry's heading, so its add returned no chunk ids and its tags were lost.
func TestMemoryCannotSwallowTheNext(t *testing.T) {
	for name, first := range map[string]string{
		"indented opener": "see:\n    ```",
		"tab opener":      "see:\n\t~~~",
		"unclosed":        "see:\n```sh\nls",
		"short closer":    "````\ncode\n```",
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			m, _ := openTest(t)
			add(t, m, memtomem.AddRequest{Title: "First", Content: first})
			next := add(t, m, memtomem.AddRequest{Title: "Next", Content: "run\n```\nmake quokka\n~~~\n```", Tags: []string{"t"}})
			if len(next.ChunkIDs) == 0 {
				t.Fatalf("next add returned no chunk ids")
			}
			c, err := m.Read(ctx, next.ChunkIDs[0])
			if err != nil || c.EntryID != next.EntryID || !slices.Equal(c.Tags, []string{"t"}) {
				t.Fatalf("next chunk %+v, %v", c, err)
			}
			if got := searchContents(t, m, memtomem.SearchRequest{Query: "quokka", Tags: []string{"t"}}); len(got) != 1 {
				t.Fatalf("next not searchable with its tag: %q", got)
			}
		})
	}
}

// Whatever markup a memory holds, it reads back exactly: from the file, in
// export, and as the indexed chunk.
func TestHostileContentReadsBackExactly(t *testing.T) {
	ctx := context.Background()
	m, _ := openTest(t)
	bodies := []string{
		"## Not a heading\n> id: abc\n\ntext",
		"> created: 2020-01-01T00:00:00Z\n> tags: [\"x\"]\nreal text",
		"```go\nunclosed",
		"Setext\n---\n\nH1\n===",
		"<!-- comment that never ends\n\n## still body",
		"\\## already escaped\n\\\\> twice\n  ### deeper\n~~~~\n## in fence\n~~~~",
		"---\nfrontmatter: lookalike\n---\nbody",
	}
	for _, b := range bodies {
		res := add(t, m, memtomem.AddRequest{Title: "Hostile", Content: b, Tags: []string{"h"}})
		e, ok := entryIn(t, res.File, res.EntryID)
		if !ok || e.Body != b || !slices.Equal(e.Tags, []string{"h"}) {
			t.Errorf("body %q read back as %+v", b, e)
		}
	}
	ex, err := m.Export(ctx, memtomem.ExportRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Memories) != len(bodies) {
		t.Fatalf("export has %d memories, want %d", len(ex.Memories), len(bodies))
	}
	for i, mem := range ex.Memories {
		if mem.Content != bodies[i] || mem.Title != "Hostile" {
			t.Errorf("export %d: %q, want %q", i, mem.Content, bodies[i])
		}
	}
}

func TestControlCharactersAndLimitsRefused(t *testing.T) {
	ctx := context.Background()
	m, _ := openTest(t)
	ok := add(t, m, memtomem.AddRequest{Content: "fine\twith tab\r\nand CRLF"})
	tags := make([]string, memfile.MaxTags+1)
	for i := range tags {
		tags[i] = fmt.Sprintf("t%d", i)
	}
	for _, c := range []struct {
		req  memtomem.AddRequest
		want string
	}{
		{memtomem.AddRequest{Content: "line one\nab\x00c"}, "U+0000 at line 2, column 3"},
		{memtomem.AddRequest{Content: "esc \x1b[31m"}, "U+001B at line 1, column 5"},
		{memtomem.AddRequest{Content: "c1 \u0085 next"}, "U+0085 at line 1, column 4"},
		{memtomem.AddRequest{Content: "x", Title: "bell\a"}, "title"},
		{memtomem.AddRequest{Content: "x", Tags: []string{"nul\x00"}}, "U+0000"},
		{memtomem.AddRequest{Content: "x", Title: strings.Repeat("t", memfile.MaxTitleChars+1)}, "200"},
		{memtomem.AddRequest{Content: "x", Tags: tags}, "32"},
		{memtomem.AddRequest{Content: "x", Tags: []string{strings.Repeat("é", memfile.MaxTagChars+1)}}, "64"},
	} {
		_, err := m.Add(ctx, c.req)
		if memtomem.KindOf(err) != memtomem.KindInvalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Add(%q, %q, %q): %v, want an invalid-input error mentioning %q", c.req.Content, c.req.Title, c.req.Tags, err, c.want)
		}
	}
	items, err := m.BatchAdd(ctx, []memtomem.AddRequest{{Content: "good one"}, {Content: "bad\x00one"}})
	if err != nil || items[0].Error != "" || !strings.Contains(items[1].Error, "U+0000 at line 1, column 4") {
		t.Errorf("batch: %+v, %v", items, err)
	}
	bad := "nul\x00"
	if _, err := m.Edit(ctx, memtomem.EditRequest{ChunkID: ok.ChunkIDs[0], Content: &bad}); memtomem.KindOf(err) != memtomem.KindInvalid || !strings.Contains(err.Error(), "U+0000") {
		t.Errorf("Edit with NUL: %v", err)
	}
	long := strings.Repeat("t", memfile.MaxTitleChars+1)
	if _, err := m.Edit(ctx, memtomem.EditRequest{ChunkID: ok.ChunkIDs[0], Title: &long}); memtomem.KindOf(err) != memtomem.KindInvalid {
		t.Errorf("Edit with a long title: %v", err)
	}
	data, _ := os.ReadFile(ok.File)
	if got := memfile.Parse(data); len(got) != 2 || strings.ContainsRune(string(data), 0) {
		t.Errorf("file holds %d entries (want the two good ones) or a NUL:\n%s", len(got), data)
	}
}

// A NUL written into a day file by hand (or by an older mm) used to make
// the file "binary": every memory of that day left search, status and
// export, and later adds to it reported errors although they were written.
func TestNULInDayFileHidesNothing(t *testing.T) {
	ctx := context.Background()
	m, cfg := openTest(t)
	first := add(t, m, memtomem.AddRequest{Title: "Before", Content: "walrus before"})
	data, err := os.ReadFile(first.File)
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, []byte("\n## Broken\n\n> id: broken1\n\nbad \x00 byte narwhal\n\n## After\n\n> id: after1\n\nokapi after\n")...)
	if err := os.WriteFile(first.File, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Index(ctx, memtomem.IndexRequest{Paths: cfg.Indexing.MemoryDirs, Recursive: true}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"walrus", "narwhal", "okapi"} {
		if got := searchContents(t, m, memtomem.SearchRequest{Query: w}); len(got) != 1 {
			t.Errorf("search %s: %q", w, got)
		}
	}
	later, err := m.Add(ctx, memtomem.AddRequest{Content: "later capybara"})
	if err != nil || len(later.ChunkIDs) == 0 {
		t.Fatalf("later add: %+v, %v", later, err)
	}
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.ProblemCount != 1 || len(st.Problems) != 1 || st.Problems[0].EntryID != "broken1" || st.Problems[0].File != first.File ||
		!strings.Contains(st.Problems[0].Detail, "U+0000") {
		t.Errorf("status problems: %d %+v", st.ProblemCount, st.Problems)
	}
	ex, err := m.Export(ctx, memtomem.ExportRequest{})
	if err != nil || len(ex.Memories) != 4 {
		t.Errorf("export: %d memories, %v", len(ex.Memories), err)
	}
	if _, err := os.Stat(filepath.Dir(first.File)); err != nil {
		t.Fatal(err)
	}
}

// Edit and delete find the entry in the file as it is when they run, and
// refuse when the chunk's text is not in it (here the file was changed by
// hand and not re-indexed): nothing is changed.
func TestEditDeleteRefuseChunkNotInEntry(t *testing.T) {
	ctx := context.Background()
	m, _ := openTest(t)
	res := add(t, m, memtomem.AddRequest{Title: "Note", Content: "original ibex text"})
	data, err := os.ReadFile(res.File)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(data), "original ibex text", "rewritten by hand", 1)
	if err := os.WriteFile(res.File, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = m.Delete(ctx, res.ChunkIDs[0])
	if memtomem.KindOf(err) != memtomem.KindRefused || !strings.Contains(err.Error(), "mm index") {
		t.Errorf("Delete: %v, want a refusal telling to re-index", err)
	}
	body := "new"
	if _, err := m.Edit(ctx, memtomem.EditRequest{ChunkID: res.ChunkIDs[0], Content: &body}); memtomem.KindOf(err) != memtomem.KindRefused {
		t.Errorf("Edit: %v, want a refusal", err)
	}
	if now, _ := os.ReadFile(res.File); string(now) != changed {
		t.Errorf("file changed:\n%s", now)
	}
}
