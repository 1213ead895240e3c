package memfile

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/memtomem/memtomem/internal/crashpoint"
)

// An append should cost its entry, not its file. Rewriting a day file
// through a temp file and a rename (mutate) reads, parses and writes the
// whole file, which at a few thousand entries made every add slow. So an
// append to a file the journal vouches for (the file is exactly as
// memtomem last left it) writes only the new bytes, with O_APPEND, and
// the journal carries what the next append needs without reading the
// file: the SHA-256 state of the content, its line count and line ending.
//
// Why appending is safe. Every entry memtomem writes starts with a strong
// heading (grammar.go), and no fence or frontmatter reaches across one, so
// bytes appended after a file that ends in a complete, non-blank line
// leave every earlier entry reading exactly as before, and the new
// entries read as they do on their own (checked for each, and fuzzed in
// append_fuzz_test.go against parsing the whole file).
//
// Why a crash is safe. Before writing, the writer records what it is about
// to append (an intent, beside the journal). A process killed halfway
// leaves the file ending in a prefix of those bytes; the next writer of
// the file, under its lock, finds the intent, sees the file's end is that
// prefix, and completes the entry, as a retry of the add would. A
// reported failure (disk full) truncates the bytes back instead, so a
// failed add leaves nothing.

// Appended says where an append put its bytes, so the index can add just
// the new entries instead of reading the file again.
type Appended struct {
	// Offset is where the appended bytes begin in the file, Line the
	// 1-based line number of their first line.
	Offset int64
	Line   int
	Text   []byte
	// Before and After are the hex SHA-256 of the whole file before and
	// after the append.
	Before, After string
	// Size and ModTime are the file's after the append.
	Size    int64
	ModTime time.Time
}

// journalTail is what an append needs to know of the file's content: it is
// valid only while the journal's State matches the file.
type journalTail struct {
	Sum   []byte `json:"sum"`   // the SHA-256 state (MarshalBinary) after the whole content
	Lines int    `json:"lines"` // number of lines; the content ends with a line ending
	NL    string `json:"nl"`    // the file's line ending, as the slow path judges it
}

// tailOf is the journal tail of content, or nil when content cannot take an
// append without being rewritten (empty, no final line ending, or ending
// in blank lines, which the slow path trims).
func tailOf(content []byte) *journalTail {
	body, ok := bytes.CutSuffix(content, []byte("\n"))
	if !ok {
		return nil
	}
	body = bytes.TrimSuffix(body, []byte("\r"))
	if isBlank(string(body[bytes.LastIndexByte(body, '\n')+1:])) {
		return nil
	}
	h := sha256.New()
	h.Write(content)
	sum, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil
	}
	return &journalTail{Sum: sum, Lines: bytes.Count(content, []byte("\n")), NL: lineEnding(content)}
}

// resume returns the hash of the tail's content, ready to take more bytes.
func (t *journalTail) resume() (hash.Hash, error) {
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(t.Sum); err != nil {
		return nil, err
	}
	return h, nil
}

// digest is the hex SHA-256 of the tail's content.
func (t *journalTail) digest() (string, error) {
	h, err := t.resume()
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// extend is the tail after data was appended, with the file's hash before
// and after.
func (t *journalTail) extend(data []byte) (next *journalTail, before, after string, err error) {
	h, err := t.resume()
	if err != nil {
		return nil, "", "", err
	}
	before = hex.EncodeToString(h.Sum(nil))
	h.Write(data)
	after = hex.EncodeToString(h.Sum(nil))
	sum, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil, "", "", err
	}
	return &journalTail{Sum: sum, Lines: t.Lines + bytes.Count(data, []byte("\n")), NL: t.NL}, before, after, nil
}

// appendIntent is what a fast append is about to write, saved before it
// writes: Base is the journal's state of the file at that moment.
type appendIntent struct {
	Base    journalState   `json:"base"`
	Entries []journalEntry `json:"entries"`
}

func intentPath(jpath string) string { return jpath + ".append" }

// appendBytes is the bytes an append of texts adds to a file that ends in
// a line ending: each entry after a blank line.
func appendBytes(texts []journalEntry, nl string) []byte {
	var b bytes.Buffer
	for _, t := range texts {
		b.WriteString(nl)
		b.WriteString(t.Text)
	}
	return b.Bytes()
}

// errInterfered means another program wrote the file while a fast append
// wrote it; the caller falls back to the read-modify-write path, which
// settles, merges and never writes an entry twice.
var errInterfered = errors.New("the file changed during the append")

