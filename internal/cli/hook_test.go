package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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

// The stop hook keeps the client's session summary as a memory the next
// session finds: PostCompact's compact_summary, else the latest summary in
// the transcript (Claude Code's JSONL); once per summary; nothing when the
// client wrote none, and never a file that is not a .jsonl transcript.
func TestStopHook(t *testing.T) {
	home := t.TempDir()
	t.Setenv("MEMTOMEM_HOME", home)
	summaries := func() []string {
		out := mustMM(t, "list", "--tags", "session-summary", "--json")
		var got struct {
			Results []struct {
				Content string `json:"content"`
			} `json:"results"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("mm list: %v\n%s", err, out)
		}
		var all []string
		for _, m := range got.Results {
			all = append(all, m.Content)
		}
		return all
	}

	post := map[string]any{"session_id": "s-1", "transcript_path": "", "cwd": "/home/dev/lark", "hook_event_name": "PostCompact",
		"trigger": "auto", "compact_summary": "Moved the canary gate before the deploy step; the flaky test is TestCacheLocale."}
	if got := hook(t, "stop", post); got != "" {
		t.Fatalf("the stop hook printed %q; it injects nothing", got)
	}
	hook(t, "stop", post) // a retry: the same summary, kept once
	if got := summaries(); len(got) != 1 || !strings.Contains(got[0], "canary gate before the deploy") || !strings.Contains(got[0], "(lark)") {
		t.Fatalf("after PostCompact: %q", got)
	}

	dir := t.TempDir()
	transcript := filepath.Join(dir, "s-2.jsonl")
	lines := []string{
		`{"type":"user","sessionId":"s-2","message":{"role":"user","content":"fix the locale bug"}}`,
		`{"type":"summary","summary":"An older summary","leafUuid":"a1"}`,
		`{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"done, the summary field is \"summary\""}]}}`,
		`{"type":"user","isCompactSummary":true,"message":{"role":"user","content":[{"type":"text","text":"This session is being continued. Summary: the locale is now part of the cache key."}]}}`,
		`not json at all`,
	}
	os.WriteFile(transcript, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	end := map[string]any{"session_id": "s-2", "transcript_path": transcript, "cwd": "/home/dev/lark", "hook_event_name": "SessionEnd", "reason": "exit"}
	hook(t, "stop", end)
	got := summaries()
	if len(got) != 2 || !strings.Contains(strings.Join(got, "\n"), "locale is now part of the cache key") || strings.Contains(strings.Join(got, "\n"), "older summary") {
		t.Fatalf("after SessionEnd with a transcript: %q", got)
	}

	// No summary anywhere, a file that is no transcript, a wrong event:
	// nothing kept, nothing printed, exit 0, a line in hooks.log.
	os.WriteFile(filepath.Join(dir, "plain.jsonl"), []byte(`{"type":"user","message":{"content":"hi"}}`+"\n"), 0o600)
	secret := filepath.Join(dir, "notes.txt")
	os.WriteFile(secret, []byte(`{"type":"summary","summary":"private notes"}`+"\n"), 0o600)
	fifo := filepath.Join(dir, "fifo.jsonl") // a transcript path naming a FIFO is refused, not waited on
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, in := range []map[string]any{
		{"session_id": "s-7", "transcript_path": fifo, "hook_event_name": "SessionEnd"},
		{"session_id": "s-8", "transcript_path": dir, "hook_event_name": "SessionEnd"},
		{"session_id": "s-3", "transcript_path": filepath.Join(dir, "plain.jsonl"), "hook_event_name": "SessionEnd"},
		{"session_id": "s-4", "transcript_path": secret, "hook_event_name": "SessionEnd"},
		{"session_id": "s-5", "transcript_path": dir + "/missing.jsonl", "hook_event_name": "Stop"},
		{"session_id": "s-6", "compact_summary": "x", "hook_event_name": "UserPromptSubmit"},
	} {
		if out := hook(t, "stop", in); out != "" {
			t.Fatalf("%v printed %q", in, out)
		}
	}
	if got := summaries(); len(got) != 2 {
		t.Fatalf("inputs without a summary kept %q", got[2:])
	}
	log, _ := os.ReadFile(filepath.Join(home, "hooks.log"))
	if strings.Contains(string(log), "gave up") {
		t.Errorf("a hook waited to its bound:\n%s", log)
	}
	for _, want := range []string{"fifo.jsonl: not a regular file", "nothing kept", "not a .jsonl file", "missing.jsonl", "got a UserPromptSubmit event"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("hooks.log lacks %q:\n%s", want, log)
		}
	}
}

// Any transcript line gives a summary or "", never a panic; a summary is
// trimmed, and only the two documented shapes give one.
func FuzzTranscriptLine(f *testing.F) {
	f.Add([]byte(`{"type":"summary","summary":" s "}`))
	f.Add([]byte(`{"isCompactSummary":true,"message":{"content":[{"type":"text","text":"t"},{"type":"image"}]}}`))
	f.Add([]byte(`{"type":"user","message":{"content":"summary"}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		s := lineSummary(line)
		if s != strings.TrimSpace(s) {
			t.Fatalf("untrimmed summary %q from %q", s, line)
		}
		if s != "" && !bytes.Contains(line, []byte("summary")) && !bytes.Contains(line, []byte("Summary")) {
			t.Fatalf("summary %q from a line without one: %q", s, line)
		}
	})
}
