package setup

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Claude Code's hooks live in its settings file (not in ~/.claude.json):
// "hooks": {"<Event>": [{"hooks": [{"type": "command", "command": …}]}]}.
// mm setup claude --hooks adds one matcher group per event to the event's
// array, as text like the server entry, beside the user's own hooks.

// Hook files of Claude Code.
const (
	HooksUser    = ".claude/settings.json"
	HooksProject = ".claude/settings.json"
)

// hookEvents are the events memtomem hooks, with the mm hook subcommand
// and the client's timeout for it (seconds).
var hookEvents = []struct {
	event, sub string
	timeout    int
}{
	{"SessionStart", "session-start", 5},
	{"UserPromptSubmit", "prompt", 2},
}

// array is a JSON array in a file: its brackets and its elements' spans.
type array struct {
	open, close int
	elems       []span // keyStart is the element's start
}

func parseArray(data []byte, at int) (array, error) {
	dec := json.NewDecoder(bytes.NewReader(data[at:]))
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return array{}, fmt.Errorf("not a JSON array")
	}
	arr := array{open: at}
	for dec.More() {
		prev := int(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return arr, err
		}
		end := int(dec.InputOffset())
		start := prev + bytes.Index(data[at+prev:at+end], bytes.TrimSpace(raw)[:1])
		arr.elems = append(arr.elems, span{keyStart: at + start, valueEnd: at + end})
	}
	end := int(dec.InputOffset())
	if _, err := dec.Token(); err != nil {
		return arr, err
	}
	arr.close = at + end + bytes.IndexByte(data[at+end:], ']')
	return arr, nil
}

// valueAt is the offset where member key's value starts in obj.
func valueAt(data []byte, obj object, key string) int {
	s := obj.members[key]
	at := bytes.IndexByte(data[s.keyStart:], ':') + s.keyStart + 1
	for at < len(data) && strings.ContainsRune(" \t\r\n", rune(data[at])) {
		at++
	}
	return at
}

// hookElement is memtomem's matcher group for one event.
func hookElement(command, sub string, timeout int) string {
	return fmt.Sprintf(`{"hooks": [{"type": "command", "command": %s, "timeout": %d}]}`, quote(command+" hook "+sub), timeout)
}

// isOurs reports whether a matcher group runs mm hook sub.
func isOurs(raw []byte, sub string) bool {
	var g struct {
		Hooks []struct {
			Command string `json:"command"`
		} `json:"hooks"`
	}
	if json.Unmarshal(raw, &g) != nil {
		return false
	}
	for _, h := range g.Hooks {
		f := strings.Fields(h.Command)
		if len(f) == 3 && (f[0] == "mm" || strings.HasSuffix(f[0], "/mm")) && f[1] == "hook" && f[2] == sub {
			return true
		}
	}
	return false
}

// AddHooks returns Claude Code settings with memtomem's hooks; changed is
// false when every one is there.
func AddHooks(content []byte, command string) (out []byte, changed bool, err error) {
	out = content
	for _, h := range hookEvents {
		var did bool
		out, did, err = addHook(out, command, h.event, h.sub, h.timeout)
		if err != nil {
			return nil, false, err
		}
		changed = changed || did
	}
	return out, changed, nil
}

func addHook(content []byte, command, event, sub string, timeout int) ([]byte, bool, error) {
	elem := hookElement(command, sub, timeout)
	if len(bytes.TrimSpace(content)) == 0 {
		content = []byte("{}\n")
	}
	top, err := topObject(content)
	if err != nil {
		return nil, false, err
	}
	if _, ok := top.members["hooks"]; !ok {
		return insertMember(content, top, "hooks", fmt.Sprintf("{\n  %q: [%s]\n}", event, elem)), true, nil
	}
	hooks, err := parseObject(content, valueAt(content, top, "hooks"))
	if err != nil {
		return nil, false, fmt.Errorf(`"hooks" is not an object: %v`, err)
	}
	if _, ok := hooks.members[event]; !ok {
		return insertMember(content, hooks, event, "["+elem+"]"), true, nil
	}
	arr, err := parseArray(content, valueAt(content, hooks, event))
	if err != nil {
		return nil, false, fmt.Errorf("hooks.%s is not an array: %v", event, err)
	}
	for _, e := range arr.elems {
		if isOurs(content[e.keyStart:e.valueEnd], sub) {
			return content, false, nil
		}
	}
	var b bytes.Buffer
	if len(arr.elems) == 0 {
		b.Write(content[:arr.open+1])
		b.WriteString(elem)
		b.Write(content[arr.close:])
		return b.Bytes(), true, nil
	}
	last := arr.elems[len(arr.elems)-1].valueEnd
	sep := ", "
	if first := arr.elems[0].keyStart; bytes.ContainsRune(content[arr.open:first], '\n') {
		sep = ",\n" + indentOf(content, first) // one element a line, as the file has them
	}
	b.Write(content[:last])
	b.WriteString(sep + elem)
	b.Write(content[last:])
	return b.Bytes(), true, nil
}

// RemoveHooks takes memtomem's hooks out of Claude Code settings, with an
// event's array (and the hooks object) when nothing else is left in it.
func RemoveHooks(content []byte) (out []byte, changed bool, err error) {
	out = content
	for _, h := range hookEvents {
		var did bool
		out, did, err = removeHook(out, h.event, h.sub)
		if err != nil {
			return nil, false, err
		}
		changed = changed || did
	}
	return out, changed, nil
}

func removeHook(content []byte, event, sub string) ([]byte, bool, error) {
	if len(bytes.TrimSpace(content)) == 0 {
		return content, false, nil
	}
	top, err := topObject(content)
	if err != nil {
		return nil, false, err
	}
	if _, ok := top.members["hooks"]; !ok {
		return content, false, nil
	}
	hooks, err := parseObject(content, valueAt(content, top, "hooks"))
	if err != nil {
		return content, false, nil
	}
	if _, ok := hooks.members[event]; !ok {
		return content, false, nil
	}
	arr, err := parseArray(content, valueAt(content, hooks, event))
	if err != nil {
		return content, false, nil
	}
	for i, e := range arr.elems {
		if !isOurs(content[e.keyStart:e.valueEnd], sub) {
			continue
		}
		if len(arr.elems) == 1 {
			if len(hooks.order) == 1 {
				return removeMember(content, top, "hooks"), true, nil
			}
			return removeMember(content, hooks, event), true, nil
		}
		var b bytes.Buffer
		if i > 0 {
			b.Write(content[:arr.elems[i-1].valueEnd])
			b.Write(content[e.valueEnd:])
		} else {
			b.Write(content[:e.keyStart])
			b.Write(content[arr.elems[1].keyStart:])
		}
		return b.Bytes(), true, nil
	}
	return content, false, nil
}
