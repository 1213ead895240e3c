package setup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The JSON clients' files are edited as text, never re-encoded: a member is
// inserted into (or cut out of) the servers object, and every other byte of
// the file (its key order, spacing, other servers) stays as it was.

// span is a member of a JSON object: the byte offsets of its key's first
// quote and its value's end.
type span struct{ keyStart, valueEnd int }

// object is a JSON object in a file: where its braces are, and its members.
type object struct {
	open, close int // offsets of '{' and '}'
	members     map[string]span
	order       []string
}

// readObject reads the object whose '{' the decoder has just returned.
func readObject(dec *json.Decoder, data []byte, open int) (object, error) {
	obj := object{open: open, members: map[string]span{}}
	for dec.More() {
		keyEnd := int(dec.InputOffset())
		t, err := dec.Token()
		if err != nil {
			return obj, err
		}
		key, _ := t.(string)
		keyStart := bytes.IndexByte(data[keyEnd:], '"') + keyEnd
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return obj, err
		}
		obj.members[key] = span{keyStart: keyStart, valueEnd: int(dec.InputOffset())}
		obj.order = append(obj.order, key)
	}
	end := int(dec.InputOffset())
	if _, err := dec.Token(); err != nil { // '}'
		return obj, err
	}
	obj.close = bytes.IndexByte(data[end:], '}') + end
	return obj, nil
}

// parseObject reads the JSON object at data[at:] (at is its '{').
func parseObject(data []byte, at int) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(data[at:]))
	t, err := dec.Token()
	if err != nil {
		return object{}, err
	}
	if t != json.Delim('{') {
		return object{}, errors.New("not a JSON object")
	}
	obj, err := readObject(dec, data[at:], 0)
	if err != nil {
		return obj, err
	}
	obj.open += at
	obj.close += at
	for k, s := range obj.members {
		obj.members[k] = span{s.keyStart + at, s.valueEnd + at}
	}
	return obj, nil
}

// topObject parses a whole file's top-level object, refusing anything else
// (comments included: encoding/json reads none, and the file is then left
// alone rather than rewritten without them).
func topObject(data []byte) (object, error) {
	at := bytes.IndexByte(data, '{')
	if at < 0 || strings.Trim(string(data[:at]), " \t\r\n") != "" {
		return object{}, errors.New("the file is not a JSON object")
	}
	obj, err := parseObject(data, at)
	if err != nil {
		return obj, fmt.Errorf("the file is not plain JSON (%v); comments are not supported: edit it by hand (docs/clients.md has the entry)", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data[obj.close+1:]))
	if _, err := dec.Token(); err != io.EOF {
		return obj, errors.New("the file holds more than one JSON value")
	}
	return obj, nil
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

// unit is one level of indentation, guessed from the file (two spaces when
// it says nothing).
func unit(data []byte, obj object) string {
	if len(obj.order) > 0 {
		if ind := indentOf(data, obj.members[obj.order[0]].keyStart); ind != indentOf(data, obj.open) {
			return strings.TrimPrefix(ind, indentOf(data, obj.open))
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

// insertMember adds "key": value as the last member of obj.
func insertMember(data []byte, obj object, key, value string) []byte {
	base := indentOf(data, obj.open)
	if len(obj.order) > 0 {
		base = strings.TrimSuffix(indentOf(data, obj.members[obj.order[0]].keyStart), unit(data, obj))
	}
	u := unit(data, obj)
	inner := base + u
	member := fmt.Sprintf("%q: %s", key, reindent(reunit(value, u), inner))
	var out bytes.Buffer
	if len(obj.order) == 0 {
		out.Write(data[:obj.open+1])
		out.WriteString("\n" + inner + member + "\n" + base)
		out.Write(data[obj.close:])
		return out.Bytes()
	}
	last := obj.members[obj.order[len(obj.order)-1]].valueEnd
	out.Write(data[:last])
	out.WriteString(",\n" + inner + member)
	out.Write(data[last:])
	return out.Bytes()
}

// removeMember cuts the member key out of obj, with the comma and line
// break that insertMember wrote, so an insert then a remove gives the file
// back byte for byte.
func removeMember(data []byte, obj object, key string) []byte {
	s := obj.members[key]
	i := -1
	for j, k := range obj.order {
		if k == key {
			i = j
		}
	}
	var out bytes.Buffer
	switch {
	case len(obj.order) == 1: // the only member: the object becomes empty
		out.Write(data[:obj.open+1])
		out.Write(data[obj.close:])
	case i > 0: // from the end of the member before it
		prev := obj.members[obj.order[i-1]].valueEnd
		out.Write(data[:prev])
		out.Write(data[s.valueEnd:])
	default: // the first of several: up to the next member's key
		next := obj.members[obj.order[1]].keyStart
		out.Write(data[:s.keyStart])
		out.Write(data[next:])
	}
	return out.Bytes()
}
