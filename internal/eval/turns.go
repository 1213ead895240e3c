package eval

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/memtomem/memtomem/internal/chunk"
	"github.com/memtomem/memtomem/internal/convo"
	"github.com/memtomem/memtomem/internal/store"
)

// turnChunks indexes conversation turns the way memtomem would hold an
// imported transcript: each session's turns, in file order, are written as
// memory entries by convo.Entries (speaker and date in the heading, the
// turn before quoted), rendered into a memory file and cut by the chunker
// mm index uses. Every chunk maps back to its turn through its entry id,
// so the per-turn judgements score exactly.
//
// A session is the turns sharing "conv" and "session" (either may be
// absent: then all turns of the conversation, or of the file, are one
// session). "date" is read by convo.ParseTime; a date it cannot read is
// still written in the heading as it stands.
func turnChunks(docs []Doc) ([]store.Chunk, error) {
	type session struct {
		conv  string
		docs  []Doc
		turns []convo.Turn
	}
	var order []string
	sessions := map[string]*session{}
	for _, d := range docs {
		conv := d.Fields["conv"]
		key := conv + "\x00" + d.Fields["session"]
		s := sessions[key]
		if s == nil {
			s = &session{conv: conv}
			sessions[key] = s
			order = append(order, key)
		}
		t := convo.Turn{ID: d.ID, Speaker: d.Fields["speaker"], Text: d.Text, Date: d.Fields["date"]}
		if tm, err := convo.ParseTime(t.Date); err == nil {
			t.Time = tm
		}
		s.docs = append(s.docs, d)
		s.turns = append(s.turns, t)
	}

	var out []store.Chunk
	turnOf := map[string]string{} // entry id → turn id
	for _, key := range order {
		s := sessions[key]
		entries := convo.Entries(s.conv, s.turns)
		var file strings.Builder
		for i, e := range entries {
			if prev, dup := turnOf[e.ID]; dup {
				return nil, fmt.Errorf("eval: turns %q and %q get the same memory id %s", prev, s.docs[i].ID, e.ID)
			}
			turnOf[e.ID] = s.docs[i].ID
			if i > 0 {
				file.WriteByte('\n')
			}
			file.WriteString(e.Render())
		}
		n := map[string]int{}
		for _, c := range chunk.Split("session.md", []byte(file.String()), chunk.DefaultOptions()) {
			id, ok := turnOf[c.EntryID]
			if !ok {
				return nil, fmt.Errorf("eval: a chunk of conversation %q (lines %d-%d) lies in no turn", s.conv, c.StartLine, c.EndLine)
			}
			out = append(out, store.Chunk{
				// The source is "/" so that no file name tokens enter the index.
				Source: "/", Hierarchy: c.Hierarchy, Content: c.Content,
				ContentHash: id + "#" + strconv.Itoa(n[id]), EntryID: id, Namespace: "default",
				Tags: c.Tags, CreatedAt: c.Created,
			})
			n[id]++
		}
	}
	return out, nil
}
