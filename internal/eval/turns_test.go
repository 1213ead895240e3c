package eval

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/memtomem/memtomem/internal/search"
	"github.com/memtomem/memtomem/internal/store"
)

// A conversation written for this test: two people, two sessions a month
// apart, both baking; the facts sit in turns that name neither speaker nor
// date, and one answer only says where, after the turn that asked.
const chatTurns = `{"_id": "s1:1", "conv": "c", "session": 1, "date": "10:02 am on 14 May, 2023", "speaker": "Ana", "text": "I tried sourdough bread again this weekend."}
{"_id": "s1:2", "conv": "c", "session": 1, "date": "10:02 am on 14 May, 2023", "speaker": "Ben", "text": "Nice. Where did you take that pottery course you mentioned?"}
{"_id": "s1:3", "conv": "c", "session": 1, "date": "10:02 am on 14 May, 2023", "speaker": "Ana", "text": "At a small studio by the harbour in Porto."}
{"_id": "s2:1", "conv": "c", "session": 2, "date": "4:40 pm on 18 June, 2023", "speaker": "Ben", "text": "I tried sourdough bread too, finally."}
{"_id": "s2:2", "conv": "c", "session": 2, "date": "4:40 pm on 18 June, 2023", "speaker": "Ana", "text": "Did it rise?"}
{"_id": "s2:3", "conv": "c", "session": 2, "date": "4:40 pm on 18 June, 2023", "speaker": "Ben", "text": "Barely, but it tasted great."}
`

// ranked indexes the dataset's docs as mm eval does and returns the turn
// ids ranked for text.
func ranked(t *testing.T, docs []Doc, text string) []string {
	t.Helper()
	ctx := context.Background()
	db, err := OpenCorpus(ctx, store.Location{Path: filepath.Join(t.TempDir(), "c.db")}, docs, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids, err := RankQuery(ctx, &search.Engine{Store: db}, text, 10, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return dedupe(ids)
}

func loadChat(t *testing.T) *Dataset {
	t.Helper()
	dir := writeFiles(t, map[string]string{"turns.jsonl": chatTurns,
		"queries.jsonl": `{"_id": "q", "conv": "c", "question": "x"}` + "\n", "qrels/dev.tsv": "q\ts1:1\t1\n"})
	ds, err := Load(dir, "dev")
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// Both speakers baked sourdough; the speaker and the month the question
// names pick Ben's turn of June, which says neither.
func TestTurnFoundBySpeakerAndDate(t *testing.T) {
	ds := loadChat(t)
	got := ranked(t, ds.Docs, "When did Ben try sourdough bread in June?")
	if len(got) == 0 || got[0] != "s2:1" {
		t.Errorf("ranking %v, want s2:1 first", got)
	}
	got = ranked(t, ds.Docs, "What bread did Ana try in May 2023?")
	if len(got) == 0 || got[0] != "s1:1" {
		t.Errorf("ranking %v, want s1:1 first", got)
	}
}

// The answer ("a small studio in Porto") shares no word with the question;
// the turn before it, which asked, does, and the answer quotes it.
func TestTurnAfterTheMatchFound(t *testing.T) {
	ds := loadChat(t)
	got := ranked(t, ds.Docs, "Where did Ana take the pottery course?")
	if i := slices.Index(got, "s1:3"); i < 0 || i > 2 {
		t.Errorf("ranking %v, want the answer s1:3 in the top 3", got)
	}
}

// Every turn is one memory entry, mapped back to its turn id exactly.
func TestTurnChunksMapToTurns(t *testing.T) {
	ds := loadChat(t)
	chunks, err := corpusChunks(ds.Docs)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range chunks {
		ids = append(ids, c.EntryID)
	}
	want := []string{"s1:1", "s1:2", "s1:3", "s2:1", "s2:2", "s2:3"}
	if !slices.Equal(ids, want) {
		t.Errorf("chunk turn ids %v, want %v", ids, want)
	}
	if c := chunks[2]; !slices.Equal(c.Hierarchy, []string{"Ana · 14 May 2023"}) ||
		c.Content != "## Ana · 14 May 2023\n\n> Ben: Nice. Where did you take that pottery course you mentioned?\n\nAt a small studio by the harbour in Porto." {
		t.Errorf("third turn's chunk: %q %q", c.Hierarchy, c.Content)
	}
}

// Documents that are not turns (SciFact and every corpus.jsonl) are one
// chunk each, the title as its heading, as before conversations were
// written.
func TestDocumentsIndexedAsBefore(t *testing.T) {
	dir := writeFiles(t, map[string]string{"corpus.jsonl": `{"_id": "d1", "title": "Kettle", "text": "descale monthly", "speaker": "not a turn"}
{"_id": "d2", "text": "no title here"}
`, "queries.jsonl": `{"_id": "q", "text": "kettle"}` + "\n", "qrels/test.tsv": "q\td1\t1\n"})
	ds, err := Load(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	chunks, err := corpusChunks(ds.Docs)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Chunk{
		{Source: "/", Hierarchy: []string{"Kettle"}, Content: "descale monthly", ContentHash: "d1", EntryID: "d1", Namespace: "default"},
		{Source: "/", Content: "no title here", ContentHash: "d2", EntryID: "d2", Namespace: "default"},
	}
	if len(chunks) != len(want) {
		t.Fatalf("%d chunks, want %d", len(chunks), len(want))
	}
	for i := range want {
		if c := chunks[i]; c.Source != want[i].Source || c.Content != want[i].Content || c.ContentHash != want[i].ContentHash ||
			c.EntryID != want[i].EntryID || c.Namespace != want[i].Namespace || !slices.Equal(c.Hierarchy, want[i].Hierarchy) || c.Tags != nil {
			t.Errorf("chunk %d: %+v, want %+v", i, c, want[i])
		}
	}
}
