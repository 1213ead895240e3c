package setup

import (
	"bytes"
	"errors"
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
	{"PostCompact", "stop", 5},
	{"SessionEnd", "stop", 5},
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
	if decodeJSONC(raw, &g) != nil {
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
	hooks := top.member("hooks")
	if hooks == nil {
		return insertMember(content, top, "hooks", fmt.Sprintf("{\n  %q: [%s]\n}", event, elem)), true, nil
	}
	if hooks.kind != '{' {
		return nil, false, errors.New(`"hooks" is not an object`)
	}
	arr := hooks.member(event)
	if arr == nil {
		return insertMember(content, hooks, event, "["+elem+"]"), true, nil
	}
	if arr.kind != '[' {
		return nil, false, fmt.Errorf("hooks.%s is not an array", event)
	}
	for _, e := range arr.items {
		if isOurs(content[e.start:e.end], sub) {
			return content, false, nil
		}
	}
	// One element a line when the file has them so.
	base, u, lined := layout(content, arr)
	return appendItem(content, arr, elem, lined, base, u), true, nil
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
	hooks := top.member("hooks")
	arr := hooks.member(event)
	if arr == nil || arr.kind != '[' {
		return content, false, nil
	}
	for i, e := range arr.items {
		if !isOurs(content[e.start:e.end], sub) {
			continue
		}
		if arr.holdsOnly(content, i) {
			if hooks.holdsOnly(content, 0) {
				return removeMember(content, top, "hooks"), true, nil
			}
			return removeMember(content, hooks, event), true, nil
		}
		return removeItem(content, arr, i), true, nil
	}
	return content, false, nil
}
