package setup

import (
	"bytes"
	"encoding/json"
	"testing"
)

// othersKept decodes a file before and after an edit of its member key
// and fails unless the edit took a JSON object to a JSON object with every
// other member unchanged; ok is false for an empty input (a new file).
func othersKept(t *testing.T, in, out []byte, key string) (before, after map[string]any, ok bool) {
	t.Helper()
	if decodeJSONC(in, &before) != nil {
		if len(bytes.TrimSpace(in)) == 0 {
			return nil, nil, false
		}
		t.Fatalf("an edit accepted input that is not a JSON object: %q", in)
	}
	if err := decodeJSONC(out, &after); err != nil {
		t.Fatalf("an edit made invalid JSON from %q: %q (%v)", in, out, err)
	}
	if json.Valid(in) && !json.Valid(out) {
		t.Fatalf("an edit made JSONC of plain JSON: %q → %q", in, out)
	}
	for k, v := range before {
		if k != key && !jsonEqual(v, after[k]) {
			t.Fatalf("member %q changed: %q → %q", k, in, out)
		}
	}
	return before, after, true
}

// blank reports whether n is an empty object or array holding nothing but
// space (no comment), the one shape an edit does not give back byte for
// byte.
func blank(data []byte, n *node) bool {
	return n != nil && (n.kind == '{' || n.kind == '[') && len(n.items) == 0 &&
		len(bytes.Trim(data[n.open()+1:n.close()], " \t\r\n")) == 0
}

// For any JSON (or JSONC) object, Add leaves every other member as it was (decoded
// and compared), adds the entry, and Remove gives the bytes back unless the
// servers object held nothing else; Add never panics on any input.
func FuzzAddRemove(f *testing.F) {
	f.Add([]byte(`{"a": 1, "mcpServers": {"x": {"command": "y"}}}`))
	f.Add([]byte("{\n\t\"mcpServers\": {}\n}"))
	f.Add([]byte(`{"nested": {"mcpServers": {}}, "s": "\"{}\""}`))
	f.Add([]byte("{\n  // servers\n  \"mcpServers\": {\n    \"x\": {}, // x\n  },\n}"))
	f.Add([]byte("{\"mcpServers\": {/* none */}}"))
	f.Add([]byte("{\r\n\"mcpServers\": {\"a\": 1} // c\r\n}"))
	claude, _ := Find("claude")
	f.Fuzz(func(t *testing.T, in []byte) {
		out, changed, err := claude.Add(in, "mm")
		if err != nil || !changed {
			return
		}
		before, after, ok := othersKept(t, in, out, claude.Key)
		if !ok {
			return
		}
		servers, _ := after[claude.Key].(map[string]any)
		if servers[ServerName] == nil {
			t.Fatalf("no entry in %q", out)
		}
		if old, _ := before[claude.Key].(map[string]any); old != nil {
			for k, v := range old {
				if !jsonEqual(v, servers[k]) {
					t.Fatalf("server %q changed: %q → %q", k, in, out)
				}
			}
		}
		back, changed, err := claude.Remove(out)
		if err != nil || !changed {
			t.Fatalf("Remove(%q): %v %v", out, changed, err)
		}
		// The exceptions (docs/clients.md): an empty object comes back as
		// {} whatever spacing it had, and an empty servers object goes;
		// either holding a comment is kept, so comes back as it was.
		top, _ := topObject(in)
		if !blank(in, top) && !blank(in, top.member(claude.Key)) && !bytes.Equal(back, in) {
			t.Fatalf("Remove did not give back %q: %q", in, back)
		}
	})
}

// The same for the hooks: for any JSON object, AddHooks keeps every other
// member and every other hook, and RemoveHooks gives the bytes back when
// the file had hooks of its own in both events' arrays or none at all.
func FuzzAddRemoveHooks(f *testing.F) {
	f.Add([]byte(`{"hooks": {"SessionStart": [{"hooks": [{"type": "command", "command": "x"}]}]}}`))
	f.Add([]byte(`{"model": "opus"}`))
	f.Add([]byte("{\"hooks\": {\"SessionStart\": [ // mine\n {\"hooks\": []},\n],},}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, changed, err := AddHooks(in, "mm")
		if err != nil || !changed {
			return
		}
		before, after, ok := othersKept(t, in, out, "hooks")
		if !ok {
			return
		}
		oldHooks, _ := before["hooks"].(map[string]any)
		newHooks, _ := after["hooks"].(map[string]any)
		for event, v := range oldHooks {
			old, _ := v.([]any)
			now, _ := newHooks[event].([]any)
			for i := range old {
				if i >= len(now) || !jsonEqual(old[i], now[i]) {
					t.Fatalf("hook %s[%d] changed: %q → %q", event, i, in, out)
				}
			}
		}
		back, _, err := RemoveHooks(out)
		if err != nil {
			t.Fatalf("RemoveHooks(%q): %v", out, err)
		}
		top, _ := topObject(in)
		kept := !blank(in, top) && !blank(in, top.member("hooks"))
		for _, h := range hookEvents {
			if blank(in, top.member("hooks").member(h.event)) {
				kept = false // an empty array goes with our entry
			}
		}
		if kept && !bytes.Equal(back, in) {
			t.Fatalf("RemoveHooks did not give back %q: %q", in, back)
		}
	})
}
