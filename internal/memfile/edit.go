package memfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

var (
	// ErrEmpty rejects an entry without a body: it would be a heading that
	// says nothing and that search could never usefully return.
	ErrEmpty = errors.New("memory entry body is empty")
	// ErrNotFound means the selector matched no entry in the file.
	ErrNotFound = errors.New("memory entry not found")
	// ErrFormat means the change would not read back as written, so it was
	// not made (for example an unclosed code fence earlier in the file would
	// swallow the new heading, or the body starts with a metadata line).
	ErrFormat = errors.New("memory entry would not read back as written")
	// ErrInvalidID rejects ids that a "> id:" line cannot carry.
	ErrInvalidID = errors.New("invalid memory entry id")
)

// Selector picks one entry of a file: by ID when set, else the entry whose
// lines contain Line (what a user pointing at a file position means).
//
// Text, when set, is what the caller believes the entry holds (an indexed
// chunk's content): the entry found must contain it, or the change is
// refused with ErrMismatch. The entry is found and checked in the file as it
// is when the change is made, so an index that is out of date, or a chunk
// that claims another entry's id, can never make an edit or delete land on
// an entry it did not come from.
type Selector struct {
	ID   string
	Line int
	Text string
}

// ErrMismatch means the selected entry does not hold the text the selector
// expected.
var ErrMismatch = errors.New("the entry does not hold the expected text")

func (s Selector) find(entries []Entry) (int, error) {
	for i, e := range entries {
		if s.ID != "" && e.ID == s.ID || s.ID == "" && s.Line >= e.StartLine && s.Line <= e.EndLine {
			if s.Text != "" && !Holds(e, s.Text) {
				return 0, fmt.Errorf("%w: entry %s at line %d", ErrMismatch, orTitle(e), e.StartLine)
			}
			return i, nil
		}
	}
	if s.ID != "" {
		return 0, fmt.Errorf("%w: no entry with id %s", ErrNotFound, s.ID)
	}
	return 0, fmt.Errorf("%w: no entry at line %d", ErrNotFound, s.Line)
}

func orTitle(e Entry) string {
	if e.ID != "" {
		return e.ID
	}
	return fmt.Sprintf("%q", e.Title)
}

// Holds reports whether text (as the index shows it: a chunk's content,
// which is the heading line and body lines, possibly with parts left out)
// lies inside entry e. Whitespace is ignored, since chunking drops and
// trims blank lines, and both sides are compared as the index stores text.
func Holds(e Entry, text string) bool {
	squash := func(s string) string {
		return strings.Join(strings.Fields(ForIndex(s)), "")
	}
	want := squash(text)
	return want != "" && strings.Contains(squash("## "+e.heading()+"\n"+e.Body), want)
}

// Append adds e at the end of the file. A missing Created or ID is filled in.
// If an entry with e's ID is already in the file nothing is written and that
// entry is returned with added=false: a client that retries a write whose
// reply it lost must not get a duplicate. The returned entry is as it now
// reads from the file, with its line numbers.
func (w *Writer) Append(ctx context.Context, path string, e Entry) (Entry, bool, error) {
	got, added, err := w.AppendAll(ctx, path, []Entry{e})
	if err != nil {
		return Entry{}, false, err
	}
	return got[0], added[0], nil
}

// AppendAll is Append of several entries in one locked write: an import
// reads and rewrites a file once for all its entries, not once per entry
// (which made it quadratic in the file's size). Entries whose ID is already
// in the file, or earlier in es, are not written again; added says which
// were. Any invalid entry fails the whole call before anything is written.
func (w *Writer) AppendAll(ctx context.Context, path string, es []Entry) (got []Entry, added []bool, err error) {
	res, err := w.AppendEntries(ctx, path, es)
	return res.Got, res.Added, err
}

// AppendResult is what AppendEntries did: Got and Added as AppendAll
// returns them, and Tail, set when the entries went in by appending their
// bytes alone (append.go), which the index can use to add just them.
type AppendResult struct {
	Got   []Entry
	Added []bool
	Tail  *Appended
}

// AppendEntries is AppendAll, saying how the entries were written.
func (w *Writer) AppendEntries(ctx context.Context, path string, es []Entry) (AppendResult, error) {
	return w.AppendEntriesLocked(ctx, path, es, nil)
}

