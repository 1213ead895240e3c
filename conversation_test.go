package memtomem_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/memfile"
)

// A small transcript written for this test: two sessions, turns that say
// what happened without naming who or when.
const transcript = `{"speaker": "Ana", "text": "Where did you learn to throw pots?", "date": "2023-05-14T10:02:00Z", "session": 1}
{"speaker": "Ben", "text": "At a small studio by the harbour in Porto.", "date": "2023-05-14T10:02:00Z", "session": 1}

{"speaker": "Ben", "text": "I baked sourdough bread.", "date": "4:40 pm on 18 June, 2023", "session": 2, "id": "june_1"}
{"speaker": "Ana", "text": "I baked sourdough bread as well!", "date": "4:40 pm on 18 June, 2023", "session": 2}
`

// mm import of a transcript writes a memory a turn, titled by speaker and
// date, quoting the turn before; the answer to a question naming the
// speaker is found, and importing again adds nothing.
func TestImportConversation(t *testing.T) {
	if !memtomem.IsConversation([]byte(strings.SplitN(transcript, "\n", 2)[0])) {
		t.Fatal("a transcript line is not recognised")
	}
	if memtomem.IsConversation([]byte(`{"id": "x", "content": "an export", "speaker": "a", "text": "b"}`)) {
		t.Error("an export line read as a transcript")
	}
	mems, turns, sessions, err := memtomem.ReadConversation(strings.NewReader(transcript), "default")
	if err != nil || turns != 4 || sessions != 2 || len(mems) != 4 {
		t.Fatalf("ReadConversation: %d memories, %d turns, %d sessions, %v", len(mems), turns, sessions, err)
	}
	if mems[1].Title != "Ben · 14 May 2023" || mems[1].Content != "> Ana: Where did you learn to throw pots?\n\nAt a small studio by the harbour in Porto." {
		t.Errorf("second turn: %+v", mems[1])
	}
	if mems[2].ID != "june_1" || mems[2].Content != "I baked sourdough bread." || mems[2].Created.Hour() != 16 {
		t.Errorf("the first turn of a session quotes nothing and keeps its id: %+v", mems[2])
	}
	for _, mem := range mems {
		if !memfile.ValidID(mem.ID) || len(mem.Tags) != 1 || mem.Tags[0] != "conversation" {
			t.Errorf("memory %+v: want a valid id and the conversation tag", mem)
		}
	}

	m, _ := openTest(t)
	ctx := context.Background()
	exp := memtomem.Export{Version: memtomem.ExportVersion, Memories: mems}
	if res, err := m.Import(ctx, exp); err != nil || res.Added != 4 {
		t.Fatalf("Import: %+v %v", res, err)
	}
	got := searchContents(t, m, memtomem.SearchRequest{Query: "Where did Ben learn to throw pots?"})
	if len(got) == 0 || !strings.Contains(got[0], "Porto") {
		t.Errorf("the answer is not first: %q", got)
	}
	got = searchContents(t, m, memtomem.SearchRequest{Query: "What did Ben bake in June?"})
	if len(got) == 0 || !strings.Contains(got[0], "## Ben · 18 June 2023") {
		t.Errorf("Ben's turn of June is not first: %q", got)
	}
	again, _, _, _ := memtomem.ReadConversation(strings.NewReader(transcript), "default")
	if res, err := m.Import(ctx, memtomem.Export{Version: memtomem.ExportVersion, Memories: again}); err != nil || res.Added != 0 || res.Skipped != 4 {
		t.Errorf("second import: %+v %v", res, err)
	}
}

func TestReadConversationErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"speaker": "Ana"}`, `line 1: a turn needs a "text"`},
		{"\n" + `{"speaker": "Ana", "text": "hi", "date": "last Tuesday"}`, `line 2: date "last Tuesday" is not a time`},
		{`{"speaker": "Ana", "text": "hi"}` + "\nnot json", "line 2 is not a conversation turn"},
		{`{"speaker": ["Ana"], "text": "hi"}`, "line 1 is not a conversation turn"},
	} {
		_, _, _, err := memtomem.ReadConversation(strings.NewReader(tc.in), "default")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadConversation(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
	// Numbers serve as ids, sessions and conversations.
	mems, _, sessions, err := memtomem.ReadConversation(strings.NewReader(`{"_id": 7, "speaker": "Ana", "text": "hi", "session": 1, "conv": 3}
{"_id": 8, "speaker": "Ben", "text": "hello", "session": 2, "conv": 3}
`), "default")
	if err != nil || sessions != 2 || mems[0].ID != "7" || mems[1].Content != "hello" {
		t.Errorf("numeric fields: %+v %d %v", mems, sessions, err)
	}
}

// Any input either fails with an error or gives memories of the shape mm
// import writes: a valid id, a one-line title that fits, and text. (Control
// characters pass through, for the import's own checks to refuse with the
// memory's number, as for every other format.)
func FuzzReadConversation(f *testing.F) {
	f.Add([]byte(transcript))
	f.Add([]byte(`{"_id": 1e400, "speaker": null, "text": "x", "time": "2023-05-08"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		mems, turns, _, err := memtomem.ReadConversation(strings.NewReader(string(in)), "default")
		if err != nil {
			return
		}
		if len(mems) != turns {
			t.Fatalf("%d memories of %d turns", len(mems), turns)
		}
		for _, mem := range mems {
			if !memfile.ValidID(mem.ID) || utf8.RuneCountInString(mem.Title) > memfile.MaxTitleChars ||
				strings.ContainsAny(mem.Title, "\r\n") || strings.TrimSpace(mem.Content) == "" {
				t.Fatalf("memory not writable: %+v", mem)
			}
		}
	})
}
