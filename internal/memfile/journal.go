package memfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// A journal remembers, per memory file, the state memtomem last left the
// file in and the entries it wrote recently (their exact bytes). It is what
// lets a writer tell its own last write from an outside program's (a text
// editor saving the file), and put back entries an outside save dropped
// because the program read the file before they were added.
//
// The rule (docs/design.md, "Outside editors"):
//   - A file whose state differs from the journal's was written by someone
//     else. The writer waits until it has stopped changing (an editor that
//     truncates and then writes is mid-save) and works from what it then holds,
//     so everything the editor kept stays.
//   - Journal entries missing from that content are restored when they are
//     newer than the newest journal entry the content still has: the editor
//     kept that one, so it read the file after it was written, and an older
//     entry it lacks was deleted on purpose. A newer one it could not have seen.
//
// The journal lives beside the file's lock in the coordination directory
// and is only read and written under that lock. It is a cache of recent
// writes, not the source of truth: losing it (a crash between the rename
// and the journal write) costs one settle wait, never a memory.
type journal struct {
	State   journalState   `json:"state"`
	Entries []journalEntry `json:"entries"`
	// Tail, when set, describes the content in State well enough to append
	// to it without reading it (append.go).
	Tail *journalTail `json:"tail,omitempty"`
	// raw holds the entries as stored (one JSON line each), not yet
	// decoded: an append adds lines to it without decoding hundreds of
	// entries it does not need. decodeEntries turns it into Entries.
	raw  []byte
	lazy bool
}

// journalHeader is the first line of a journal file; the entries follow,
// one JSON line each, oldest first. (A journal written as a single JSON
// object by an earlier version is still read.)
type journalHeader struct {
	V     int          `json:"v"`
	State journalState `json:"state"`
	Tail  *journalTail `json:"tail,omitempty"`
}

const journalFormat = 2

// decodeEntries makes Entries authoritative; lines that do not decode are
// dropped (the journal is a cache).
func (j *journal) decodeEntries() {
	if !j.lazy {
		return
	}
	j.Entries, j.lazy = nil, false
	for line := range bytes.Lines(j.raw) {
		var e journalEntry
		if json.Unmarshal(line, &e) == nil && e.ID != "" {
			j.Entries = append(j.Entries, e)
		}
	}
	j.raw = nil
}

// added is the journal after an append of ours at now left the file in st:
// j's entries plus texts, without decoding j's entries. Once there are
// journalSlack lines over the limit, the oldest go (decoding applies the
// limit exactly); the slack spares a trim on every append, and keeping it
// small keeps the rewrite every append makes small.
func (j journal) added(texts []journalEntry, st fileState, now time.Time) journal {
	if !j.lazy {
		return j.apply(journalDelta{added: texts}, st, now)
	}
	raw := j.raw
	if n := bytes.Count(raw, []byte("\n")); n+len(texts) > journalMaxEntries+journalSlack {
		for drop := n + len(texts) - journalMaxEntries; drop > 0 && len(raw) > 0; drop-- {
			_, raw, _ = bytes.Cut(raw, []byte("\n"))
		}
	}
	out := journal{State: toJournalState(st), lazy: true, raw: slices.Clip(raw)}
	for _, e := range texts {
		e.At = now.UnixNano()
		b, _ := json.Marshal(e)
		out.raw = append(append(out.raw, b...), '\n')
	}
	return out
}

type journalState struct {
	Size    int64  `json:"size"`
	MtimeNs int64  `json:"mtime_ns"`
	Ino     uint64 `json:"ino"`
	Dev     uint64 `json:"dev"`
}

type journalEntry struct {
	ID   string `json:"id"`
	At   int64  `json:"at_ns"` // when memtomem wrote it
	Text string `json:"text"`  // the entry's lines, exactly as written
}

