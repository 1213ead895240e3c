// Package convo writes a conversation as memory entries: one entry per
// turn, so that a search finds the turn that says something, and each turn
// written so that its chunk carries what the turn alone does not say.
//
// A turn's words rarely name who is speaking, when, or what they answer
// ("I went yesterday and it was so powerful"), while questions about a
// conversation do ("When did Caroline go to the support group?"). So a
// turn's entry is written as:
//
//	## Caroline · 8 May 2023
//	> created: 2023-05-08T13:56:00Z
//	> id: 3f0c…
//	> tags: ["conversation"]
//
//	> Melanie: Hey Caroline! What's up with you? Anything new?
//
//	I went to a LGBTQ support group yesterday and it was so powerful.
//
// The heading names the speaker and the session's date in words, the body
// quotes the turn it replies to (the one before it, as an e-mail reply
// does), then says the turn. Both live in the markdown, not only in the
// index, so the file reads as a transcript, a rebuilt index gets the same
// chunks, an entry appended later needs nothing but the turn before it,
// and edit and delete see the chunk's text inside its entry. Only the turn
// before is quoted: measured on LoCoMo (docs/benchmarks.md), the turn after
// costs more ranking than it finds, and two turns before find slightly
// more but rank worse.
package convo

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/memtomem/memtomem/internal/memfile"
)

// Turn is one utterance of a conversation.
type Turn struct {
	// ID is the transcript's own id for the turn; "" derives one from the
	// conversation and the turn's place in it (see EntryID).
	ID string
	// Speaker names who speaks; "" writes the turn without a name.
	Speaker string
	// Text is what was said.
	Text string
	// Time is when it was said, or when its session began (zero: unknown).
	Time time.Time
	// Date is the session's date as the transcript wrote it, used in the
	// heading when Time is zero and the text does not parse (ParseTime).
	Date string
}

// QuoteChars bounds how much of the previous turn a turn quotes, in
// characters: enough for the question a turn answers, while a long
// monologue before it is not written out twice.
const QuoteChars = 400

// Tag marks every entry Entries writes, so conversations can be searched
// apart from other memories (mm search --tag conversation).
const Tag = "conversation"

// Entries writes the turns of one session, in the order they were said, as
// memory entries (see the package comment). conversation names the
// conversation the session belongs to; it makes derived ids unique across
// conversations.
func Entries(conversation string, turns []Turn) []memfile.Entry {
	out := make([]memfile.Entry, 0, len(turns))
	for i, t := range turns {
		e := memfile.Entry{Title: Title(t)}
		e.ID = EntryID(conversation, t.ID, i)
		e.Created = t.Time
		e.Tags = []string{Tag}
		body := strings.TrimSpace(t.Text)
		if i > 0 {
			if q := quote(turns[i-1]); q != "" {
				body = q + "\n\n" + body
			}
		}
		e.Body = body
		out = append(out, e)
	}
	return out
}

// Title is a turn's heading: its speaker and its date in words, e.g.
// "Caroline · 8 May 2023". The date is written as people ask for it
// ("in May 2023", "on 8 May"); the time of day is left out because
// questions rarely name it and it adds tokens to every turn of a session.
func Title(t Turn) string {
	var parts []string
	if s := oneLine(t.Speaker); s != "" {
		parts = append(parts, s)
	}
	switch {
	case !t.Time.IsZero():
		parts = append(parts, t.Time.Format("2 January 2006"))
	case t.Date != "":
		if tm, err := ParseTime(t.Date); err == nil {
			parts = append(parts, tm.Format("2 January 2006"))
		} else if d := oneLine(t.Date); d != "" {
			parts = append(parts, d)
		}
	}
	title := strings.Join(parts, " · ")
	if utf8.RuneCountInString(title) > memfile.MaxTitleChars {
		title = string([]rune(title)[:memfile.MaxTitleChars])
	}
	return title
}

// EntryID is the memory id of a turn: the transcript's id when it is a
// valid memory id, else one derived from the conversation and that id (or
// the turn's position when it has none), so importing the same transcript
// twice writes every turn once.
func EntryID(conversation, turnID string, position int) string {
	if memfile.ValidID(turnID) {
		return turnID
	}
	key := turnID
	if key == "" {
		key = "#" + strconv.Itoa(position)
	}
	sum := sha256.Sum256([]byte(conversation + "\x00" + key))
	return "turn-" + hex.EncodeToString(sum[:8])
}

// quote is the previous turn as a reply quote: "> Speaker: text", every
// line quoted, cut at QuoteChars.
func quote(prev Turn) string {
	text := strings.TrimSpace(prev.Text)
	if text == "" {
		return ""
	}
	if r := []rune(text); len(r) > QuoteChars {
		text = strings.TrimSpace(string(r[:QuoteChars])) + "…"
	}
	if s := oneLine(prev.Speaker); s != "" {
		text = s + ": " + text
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight("> "+strings.TrimRight(l, "\r"), " ")
	}
	return strings.Join(lines, "\n")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
