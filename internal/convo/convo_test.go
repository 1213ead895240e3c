package convo

import (
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/chunk"
	"github.com/memtomem/memtomem/internal/memfile"
)

var may8 = time.Date(2023, 5, 8, 13, 56, 0, 0, time.UTC)

func session() []Turn {
	return []Turn{
		{ID: "t1", Speaker: "Ana", Text: "Morning! How was the weekend?", Time: may8},
		{ID: "t2", Speaker: "Ben", Text: "Long. We moved flats. The boxes are everywhere. Did you finish the kiln?", Time: may8},
		{ID: "t3", Speaker: "Ana", Text: "Yes, it fired its first bowls on Saturday.", Time: may8},
	}
}

// A turn is written with its speaker and date in the heading and the end
// of the turn before quoted, and reads back from the markdown exactly.
func TestEntriesWriteSpeakerDateAndReply(t *testing.T) {
	entries := Entries("kiln", session())
	if len(entries) != 3 {
		t.Fatalf("%d entries, want 3", len(entries))
	}
	first, third := entries[0], entries[2]
	if first.Title != "Ana · 8 May 2023" || !first.Created.Equal(may8) || first.ID != "t1" {
		t.Errorf("first turn: title %q, created %v, id %q", first.Title, first.Created, first.ID)
	}
	if first.Body != "Morning! How was the weekend?" {
		t.Errorf("the first turn quotes nothing before it: %q", first.Body)
	}
	// Ben's turn has four sentences; Ana's quotes the last two.
	want := "> Ben: … The boxes are everywhere. Did you finish the kiln?\n\nYes, it fired its first bowls on Saturday."
	if third.Body != want {
		t.Errorf("third body:\n%s\nwant:\n%s", third.Body, want)
	}

	var file strings.Builder
	for _, e := range entries {
		file.WriteString(e.Render() + "\n")
	}
	back := memfile.Parse([]byte(file.String()))
	if len(back) != 3 {
		t.Fatalf("parsed %d entries back, want 3", len(back))
	}
	for i, e := range back {
		if e.Title != entries[i].Title || e.Body != entries[i].Body || e.ID != entries[i].ID || e.Tags[0] != Tag {
			t.Errorf("entry %d reads back as %+v, wrote %+v", i, e, entries[i])
		}
	}
	// The chunker cuts one chunk a turn, carrying the turn's id and the
	// speaker, date and quote in what it indexes.
	chunks := chunk.Split("chat.md", []byte(file.String()), chunk.DefaultOptions())
	if len(chunks) != 3 {
		t.Fatalf("%d chunks, want one a turn", len(chunks))
	}
	c := chunks[2]
	if c.EntryID != "t3" || !strings.Contains(c.Content, "Ana · 8 May 2023") || !strings.Contains(c.Content, "finish the kiln") {
		t.Errorf("third chunk: id %q, content %q", c.EntryID, c.Content)
	}
}

func TestTitleWithoutTimeOrSpeaker(t *testing.T) {
	for _, tc := range []struct {
		turn Turn
		want string
	}{
		{Turn{Speaker: "Ana", Date: "1:56 pm on 8 May, 2023"}, "Ana · 8 May 2023"},
		{Turn{Speaker: "Ana", Date: "the day after the fair"}, "Ana · the day after the fair"},
		{Turn{Speaker: " Ana\n Lee "}, "Ana Lee"},
		{Turn{Time: may8}, "8 May 2023"},
		{Turn{Speaker: strings.Repeat("a", 300)}, strings.Repeat("a", memfile.MaxTitleChars)},
	} {
		if got := Title(tc.turn); got != tc.want {
			t.Errorf("Title(%+v) = %q, want %q", tc.turn, got, tc.want)
		}
	}
}

// A long turn before is quoted from its end, at most QuoteChars, starting
// at a word.
func TestQuoteIsBounded(t *testing.T) {
	long := strings.Repeat("word ", 300) + "and the question?"
	q := quote(Turn{Speaker: "Ben", Text: long})
	body := strings.TrimPrefix(q, "> Ben: … ")
	if body == q || len([]rune(body)) > QuoteChars || !strings.HasSuffix(q, "and the question?") || strings.HasPrefix(body, "ord") {
		t.Errorf("quote of a long turn: %q", q)
	}
	if strings.Contains(quote(Turn{Text: "one\ntwo"}), "\n") {
		t.Error("a quote must stay on one line")
	}
	if quote(Turn{Speaker: "Ben", Text: "  "}) != "" {
		t.Error("an empty turn is not quoted")
	}
}

