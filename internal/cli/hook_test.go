package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hook runs mm hook NAME with the hook JSON on stdin and returns the
// injected context ("" when it printed nothing), failing on a non-zero exit.
func hook(t *testing.T, name string, input any) string {
	t.Helper()
	in, _ := json.Marshal(input)
	if s, ok := input.(string); ok {
		in = []byte(s)
	}
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"hook", name}, bytes.NewReader(in), &out, &errOut); code != ExitOK {
		t.Fatalf("mm hook %s: exit %d: %s", name, code, errOut.String())
	}
	if out.Len() == 0 {
		return ""
	}
	var got hookOutput
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("mm hook %s printed %q: not the hook JSON (%v)", name, out.String(), err)
	}
	if got.HookSpecificOutput.HookEventName == "" || got.HookSpecificOutput.AdditionalContext == "" {
		t.Fatalf("mm hook %s: %+v", name, got)
	}
	return got.HookSpecificOutput.AdditionalContext
}

// The session-start hook injects the pinned memories and the project's;
// the prompt hook injects what is relevant to each prompt, never twice in
// one session; a bad input injects nothing, exits 0 and is logged.
func TestHooks(t *testing.T) {
	home := t.TempDir()
	t.Setenv("MEMTOMEM_HOME", home)
	mustMM(t, "add", "Always run make lint before pushing.", "--title", "Lint rule", "--json")
	mustMM(t, "add", "lark deploys go through the canary gate first.", "--title", "Lark deploys")
	mustMM(t, "add", "The cache key includes the locale.", "--title", "Cache key")
	out := mustMM(t, "search", "lint", "--json")
	var found struct {
		Results []struct {
			ChunkID string `json:"chunk_id"`
		} `json:"results"`
	}
	json.Unmarshal([]byte(out), &found)
	mustMM(t, "pin", found.Results[0].ChunkID)

	start := hook(t, "session-start", map[string]any{"session_id": "s-1", "cwd": "/home/dev/lark", "hook_event_name": "SessionStart", "source": "startup"})
	if !strings.Contains(start, "make lint") || !strings.Contains(start, "canary gate") || strings.Contains(start, "locale") {
		t.Fatalf("session start injected:\n%s", start)
	}
	prompt := map[string]any{"session_id": "s-1", "cwd": "/home/dev/lark", "hook_event_name": "UserPromptSubmit", "prompt": "why does the cache key include the locale?"}
	if got := hook(t, "prompt", prompt); !strings.Contains(got, "cache key includes the locale") || strings.Contains(got, "make lint") {
		t.Fatalf("prompt hook injected:\n%s", got)
	}
	if got := hook(t, "prompt", prompt); got != "" {
		t.Fatalf("the same prompt again injected what the session already has:\n%s", got)
	}
	other := map[string]any{"session_id": "s-2", "hook_event_name": "UserPromptSubmit", "prompt": "cache key locale"}
	if got := hook(t, "prompt", other); !strings.Contains(got, "locale") || strings.Contains(got, "make lint") {
		t.Fatalf("another session did not get the memory:\n%s", got)
	}

	if got := hook(t, "prompt", "this is not json"); got != "" {
		t.Fatalf("bad input injected %q", got)
	}
	if got := hook(t, "prompt", map[string]any{"hook_event_name": "Stop"}); got != "" {
		t.Fatalf("a wrong event injected %q", got)
	}
	log, _ := os.ReadFile(filepath.Join(home, "hooks.log"))
	if !strings.Contains(string(log), "not JSON") || !strings.Contains(string(log), "got a Stop event") {
		t.Fatalf("hooks.log:\n%s", log)
	}
}
