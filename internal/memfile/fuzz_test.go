package memfile

import (
	"strings"
	"testing"
	"time"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		"## T\n\n> created: 2026-11-26T10:00:00Z\n> id: abc\n> tags: [\"a\"]\n\nbody\n",
		"pre\n## A\n```\n## no\n```\n## B\n~~~\n",
		"## A\r\n> id: x\r\nbody\r\n\r\n## B\r\n",
		"##\n##\t\n   ## x\n    ## y\n###\n",
		"## Entry 2026-01-02T03:04:05Z abc\nb\n## Entry 2026-01-02 03:04:05\n",
		"```` a\n## h\n```\n````\n## i\n",
		"## T\n> created: 9999-12-31T23:59:59-23:59\nb\n",
		"\x00\xff\r\r\n\r",
	} {
		f.Add([]byte(s), "Title", "body\n## sub\n", "tag", "", "abc123", int64(1764151200))
	}
	f.Add([]byte("x"), "", "```\nunclosed", "", "b", "", int64(0))
	f.Add([]byte("x"), " multi\nline\r\n", "\r\n  lead\r\ntrail  \r\r\n", "a<b", "a<b", "ID_1-2", int64(1))
	f.Add([]byte("x"), "Entry", "> quote: fine\nb", "\xff", " ", "has space", int64(-5))
	f.Fuzz(func(t *testing.T, data []byte, title, body, tag1, tag2, id string, sec int64) {
		checkParsed(t, data)
		checkConstructed(t, title, body, []string{tag1, tag2}, id, sec)
	})
}

// checkParsed checks structural invariants of Parse on arbitrary bytes, and
// that every parsed entry survives Render and Parse again.
func checkParsed(t *testing.T, data []byte) {
	entries := Parse(data)
	n := len(splitLines(data))
	prev := 0
	for _, e := range entries {
		if e.StartLine <= prev || e.EndLine < e.StartLine || e.EndLine > n {
			t.Fatalf("bad lines %d-%d (prev end %d, %d lines) in %q", e.StartLine, e.EndLine, prev, n, data)
		}
		prev = e.EndLine
		again := Parse([]byte(e.Render()))
		if len(again) != 1 || !sameContent(again[0], canonical(e)) {
			t.Fatalf("parsed entry %+v from %q did not round-trip: %+v", e, data, again)
		}
	}
}

// checkConstructed renders an entry made of fuzzed fields and parses it back.
func checkConstructed(t *testing.T, title, body string, tags []string, id string, sec int64) {
	e := Entry{Title: title, Body: body, Meta: Meta{Tags: tags}}
	if ValidID(id) {
		e.ID = id
	}
	if sec > 0 {
		e.Created = time.Unix(sec%253402300799, 0)
	}
	// Every body reads back exactly, whatever markup it holds; only a
	// title that reads as the generated "Entry <time> <id>" is ambiguous.
	if strings.HasPrefix(normTitle(title), "Entry") {
		return
	}
	r := e.Render()
	got := Parse([]byte(r))
	if len(got) != 1 {
		t.Fatalf("%q parsed into %d entries", r, len(got))
	}
	want := canonical(e)
	if !sameContent(got[0], want) {
		t.Fatalf("round trip of %q:\ngot  %+v\nwant %+v", r, got[0], want)
	}
	if got[0].StartLine != 1 || got[0].EndLine != strings.Count(r, "\n") {
		t.Fatalf("lines %d-%d for %q", got[0].StartLine, got[0].EndLine, r)
	}
}

func FuzzParseMetaLine(f *testing.F) {
	for _, s := range []string{
		"> created: 2026-11-26T10:00:00Z",
		"> created: 2026-11-26T10:00:00.123456789+05:30",
		"> created: 2026-11-26 10:00:00",
		"> created: 2026-11-26",
		"> created: 9999-12-31T23:59:59-23:59",
		"> id: 3f9a0c1d2e4b",
		"> ID : x_y-z\r",
		"> tags: [\"a\",\" b \",\"a\",\"\"]",
		"> tags: [\"\\ud800\"]",
		"> tags: null",
		"> note: hi",
		">id:",
		"not meta",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var m Meta
		if !ParseMetaLine(line, &m) {
			if m.ID != "" || !m.Created.IsZero() || m.Tags != nil {
				t.Fatalf("rejected %q but changed meta to %+v", line, m)
			}
			return
		}
		var m2 Meta
		if !ParseMetaLine(line+"\r", &m2) || !sameContent(Entry{Meta: m}, Entry{Meta: m2}) {
			t.Fatalf("%q parses differently with CRLF", line)
		}
		// Whatever was accepted must be written back so it parses the same.
		e := Entry{Title: "T", Meta: m, Body: "b"}
		got := Parse([]byte(e.Render()))
		if len(got) != 1 || !sameContent(got[0], canonical(e)) {
			t.Fatalf("meta from %q did not round-trip: %+v -> %q -> %+v", line, m, e.Render(), got)
		}
	})
}
