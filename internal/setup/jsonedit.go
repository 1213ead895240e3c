package setup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tailscale/hujson"
)

// The JSON clients' files are edited as text, never re-encoded: an item is
// inserted into (or cut out of) an object or array, and every other byte of
// the file (its key order, spacing, comments, trailing commas, other
// servers) stays as it was. The files are parsed as JWCC (JSON with
// comments and trailing commas, what the clients' JSONC files are) by
// hujson, which gives the offsets; plain JSON in stays plain JSON out.

// node is a JSON value in a file, with the offsets an edit needs.
type node struct {
	start      int // the item's first byte: a member's key, else the value
	valueStart int
	end        int // just past the value
	comma      int // the comma after the value in its container, or -1
	kind       hujson.Kind
	// Objects have members (by decoded key, and in order); arrays elems.
	members map[string]*node
	items   []*node // members in order, or the elements
}

// open and close are the offsets of a container's brackets.
func (n *node) open() int  { return n.valueStart }
func (n *node) close() int { return n.end - 1 }

// member is the object member of that key, or nil.
func (n *node) member(key string) *node {
	if n == nil || n.members == nil {
		return nil
	}
	return n.members[key]
}

// convert turns hujson's tree into nodes; data is what it parsed.
func convert(v *hujson.Value, data []byte) *node {
	n := &node{start: v.StartOffset, valueStart: v.StartOffset, end: v.EndOffset, comma: -1, kind: v.Value.Kind()}
	commaAfter := func(v *hujson.Value, last bool) int {
		// hujson keeps a last value's after-extra only when a trailing
		// comma follows it.
		if last && v.AfterExtra == nil {
			return -1
		}
		at := v.EndOffset + len(v.AfterExtra)
		if at < len(data) && data[at] == ',' {
			return at
		}
		return -1
	}
	switch t := v.Value.(type) {
	case *hujson.Object:
		n.members = map[string]*node{}
		for i := range t.Members {
			m := &t.Members[i]
			c := convert(&m.Value, data)
			c.start = m.Name.StartOffset
			c.comma = commaAfter(&m.Value, i == len(t.Members)-1)
			key, _ := m.Name.Value.(hujson.Literal)
			n.members[key.String()] = c
			n.items = append(n.items, c)
		}
	case *hujson.Array:
		for i := range t.Elements {
			c := convert(&t.Elements[i], data)
			c.comma = commaAfter(&t.Elements[i], i == len(t.Elements)-1)
			n.items = append(n.items, c)
		}
	}
	return n
}

// topObject parses a whole file, which must be one JSON (or JWCC) object.
func topObject(data []byte) (*node, error) {
	v, err := hujson.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("the file is not JSON (%v): fix it, or add the entry by hand (docs/clients.md has it)", strings.TrimPrefix(err.Error(), "hujson: "))
	}
	if v.Value.Kind() != '{' {
		return nil, errors.New("the file is not a JSON object")
	}
	return convert(&v, data), nil
}

// decodeJSONC decodes a JWCC value (comments, trailing commas) like
// encoding/json decodes JSON.
func decodeJSONC(raw []byte, v any) error {
	std, err := hujson.Standardize(bytes.Clone(raw))
	if err != nil {
		return err
	}
	return json.Unmarshal(std, v)
}

// newline is the file's line break: CRLF when it uses them.
func newline(data []byte) string {
	if bytes.Contains(data, []byte("\r\n")) {
		return "\r\n"
	}
	return "\n"
}

// indentOf is the indentation of the line holding offset i.
func indentOf(data []byte, i int) string {
	start := bytes.LastIndexByte(data[:i], '\n') + 1
	line := data[start:i]
	n := 0
	for n < len(line) && (line[n] == ' ' || line[n] == '\t') {
		n++
	}
	return string(line[:n])
}

// startsLine reports whether only spaces precede offset i on its line.
func startsLine(data []byte, i int) bool {
	start := bytes.LastIndexByte(data[:i], '\n') + 1
	return strings.Trim(string(data[start:i]), " \t") == ""
}

// unit is one level of indentation, guessed from the container (two
// spaces when it says nothing).
func unit(data []byte, n *node) string {
	if len(n.items) > 0 && startsLine(data, n.items[0].start) {
		if ind, outer := indentOf(data, n.items[0].start), indentOf(data, n.open()); len(ind) > len(outer) && strings.HasPrefix(ind, outer) {
			return strings.TrimPrefix(ind, outer)
		}
	}
	return "  "
}

// reindent indents every line of a rendered value but the first by prefix.
func reindent(value, prefix string) string {
	return strings.ReplaceAll(value, "\n", "\n"+prefix)
}

// reunit rewrites a rendered value's indentation (two spaces a level) in
// the file's own unit.
func reunit(value, u string) string {
	if u == "  " {
		return value
	}
	lines := strings.Split(value, "\n")
	for i, l := range lines {
		n := len(l) - len(strings.TrimLeft(l, " "))
		lines[i] = strings.Repeat(u, n/2) + l[n:]
	}
	return strings.Join(lines, "\n")
}

// lineEnd is where an insertion after offset q goes: the end of q's line
// when the rest of it is blank or a line comment (so the comment stays
// with the item it follows), else q itself.
func lineEnd(data []byte, q int) int {
	nl := bytes.IndexByte(data[q:], '\n')
	if nl < 0 {
		return q
	}
	p := q + nl
	if p > q && data[p-1] == '\r' {
		p--
	}
	rest := strings.TrimLeft(string(data[q:p]), " \t")
	if rest == "" || strings.HasPrefix(rest, "//") {
		return p
	}
	return q
}