// AppendEntriesLocked is AppendEntries that, once the entries are written,
// calls locked with the result while still holding the file's lock: an
// index of the append made there goes in in the order of the file's
// writes, so the next writer's append always finds the index at the state
// its own append started from.
func (w *Writer) AppendEntriesLocked(ctx context.Context, path string, es []Entry, then func(AppendResult)) (AppendResult, error) {
	want, fresh, err := prepareAppend(es)
	if err != nil {
		return AppendResult{}, err
	}
	return w.appendPrepared(ctx, path, nil, nil, es, want, fresh, then)
}

// AppendTaking is AppendEntriesLocked of the entries take returns, called
// once the file's lock is held: a group commit takes every entry queued
// while it waited for the lock, not only those queued before it began to
// wait. take is called at most once, and not at all when the lock is not
// had (the error says why). An invalid entry fails the whole call before
// anything is written; the returned Got and Added follow take's order.
// header, when set, goes before the entries if the file is missing or
// blank (a new day file's frontmatter), in the same write.
func (w *Writer) AppendTaking(ctx context.Context, path string, header []byte, take func() []Entry, then func(AppendResult)) (AppendResult, error) {
	return w.appendPrepared(ctx, path, header, take, nil, nil, false, then)
}

// headerRoom is the size from which a file is taken to hold more than
// blank lines without reading it: a header is then never needed, and the
// fast append (which does not read the file) may go ahead.
const headerRoom = 64

// prepareAppend checks es and completes them in place (normalised body,
// id, creation time); want is each as it must read back, and fresh says
// every id was newly generated, so none can already be in the file, and
// an append needs no look at what the file holds.
func prepareAppend(es []Entry) (want []Entry, fresh bool, err error) {
	fresh = true
	want = make([]Entry, len(es))
	for i := range es {
		e := es[i]
		e.Body = normBody(e.Body)
		if e.Body == "" {
			return nil, false, ErrEmpty
		}
		if err := checkEntry(e, true, true, true); err != nil {
			return nil, false, err
		}
		switch {
		case e.ID == "":
			e.ID = NewID()
		case !ValidID(e.ID):
			return nil, false, fmt.Errorf("%w: %q", ErrInvalidID, e.ID)
		default:
			fresh = false
		}
		if e.Created.IsZero() {
			e.Created = time.Now().UTC().Truncate(time.Second)
		}
		es[i], want[i] = e, canonical(e)
	}
	return want, fresh, nil
}

