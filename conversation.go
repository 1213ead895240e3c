package memtomem

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/memtomem/memtomem/internal/convo"
)

// A conversation transcript is JSONL, one turn a line, in the order the
// turns were said:
//
//	{"speaker": "Caroline", "text": "I went to a support group yesterday.", "date": "2023-05-08T13:56:00Z", "session": 1, "conversation": "with Melanie"}
//
// "text" is required, "speaker" is what tells a line apart from other
// JSONL imports; "date" (or "time") is read by convo.ParseTime, "session"
// and "conversation" (or "conv") group turns, and "id" (or "_id") keeps
// the transcript's own id when it is a valid memory id. Each turn becomes
// one memory as convo.Entries writes it: the speaker and date in its
// title, the end of the turn before quoted, tagged "conversation".

// turnLine is one line of a transcript; scalars may be strings or numbers.
type turnLine struct {
	ID           jsonScalar `json:"id"`
	BEIRID       jsonScalar `json:"_id"`
	Speaker      jsonScalar `json:"speaker"`
	Text         *string    `json:"text"`
	Date         jsonScalar `json:"date"`
	Time         jsonScalar `json:"time"`
	Session      jsonScalar `json:"session"`
	Conversation jsonScalar `json:"conversation"`
	Conv         jsonScalar `json:"conv"`
}

// jsonScalar reads a JSON string or number as its text ("" for null).
type jsonScalar string

func (s *jsonScalar) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = jsonScalar(v)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return errors.New("want a string or a number")
		}
		*s = jsonScalar(n)
	}
	return nil
}

func (s jsonScalar) or(other jsonScalar) string {
	if s != "" {
		return string(s)
	}
	return string(other)
}

// IsConversation reports whether the first line of a JSONL file is a turn
// of a conversation transcript: an object with "speaker" and "text" and
// none of an export's "content".
func IsConversation(firstLine []byte) bool {
	var obj map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimSpace(firstLine), &obj) != nil {
		return false
	}
	_, speaker := obj["speaker"]
	_, text := obj["text"]
	_, content := obj["content"]
	return speaker && text && !content
}

// ReadConversation reads a conversation transcript (see above) as
// memories of namespace ns, a turn each, session by session in the order
// the sessions start. A turn without an id of its own gets one made from
// the namespace, its conversation, session and place, so importing the
// transcript again skips the turns already in.
func ReadConversation(r io.Reader, ns string) (mems []ExportedMemory, turns, sessions int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxJSONLLine)
	type session struct {
		key   string
		turns []convo.Turn
	}
	byKey := map[string]*session{}
	var order []*session
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var l turnLine
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, 0, 0, fmt.Errorf("line %d is not a conversation turn (%v)", n, err)
		}
		if l.Text == nil || strings.TrimSpace(*l.Text) == "" {
			return nil, 0, 0, fmt.Errorf(`line %d: a turn needs a "text"`, n)
		}
		t := convo.Turn{ID: l.ID.or(l.BEIRID), Speaker: string(l.Speaker), Text: *l.Text}
		if d := l.Date.or(l.Time); d != "" {
			if t.Time, err = convo.ParseTime(d); err != nil {
				return nil, 0, 0, fmt.Errorf("line %d: %w", n, err)
			}
		}
		key := ns + "\x00" + l.Conversation.or(l.Conv) + "\x00" + string(l.Session)
		s := byKey[key]
		if s == nil {
			s = &session{key: key}
			byKey[key] = s
			order = append(order, s)
		}
		s.turns = append(s.turns, t)
		turns++
	}
	if err := sc.Err(); err != nil {
		return nil, 0, 0, err
	}
	for _, s := range order {
		for _, e := range convo.Entries(s.key, s.turns) {
			mems = append(mems, ExportedMemory{ID: e.ID, Title: e.Title, Content: e.Body, Tags: e.Tags,
				Namespace: ns, Created: e.Created})
		}
	}
	return mems, turns, len(order), nil
}