// Limits of the journal: entries older than journalWindow, or beyond the
// newest journalMaxEntries, are forgotten (and can no longer be restored).
const (
	journalWindow     = 10 * time.Minute
	journalMaxEntries = 512
	// journalSlack is how many entry lines over the limit an append may
	// leave before it trims the oldest (see journal.added).
	journalSlack = 64
)

func toJournalState(s fileState) journalState {
	return journalState{Size: s.size, MtimeNs: s.mtime.UnixNano(), Ino: s.ino, Dev: s.dev}
}

func (j journalState) matches(s fileState) bool {
	return s.exists && j == toJournalState(s)
}

// loadJournal reads the journal at path; a missing or unreadable one is
// reported as absent (ok=false), which makes the writer trust the file.
// Like its write, the read goes through the journal directory's descriptor:
// a journal planted as a link to elsewhere is not read.
func loadJournal(path string) (journal, bool) {
	dir, base := filepath.Split(path)
	b, err := readBeneath(dir, base)
	if err != nil {
		return journal{}, false
	}
	first, rest, _ := bytes.Cut(b, []byte("\n"))
	var h journalHeader
	if json.Unmarshal(first, &h) == nil && h.V == journalFormat {
		return journal{State: h.State, Tail: h.Tail, raw: rest, lazy: true}, true
	}
	var j journal
	if json.Unmarshal(b, &j) != nil {
		return journal{}, false
	}
	return j, true
}

// saveJournal replaces the journal (see writeBeneath). It is not fsynced:
// after a crash an older journal only makes the next writer wait for the
// file to settle once. It writes through a descriptor of the journal
// directory, so a name planted there as a link to a file elsewhere is
// never written through.
func saveJournal(path string, j journal) error {
	b, err := json.Marshal(journalHeader{V: journalFormat, State: j.State, Tail: j.Tail})
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if j.lazy {
		b = append(b, j.raw...)
	} else {
		for _, e := range j.Entries {
			line, err := json.Marshal(e)
			if err != nil {
				return err
			}
			b = append(append(b, line...), '\n')
		}
	}
	return writeBeneath(path, b)
}

// keepJournal saves the journal after a write of ours replaced its file. The
// file is written by then, so the write has succeeded whatever happens to
// the journal: on a full disk, where the journal cannot be saved, it is
// removed instead. A stale journal would be worse than none: it would take
// our write for an outside save and could put back an entry just deleted,
// while a missing one only makes the next writer trust the file. Only a
// journal that can be neither saved nor removed fails the call, saying so.
func keepJournal(path string, j journal) error {
	err := saveJournal(path, j)
	if err == nil {
		return nil
	}
	if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		return fmt.Errorf("the memory file was written, but its journal %s could be neither updated (%v) nor removed (%v): remove it by hand before the next write", path, err, rerr)
	}
	return nil
}

// entrySpans returns each entry's id and exact bytes, in file order.
func entrySpans(content []byte) []journalEntry {
	entries := Parse(content)
	if len(entries) == 0 {
		return nil
	}
	// Byte offset at which each 1-based line starts, plus the end.
	starts := []int{0}
	for i, c := range content {
		if c == '\n' && i+1 < len(content) {
			starts = append(starts, i+1)
		}
	}
	starts = append(starts, len(content))
	out := make([]journalEntry, 0, len(entries))
	for _, e := range entries {
		if e.ID == "" || e.StartLine < 1 || e.EndLine >= len(starts) || e.StartLine > e.EndLine {
			continue
		}
		out = append(out, journalEntry{ID: e.ID, Text: string(content[starts[e.StartLine-1]:starts[e.EndLine]])})
	}
	return out
}