// splice builds data with text inserted at each offset (in order).
func splice(data []byte, at []int, text []string) []byte {
	var out bytes.Buffer
	prev := 0
	for i, p := range at {
		out.Write(data[prev:p])
		out.WriteString(text[i])
		prev = p
	}
	out.Write(data[prev:])
	return out.Bytes()
}

// replace builds data with data[from:to] replaced by text.
func replace(data []byte, from, to int, text string) []byte {
	out := make([]byte, 0, len(data)-(to-from)+len(text))
	out = append(append(append(out, data[:from]...), text...), data[to:]...)
	return out
}

// insertMember adds "key": value as the last member of the object n.
func insertMember(data []byte, n *node, key, value string) []byte {
	base, u, _ := layout(data, n)
	item := fmt.Sprintf("%q: %s", key, reindent(reunit(value, u), base+u))
	return appendItem(data, n, item, true, base, u)
}

// layout is how the container n is written: the indentation of its
// brackets' lines (base) and one level more (u), and whether its items
// start lines of their own (lined).
func layout(data []byte, n *node) (base, u string, lined bool) {
	u = unit(data, n)
	base = indentOf(data, n.open())
	if lined = len(n.items) > 0 && startsLine(data, n.items[0].start); lined {
		base = strings.TrimSuffix(indentOf(data, n.items[0].start), u)
	}
	return base, u, lined
}

// appendItem adds item (rendered with "\n" line breaks, indented for the
// container's items) after n's last item: on a line of its own when
// multiline, else after ", ". A trailing comma in the file is kept.
func appendItem(data []byte, n *node, item string, multiline bool, base, u string) []byte {
	nl := newline(data)
	item = strings.ReplaceAll(item, "\n", nl)
	sep := " "
	if multiline {
		sep = nl + base + u
	}
	if len(n.items) == 0 {
		inner := data[n.open()+1 : n.close()]
		if strings.Trim(string(inner), " \t\r\n") == "" { // nothing but space: ours alone
			text := item
			if multiline {
				text = sep + item + nl + base
			}
			return replace(data, n.open()+1, n.close(), text)
		}
		// Comments in it: ours goes before the closing bracket, on a line
		// of its own.
		at := n.close()
		if startsLine(data, at) {
			at = bytes.LastIndexByte(data[:at], '\n') + 1
			return splice(data, []int{at}, []string{base + u + item + nl})
		}
		// (Without a line break after it, so that removing it can tell
		// this shape from the one above and give back the bytes.)
		return splice(data, []int{at}, []string{sep + item})
	}
	last := n.items[len(n.items)-1]
	// On a line of its own, ours goes after a line comment that ends the
	// last item's line; on that line, right after the item (before it).
	after := func(q int) int {
		if multiline {
			return lineEnd(data, q)
		}
		return q
	}
	if last.comma >= 0 { // trailing comma: ours gets one too
		return splice(data, []int{after(last.comma + 1)}, []string{sep + item + ","})
	}
	p := after(last.end)
	if p == last.end {
		return splice(data, []int{p}, []string{"," + sep + item})
	}
	return splice(data, []int{last.end, p}, []string{",", sep + item})
}

// removeItem cuts the i-th item out of the container n with the comma and
// line break that appendItem wrote, so an insert then a remove gives the
// file back byte for byte (and a container left empty holding nothing but
// space becomes {} or []).
func removeItem(data []byte, n *node, i int) []byte {
	m := n.items[i]
	start := m.start
	atLine := startsLine(data, start) && bytes.LastIndexByte(data[:start], '\n') > n.open()
	if atLine { // from the line break before it
		start = bytes.LastIndexByte(data[:start], '\n')
		if start > 0 && data[start-1] == '\r' {
			start--
		}
	} else {
		for start > n.open()+1 && (data[start-1] == ' ' || data[start-1] == '\t') {
			start--
		}
	}
	if len(n.items) == 1 {
		if n.holdsOnly(data, 0) {
			return replace(data, n.open()+1, n.close(), "")
		}
		end := m.end
		if m.comma >= 0 {
			end = m.comma + 1
		}
		return replace(data, start, end, "")
	}
	if m.comma >= 0 {
		end := m.comma + 1
		if !atLine {
			for end < len(data) && (data[end] == ' ' || data[end] == '\t') {
				end++
			}
		}
		return replace(data, start, end, "")
	}
	prev := n.items[i-1] // the last item: the comma before it goes
	var out bytes.Buffer
	out.Write(data[:prev.comma])
	out.Write(data[prev.comma+1 : start])
	out.Write(data[m.end:])
	return out.Bytes()
}

// holdsOnly reports whether the container holds its i-th item and nothing
// else, not even a comment: a container that would be left empty by its
// removal and that can go with it.
func (n *node) holdsOnly(data []byte, i int) bool {
	if len(n.items) != 1 || i != 0 {
		return false
	}
	m := n.items[0]
	end := m.end
	if m.comma >= 0 {
		end = m.comma + 1
	}
	rest := string(data[n.open()+1:m.start]) + string(data[end:n.close()])
	return strings.Trim(rest, " \t\r\n") == ""
}

// removeMember cuts the member key out of the object n.
func removeMember(data []byte, n *node, key string) []byte {
	m := n.member(key)
	for i, it := range n.items {
		if it == m {
			return removeItem(data, n, i)
		}
	}
	return data
}
