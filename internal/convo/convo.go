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
//	> Melanie: … What's up with you? Anything new?
//
//	I went to a LGBTQ support group yesterday and it was so powerful.
//
// The heading names the speaker and the session's date in words, the body
// quotes the turn it replies to (the one before it, as an e-mail reply
// does), then says the turn. Both live in the markdown, not only in the
// index, so the file reads as a transcript, a rebuilt index gets the same
// chunks, an entry appended later needs nothing but the turn before it,
// and edit and delete see the chunk's text inside its entry. Only the end
// of the turn before is quoted (see QuoteSentences): measured on LoCoMo
// (docs/benchmarks.md), the turn after costs more ranking than it finds,
// and two turns before find slightly more but rank worse.
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

// A turn quotes the end of the turn before it: its last QuoteSentences
// sentences, at most QuoteChars characters. The end is what a reply
// answers (the question usually comes last), and quoting little keeps
// the turn before from ranking its successor's words as its own: on
// LoCoMo, quoting the whole turn found as much but ranked worse (nDCG@10
// 0.533 against 0.569), one sentence found less (Recall@10 0.743 against
// 0.764).
const (
	QuoteSentences = 2
	QuoteChars     = 400
)

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

// quote is the end of the previous turn as a one-line reply quote:
// "> Speaker: … last sentences".
func quote(prev Turn) string {
	text := oneLine(prev.Text)
	if text == "" {
		return ""
	}
	if s := sentences(text); len(s) > QuoteSentences {
		text = "… " + strings.Join(s[len(s)-QuoteSentences:], " ")
	}
	if r := []rune(text); len(r) > QuoteChars {
		tail := string(r[len(r)-QuoteChars:])
		if i := strings.IndexByte(tail, ' '); i >= 0 && i < len(tail)-1 {
			tail = tail[i+1:] // start at a word
		}
		text = "… " + tail
	}
	if s := oneLine(prev.Speaker); s != "" {
		text = s + ": " + text
	}
	return "> " + text
}

// sentences splits one line of text after each '.', '?' or '!' (or a run
// of them) that a space follows; the last piece need not end in one.
func sentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		if !strings.ContainsRune(".?!", rune(text[i])) {
			continue
		}
		j := i
		for j+1 < len(text) && strings.ContainsRune(".?!", rune(text[j+1])) {
			j++
		}
		if j+1 < len(text) && text[j+1] == ' ' {
			out = append(out, text[start:j+1])
			start = j + 2
		}
		i = j
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