// appendPrepared appends es, prepared (prepareAppend) into want and
// fresh, after header as AppendTaking says; with take set, es is what take
// returns under the lock, prepared there.
func (w *Writer) appendPrepared(ctx context.Context, path string, header []byte, take func() []Entry, es, want []Entry, fresh bool, then func(AppendResult)) (res AppendResult, err error) {
	var got []Entry
	var added []bool
	var begin func() error
	if take != nil {
		begin = func() (err error) {
			es = take()
			want, fresh, err = prepareAppend(es)
			return err
		}
	}
	var texts []journalEntry
	var durable func() error // set once a fast append has written
	locked := func() {
		if res.Tail == nil {
			res.Got, res.Added = got, added
		}
		if then != nil {
			then(res)
		}
	}
	err = w.mutate(ctx, path, change{begin: begin, locked: locked, fn: func(orig []byte) ([]byte, error) {
		got, added, texts = make([]Entry, len(es)), make([]bool, len(es)), nil
		old := orig
		if len(header) > 0 && len(bytes.TrimSpace(old)) == 0 {
			old = header
		}
		entries, lines := parse(old)
		present := make(map[string]int, len(entries)) // id -> index in got, or -1 for the file's
		for _, x := range entries {
			present[x.ID] = -1
		}
		nl := lineEnding(old)
		var b bytes.Buffer
		for k := len(lines) - 1; k >= 0; k-- {
			if !isBlank(lines[k].text) {
				b.Write(old[:lines[k].end])
				if !bytes.HasSuffix(old[:lines[k].end], []byte("\n")) {
					b.WriteString(nl)
				}
				break
			}
		}
		var order []int // indexes of es written, in file order
		for i, e := range es {
			if at, ok := present[e.ID]; ok {
				if at < 0 {
					for _, x := range entries {
						if x.ID == e.ID {
							got[i] = x
						}
					}
				}
				continue
			}
			present[e.ID] = i
			text := withNL(e.Render(), nl)
			if b.Len() > 0 {
				b.WriteString(nl)
			}
			b.WriteString(text)
			texts = append(texts, journalEntry{ID: e.ID, Text: text})
			order = append(order, i)
		}
		if len(order) == 0 {
			for i, e := range es {
				if got[i].ID == "" {
					got[i] = got[present[e.ID]]
				}
			}
			return orig, nil
		}
		updated := b.Bytes()
		after := Parse(updated)
		if len(after) != len(entries)+len(order) || !sameEntries(entries, after) {
			return nil, fmt.Errorf("append to %s: %w", path, ErrFormat)
		}
		for k, i := range order {
			x := after[len(entries)+k]
			if !sameContent(x, want[i]) {
				return nil, fmt.Errorf("append to %s: %w", path, ErrFormat)
			}
			got[i], added[i] = x, true
		}
		for i, e := range es {
			if got[i].ID == "" { // a repeat of an id written above
				got[i] = got[present[e.ID]]
			}
		}
		return updated, nil
	}, delta: func() journalDelta {
		return journalDelta{added: texts}
	}, fast: func(d *memDir, base, jpath string, j journal, known bool) (journal, bool, error) {
		if !fresh && !w.absent(ctx, path, j, known, es) || len(header) > 0 && j.State.Size < headerRoom {
			return j, false, nil
		}
		// Each entry must read back on its own exactly as meant; after a
		// strong heading, that is how it reads in the file (append.go).
		var alone []Entry
		a, next, flush, err := appendFast(d, base, jpath, j, known, func(nl string) ([]journalEntry, error) {
			texts, alone = nil, nil
			for i, e := range es {
				text := withNL(e.Render(), nl)
				after := Parse([]byte(text))
				if len(after) != 1 || !sameContent(after[0], want[i]) {
					return nil, fmt.Errorf("append to %s: %w", path, ErrFormat)
				}
				texts, alone = append(texts, journalEntry{ID: e.ID, Text: text}), append(alone, after[0])
			}
			return texts, nil
		})
		ok := flush != nil
		if ok {
			durable = flush
			res.Tail = a
			res.Got, res.Added = make([]Entry, len(es)), make([]bool, len(es))
			first := a.Line + 1 // each entry follows a blank line
			for i, t := range texts {
				x := alone[i]
				x.StartLine += first - 1
				x.EndLine += first - 1
				res.Got[i], res.Added[i] = x, true
				first += strings.Count(t.Text, "\n") + 1
			}
		}
		return next, ok, err
	}})
	if durable != nil {
		// After the lock is let go (appendFast says why), before the add
		// is acknowledged.
		if serr := durable(); serr != nil && err == nil {
			err = fmt.Errorf("memory file %s: the entries were written but the disk did not confirm them, so they may be lost if the machine loses power; check the disk and retry: %w", path, serr)
		}
	}
	if err != nil {
		return AppendResult{}, err
	}
	return res, nil
}

// absent reports whether none of the ids of es can be in the content the
// journal vouches for (see Writer.Absent), so that they may be appended
// without reading the file. (appendFast still checks that the file is in
// the journal's state.)
func (w *Writer) absent(ctx context.Context, path string, j journal, known bool, es []Entry) bool {
	if w.Absent == nil || !known || j.Tail == nil {
		return false
	}
	ids := make([]string, len(es))
	for i, e := range es {
		if slices.Contains(ids[:i], e.ID) {
			return false // a repeat is written once: the slow path sorts that out
		}
		ids[i] = e.ID
	}
	sha, err := j.Tail.digest()
	return err == nil && w.Absent(ctx, path, sha, ids)
}