// appendFast appends texts to base in d if the journal vouches for the
// file. ok is false when it does not (nothing was written, use the slow
// path); errInterfered when another program wrote the file meanwhile.
//
// On success the bytes are written but not yet synced: durable, which
// fsyncs and closes the file, is for the caller to run once it has let go
// of the file's lock. The order of appends is settled by the write, not
// by the fsync, so the next writer need not wait for ours to reach the
// disk (under load, fsync was the longest step of holding the lock, up
// to 12 ms); and since an fsync flushes every write before it, an add is
// acknowledged only once its own bytes and all earlier ones are on disk.
func appendFast(d *memDir, base, jpath string, j journal, known bool, render func(nl string) ([]journalEntry, error)) (a *Appended, next journal, durable func() error, err error) {
	if !known || j.Tail == nil {
		return nil, j, nil, nil
	}
	f, err := d.root.OpenFile(base, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, j, nil, nil // gone: the slow path creates it
	}
	handedOver := false
	defer func() {
		if !handedOver {
			f.Close()
		}
	}()
	if fi, err := f.Stat(); err != nil || !j.State.matches(stateOf(fi)) {
		return nil, j, nil, nil // someone else wrote it since
	}
	texts, err := render(j.Tail.NL)
	if err != nil {
		return nil, j, nil, err
	}
	data := appendBytes(texts, j.Tail.NL)
	if err := writeBeneath(intentPath(jpath), mustJSON(appendIntent{Base: j.State, Entries: texts})); err != nil {
		return nil, j, nil, nil // no intent, no fast path: a crash must be recoverable
	}
	size := j.State.Size
	if err := writeAppend(f, data); err != nil {
		// A reported failure leaves nothing behind: the caller says the
		// memory was not saved.
		if terr := f.Truncate(size); terr != nil {
			return nil, j, nil, fmt.Errorf("%w (and the partly written entry could not be removed: %v)", err, terr)
		}
		return nil, j, nil, err
	}
	hook(crashpoint.AfterAppend)
	end, _ := f.Seek(0, io.SeekCurrent)
	fi, err := f.Stat()
	if err != nil {
		return nil, j, nil, err
	}
	now := stateOf(fi)
	if cur, err := statState(d, base); err != nil || end != size+int64(len(data)) || now.size != end || !cur.same(now) {
		// The slow path settles the file and writes it anew (synced);
		// what we wrote is synced too, as part of what it settles.
		_ = f.Sync()
		return nil, j, nil, errInterfered
	}
	tail, before, after, err := j.Tail.extend(data)
	if err != nil {
		return nil, j, nil, err
	}
	next = j.added(texts, now, time.Now())
	next.Tail = tail
	handedOver = true
	durable = func() error {
		hook(crashpoint.BeforeSync)
		err := f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	return &Appended{Offset: size, Line: j.Tail.Lines + 1, Text: data, Before: before, After: after, Size: now.size, ModTime: now.mtime}, next, durable, nil
}

// writeAppend writes data with one write call (not synced: see
// appendFast). A crash-test build splits the write to stop in its middle.
func writeAppend(f *os.File, data []byte) error {
	if (crashpoint.Enabled || crashHook.Load() != nil) && len(data) > 1 {
		if _, err := f.Write(data[:len(data)/2]); err != nil {
			return err
		}
		hook(crashpoint.MidAppend)
		data = data[len(data)/2:]
	}
	_, err := f.Write(data)
	return err
}

// recoverAppend finishes a fast append a crashed process left halfway: the
// file is the journal's file followed by a prefix of the intent's bytes.
// The rest is written and the journal brought up to date, as if the
// append had finished. Anything else leaves j as it is.
func recoverAppend(d *memDir, base, jpath string, j journal, known bool) journal {
	if !known || j.Tail == nil {
		return j
	}
	st, err := statState(d, base)
	if err != nil || !st.exists || j.State.matches(st) {
		return j
	}
	dir, name := filepath.Split(intentPath(jpath))
	b, err := readBeneath(dir, name)
	if err != nil {
		return j
	}
	var in appendIntent
	if json.Unmarshal(b, &in) != nil || in.Base != j.State || st.ino != j.State.Ino || st.dev != j.State.Dev {
		return j
	}
	data := appendBytes(in.Entries, j.Tail.NL)
	have := st.size - j.State.Size
	if have <= 0 || have > int64(len(data)) {
		return j
	}
	f, err := d.root.OpenFile(base, os.O_RDWR, 0)
	if err != nil {
		return j
	}
	defer f.Close()
	got := make([]byte, have)
	if _, err := f.ReadAt(got, j.State.Size); err != nil || !bytes.Equal(got, data[:have]) {
		return j
	}
	if have < int64(len(data)) {
		if _, err := f.WriteAt(data[have:], st.size); err != nil {
			return j
		}
	}
	if f.Sync() != nil {
		return j
	}
	fi, err := f.Stat()
	if err != nil || fi.Size() != j.State.Size+int64(len(data)) {
		return j
	}
	tail, _, _, err := j.Tail.extend(data)
	if err != nil {
		return j
	}
	next := j.added(in.Entries, stateOf(fi), time.Now())
	next.Tail = tail
	if keepJournal(jpath, next) != nil {
		return j
	}
	return next
}

// mustJSON is json.Marshal of a value that always marshals.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