// Ids the transcript gives are kept when memory ids can hold them; others
// are derived, the same every time, distinct per conversation.
func TestEntryID(t *testing.T) {
	if got := EntryID("c", "turn_7", 0); got != "turn_7" {
		t.Errorf("valid id changed to %q", got)
	}
	a, b := EntryID("c1", "D1:3", 0), EntryID("c2", "D1:3", 0)
	if a == b || !memfile.ValidID(a) || a != EntryID("c1", "D1:3", 5) {
		t.Errorf("derived ids %q %q", a, b)
	}
	if EntryID("c1", "", 0) == EntryID("c1", "", 1) {
		t.Error("turns without ids need their place in the id")
	}
}

func TestParseTime(t *testing.T) {
	for _, s := range []string{"1:56 pm on 8 May, 2023", "1:56 PM on 8 May, 2023", " 1:56  pm on 8 May 2023 ",
		"2023-05-08T13:56:00Z", "2023-05-08T15:56:00+02:00", "2023-05-08 13:56"} {
		got, err := ParseTime(s)
		if err != nil || !got.Equal(may8) {
			t.Errorf("ParseTime(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"2023-05-08", "8 May 2023", "May 8, 2023"} {
		if got, err := ParseTime(s); err != nil || !got.Equal(time.Date(2023, 5, 8, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("ParseTime(%q) = %v, %v", s, got, err)
		}
	}
	_, err := ParseTime("last Tuesday")
	if err == nil || !strings.Contains(err.Error(), "RFC 3339") {
		t.Errorf("an unreadable date must say how to write one: %v", err)
	}
}

// Whatever a transcript holds, its turns are written as entries that read
// back exactly, one chunk set per entry, each carrying its turn's id.
func FuzzEntries(f *testing.F) {
	f.Add("Ana", "Morning! How was it?", "Ben", "## Heading\n> id: x\n```", "1:56 pm on 8 May, 2023")
	f.Add("> created: now", "---", "", "", "")
	f.Fuzz(func(t *testing.T, s1, t1, s2, t2, date string) {
		turns := []Turn{{Speaker: s1, Text: t1, Date: date}, {Speaker: s2, Text: t2, Date: date}}
		for _, tr := range turns {
			if memfile.CheckText(tr.Text) != nil || memfile.CheckText(tr.Speaker) != nil || memfile.CheckText(date) != nil ||
				strings.TrimSpace(tr.Text) == "" {
				return // mm import refuses such turns before they are written
			}
		}
		entries := Entries("c", turns)
		var file strings.Builder
		for _, e := range entries {
			file.WriteString(e.Render() + "\n")
		}
		back := memfile.Parse([]byte(file.String()))
		if len(back) != len(entries) {
			t.Fatalf("%d entries read back, wrote %d:\n%s", len(back), len(entries), file.String())
		}
		for i, e := range back {
			if e.Body != entries[i].Body || e.ID != entries[i].ID {
				t.Fatalf("entry %d reads back as %q (id %q), wrote %q (id %q)", i, e.Body, e.ID, entries[i].Body, entries[i].ID)
			}
		}
		for _, c := range chunk.Split("chat.md", []byte(file.String()), chunk.DefaultOptions()) {
			if c.EntryID != entries[0].ID && c.EntryID != entries[1].ID {
				t.Fatalf("chunk at lines %d-%d carries id %q", c.StartLine, c.EndLine, c.EntryID)
			}
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"1:56 pm on 8 May, 2023", "2023-05-08T13:56:00Z", "2023-05-08", "May 8, 2023", "0000-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		if err != nil {
			return
		}
		if tm.Location() != time.UTC || tm.Year() < 1 || tm.Year() > 9999 {
			t.Fatalf("ParseTime(%q) = %v", s, tm)
		}
		// What a title writes of it reads back as the same day.
		day, err := ParseTime(tm.Format("2 January 2006"))
		if err != nil || day.Format("2006-01-02") != tm.Format("2006-01-02") {
			t.Fatalf("day of %q does not read back: %v %v", s, day, err)
		}
	})
}