// Edit lets fn change one entry and rewrites only that entry's lines; every
// other byte of the file stays as it was, so hand formatting elsewhere and
// diffs under version control are left alone. The returned entry is as it now
// reads from the file. If fn changes nothing, nothing is written.
func (w *Writer) Edit(ctx context.Context, path string, sel Selector, fn func(*Entry) error) (Entry, error) {
	var got Entry
	var was, text string
	err := w.mutate(ctx, path, change{fn: func(old []byte) ([]byte, error) {
		entries, lines := parse(old)
		i, err := sel.find(entries)
		if err != nil {
			return nil, fmt.Errorf("edit %s: %w", path, err)
		}
		cur := entries[i]
		upd := cur
		upd.Tags = append([]string(nil), cur.Tags...)
		if err := fn(&upd); err != nil {
			return nil, err
		}
		if sameContent(upd, cur) {
			got = cur
			return old, nil
		}
		upd.Body = normBody(upd.Body)
		if upd.Body == "" && cur.Body != "" {
			return nil, ErrEmpty
		}
		if err := checkEntry(upd, normTitle(upd.Title) != cur.Title, !slices.Equal(renderTags(upd.Tags), cur.Tags), upd.Body != cur.Body); err != nil {
			return nil, err
		}
		if upd.ID != "" && !ValidID(upd.ID) {
			return nil, fmt.Errorf("%w: %q", ErrInvalidID, upd.ID)
		}
		first, last := lines[cur.StartLine-1], lines[cur.EndLine-1]
		nl := "\n"
		if bytes.HasSuffix(old[first.start:first.end], []byte("\r\n")) {
			nl = "\r\n"
		}
		rendered := withNL(upd.Render(), nl)
		if !bytes.HasSuffix(old[:last.end], []byte("\n")) {
			rendered = strings.TrimSuffix(rendered, nl) // keep "no newline at end of file"
		}
		updated := splice(old, first.start, last.end, rendered)
		after := Parse(updated)
		if len(after) != len(entries) || !sameEntries(entries[:i], after[:i]) ||
			!sameEntries(entries[i+1:], after[i+1:]) || !sameContent(after[i], canonical(upd)) {
			return nil, fmt.Errorf("edit %s: %w", path, ErrFormat)
		}
		got, was, text = after[i], cur.ID, rendered
		return updated, nil
	}, delta: func() journalDelta {
		if got.ID != was {
			return journalDelta{removed: []string{was}}
		}
		return journalDelta{changed: []journalEntry{{ID: got.ID, Text: text}}}
	}})
	if err != nil {
		return Entry{}, err
	}
	return got, nil
}

// Delete removes one entry together with the blank lines that separated it
// from the next, so the file keeps single blank lines between entries. Every
// other byte stays as it was. It returns the entry as it was.
func (w *Writer) Delete(ctx context.Context, path string, sel Selector) (Entry, error) {
	var got Entry
	err := w.mutate(ctx, path, change{fn: func(old []byte) ([]byte, error) {
		entries, lines := parse(old)
		i, err := sel.find(entries)
		if err != nil {
			return nil, fmt.Errorf("delete from %s: %w", path, err)
		}
		got = entries[i]
		from, to := lines[got.StartLine-1].start, len(old)
		if i+1 < len(entries) {
			to = lines[entries[i+1].StartLine-1].start
		} else {
			// Last entry: drop the blank lines before it instead, so the
			// file does not end in a blank line.
			for k := got.StartLine - 2; k >= 0 && isBlank(lines[k].text); k-- {
				from = lines[k].start
			}
		}
		updated := splice(old, from, to, "")
		after := Parse(updated)
		if len(after) != len(entries)-1 || !sameEntries(entries[:i], after[:i]) || !sameEntries(entries[i+1:], after[i:]) {
			return nil, fmt.Errorf("delete from %s: %w", path, ErrFormat)
		}
		return updated, nil
	}, delta: func() journalDelta {
		return journalDelta{removed: []string{got.ID}}
	}})
	if err != nil {
		return Entry{}, err
	}
	return got, nil
}

func splice(old []byte, from, to int, insert string) []byte {
	out := make([]byte, 0, len(old)-(to-from)+len(insert))
	out = append(out, old[:from]...)
	out = append(out, insert...)
	return append(out, old[to:]...)
}

func sameEntries(a, b []Entry) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if !sameContent(a[i], b[i]) {
			return false
		}
	}
	return true
}

// lineEnding is the file's line ending, judged by its first line, so that
// text we add to a CRLF file is CRLF too.
func lineEnding(content []byte) string {
	if i := bytes.IndexByte(content, '\n'); i > 0 && content[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

func withNL(s, nl string) string {
	if nl == "\n" {
		return s
	}
	return strings.ReplaceAll(s, "\n", nl)
}