// missingFrom lists the journal entries an outside save dropped and that
// must come back (see the rule above), oldest first.
func (j journal) missingFrom(content []byte, now time.Time) []journalEntry {
	present := map[string]bool{}
	for _, e := range entrySpans(content) {
		present[e.ID] = true
	}
	var newestKept int64
	for _, e := range j.Entries {
		if present[e.ID] && e.At > newestKept {
			newestKept = e.At
		}
	}
	var out []journalEntry
	for _, e := range j.Entries {
		if !present[e.ID] && e.At > newestKept && now.Sub(time.Unix(0, e.At)) <= journalWindow {
			out = append(out, e)
		}
	}
	return out
}

// withEntries appends the entries' bytes to content, separated by a blank
// line, and checks that each then parses back with its id. ok is false if
// the file's tail would swallow them (an unclosed code fence an editor left);
// content is then returned unchanged.
func withEntries(content []byte, add []journalEntry) ([]byte, bool) {
	if len(add) == 0 {
		return content, true
	}
	nl := lineEnding(content)
	var b bytes.Buffer
	b.Write(bytes.TrimRight(content, " \t\r\n"))
	if b.Len() > 0 {
		b.WriteString(nl + nl)
	}
	for i, e := range add {
		if i > 0 {
			b.WriteString(nl)
		}
		text := bytes.TrimRight([]byte(e.Text), "\r\n")
		b.Write(text)
		b.WriteString(nl)
	}
	out := b.Bytes()
	got := map[string]int{}
	for _, e := range entrySpans(out) {
		got[e.ID]++
	}
	for _, e := range add {
		if got[e.ID] != 1 {
			return content, false
		}
	}
	return out, true
}

// next is the journal after this process wrote updated over old at now:
// entries it added are recorded, entries it removed are forgotten (a
// delete through memtomem must never be undone), edited ones updated, and
// the limits applied.
func (j journal) next(old, updated []byte, st fileState, now time.Time) journal {
	before := map[string]string{}
	for _, e := range entrySpans(old) {
		before[e.ID] = e.Text
	}
	after := entrySpans(updated)
	inAfter := make(map[string]string, len(after))
	for _, e := range after {
		inAfter[e.ID] = e.Text
	}
	out := journal{State: toJournalState(st)}
	kept := map[string]bool{}
	for _, e := range j.Entries {
		text, ok := inAfter[e.ID]
		if !ok || now.Sub(time.Unix(0, e.At)) > journalWindow {
			continue
		}
		e.Text = text
		kept[e.ID] = true
		out.Entries = append(out.Entries, e)
	}
	for _, e := range after {
		if _, had := before[e.ID]; had || kept[e.ID] {
			continue
		}
		e.At = now.UnixNano()
		kept[e.ID] = true
		out.Entries = append(out.Entries, e)
	}
	if n := len(out.Entries); n > journalMaxEntries {
		out.Entries = out.Entries[n-journalMaxEntries:]
	}
	return out
}

// journalDelta is what one write of ours did to the entries of a file, as
// the writer knows it (Append, Edit, Delete), so that the journal of a file
// nobody else touched is brought up to date without parsing it again.
type journalDelta struct {
	added   []journalEntry // text as written
	changed []journalEntry // by id: the entry's new text
	removed []string
}

// apply records d for a write at now that left the file in state st.
func (j journal) apply(d journalDelta, st fileState, now time.Time) journal {
	gone := map[string]bool{}
	for _, id := range d.removed {
		gone[id] = true
	}
	changed := map[string]string{}
	for _, e := range d.changed {
		changed[e.ID] = e.Text
	}
	out := journal{State: toJournalState(st)}
	for _, e := range j.Entries {
		if gone[e.ID] || now.Sub(time.Unix(0, e.At)) > journalWindow {
			continue
		}
		if text, ok := changed[e.ID]; ok {
			e.Text = text
		}
		out.Entries = append(out.Entries, e)
	}
	for _, e := range d.added {
		e.At = now.UnixNano()
		out.Entries = append(out.Entries, e)
	}
	if n := len(out.Entries); n > journalMaxEntries {
		out.Entries = out.Entries[n-journalMaxEntries:]
	}
	return out
}
