package memfile

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits of one entry. Titles sit on the heading line and tags on one
// metadata line, and both are shown with every search result, so they are
// kept short; a body's limit is the caller's (memtomem.MaxContentChars).
const (
	MaxTitleChars = 200
	MaxTags       = 32
	MaxTagChars   = 64
)

var (
	// ErrControl rejects text holding a control character (other than tab,
	// newline and carriage return) or invalid UTF-8: such bytes make a file
	// read as binary to many tools, and one of them used to hide a whole day
	// of memories. The error is a *TextError naming the position.
	ErrControl = errors.New("control character or invalid UTF-8")
	// ErrLimit rejects a title or tag list over the limits above.
	ErrLimit = errors.New("over the limit")
)

// IsControl reports the characters memory text may not hold: C0 controls
// other than tab, newline and carriage return, DEL, and C1 controls.
func IsControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r >= 0x7f && r <= 0x9f
}

// badChar finds the first control character or invalid UTF-8 byte in s and
// says where it is (1-based line and column, columns counted in characters).
func badChar(s string) (what string, line, col int, found bool) {
	line, col = 1, 1
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return "invalid UTF-8", line, col, true
			}
		}
		if IsControl(r) {
			return fmt.Sprintf("control character U+%04X", r), line, col, true
		}
		col++
		if r == '\n' {
			line, col = line+1, 1
		}
	}
	return "", 0, 0, false
}

// CheckText refuses text with a control character or invalid UTF-8, naming
// where the first one is.
func CheckText(s string) error {
	what, line, col, found := badChar(s)
	if !found {
		return nil
	}
	return &TextError{What: what, Line: line, Column: col}
}

// TextError says where text holds a character memory files may not hold.
type TextError struct {
	What         string // "control character U+0000" or "invalid UTF-8"
	Line, Column int    // 1-based; columns count characters
}

func (e *TextError) Error() string {
	return fmt.Sprintf("%s at line %d, column %d: remove it, or write binary data as text (for example base64)", e.What, e.Line, e.Column)
}

// Is makes errors.Is(err, ErrControl) hold.
func (e *TextError) Is(target error) bool { return target == ErrControl }

// CheckTitle refuses a title that is too long or holds control characters.
func CheckTitle(title string) error {
	if n := utf8.RuneCountInString(title); n > MaxTitleChars {
		return fmt.Errorf("title is %d characters, %w of %d: shorten it and put the detail in the content", n, ErrLimit, MaxTitleChars)
	}
	if err := CheckText(title); err != nil {
		return fmt.Errorf("title: %w", err)
	}
	return nil
}

// CheckTags refuses a (normalized) tag list with too many tags, a tag too
// long, or a tag a "> tags:" line cannot carry cleanly.
func CheckTags(tags []string) error {
	if len(tags) > MaxTags {
		return fmt.Errorf("%d tags, %w of %d: keep the tags that you will filter by", len(tags), ErrLimit, MaxTags)
	}
	for _, t := range tags {
		if n := utf8.RuneCountInString(t); n > MaxTagChars {
			// Quoted in part: an error must not repeat a huge input back.
			return fmt.Errorf("tag %q… is %d characters, %w of %d", string([]rune(t)[:32]), n, ErrLimit, MaxTagChars)
		}
		if strings.ContainsAny(t, "\n\r,\"") {
			return fmt.Errorf("tag %q: tags are up to %d characters without commas, quotes or newlines", t, MaxTagChars)
		}
		if err := CheckText(t); err != nil {
			return fmt.Errorf("tag %q: %w", t, err)
		}
	}
	return nil
}

// checkEntry applies the checks above to what a write would store; only
// the fields in changed are checked, so an entry written by hand beyond a
// limit can still be edited in its other fields.
func checkEntry(e Entry, title, tags, body bool) error {
	if title {
		if err := CheckTitle(normTitle(e.Title)); err != nil {
			return err
		}
	}
	if tags {
		if err := CheckTags(renderTags(e.Tags)); err != nil {
			return err
		}
	}
	if body {
		if err := CheckText(e.Body); err != nil {
			return fmt.Errorf("content: %w", err)
		}
	}
	return nil
}

// ForIndex is text as the index stores it: invalid UTF-8 and control
// characters (see IsControl) replaced by U+FFFD, so one bad byte in a file
// written by hand never keeps the rest of the file out of the index.
func ForIndex(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexFunc(s, IsControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

// Problem is something in a memory file that had to be replaced to index it.
type Problem struct {
	Line    int    // 1-based line of the first bad character
	EntryID string // the entry it is in ("" outside entries or without an id)
	Title   string // that entry's heading
	Detail  string
}

// Problems lists, per entry, the first control character or invalid UTF-8
// in a file's content: what `mm status` shows so that the bad entry can be
// found and fixed by hand. Nil for a clean file; cheap for one (a single
// scan for bad bytes).
func Problems(content []byte) []Problem {
	if utf8.Valid(content) && bytes.IndexFunc(content, IsControl) < 0 {
		return nil
	}
	lines := Lines(content)
	lay := Scan(lines)
	var out []Problem
	seen := map[int]bool{} // entry index (-1: outside entries) already reported
	k := -1
	for i, l := range lines {
		for k+1 < len(lay.Entries) && lay.Entries[k+1].Heading <= i {
			k++
		}
		if seen[k] {
			continue
		}
		what, _, col, found := badChar(l)
		if !found {
			continue
		}
		seen[k] = true
		p := Problem{Line: i + 1, Detail: fmt.Sprintf("%s at line %d, column %d (indexed as U+FFFD; edit the file to remove it)", what, i+1, col)}
		if k >= 0 {
			p.EntryID = lay.Entries[k].Meta.ID
			p.Title = lay.Entries[k].Title
		}
		out = append(out, p)
	}
	return out
}
