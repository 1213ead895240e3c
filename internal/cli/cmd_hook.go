package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
)

// Hooks run inside the client's turn, so they never break or slow it: each
// has a hard time bound, and on any failure (bad input, a store that does
// not open, the bound passed) it prints nothing, exits 0 and writes one line
// to hooks.log in the store's home.
const (
	sessionStartBound = 2 * time.Second
	promptBound       = 300 * time.Millisecond
	stopBound         = 2 * time.Second
	// hookInputMax bounds what a hook reads from stdin.
	hookInputMax = 1 << 20
	// Budgets of what the hooks inject, in estimated tokens.
	sessionStartTokens = 1500
	promptTokens       = 600
	// sessionMaxAge is how long a session's record of what it was given
	// is kept.
	sessionMaxAge = 7 * 24 * time.Hour
	hookLogMax    = 1 << 20
)

// hookInput is what Claude Code (and clients that copy its format) sends a
// command hook on stdin; fields a hook does not use are ignored.
type hookInput struct {
	SessionID string `json:"session_id"`
	Cwd       string `json:"cwd"`
	Event     string `json:"hook_event_name"`
	Source    string `json:"source"` // SessionStart: startup, resume, clear, compact
	Prompt    string `json:"prompt"` // UserPromptSubmit
	// The session summary (mm hook stop): PostCompact's compact_summary,
	// a client's own summary field, else the transcript's.
	CompactSummary string `json:"compact_summary"`
	Summary        string `json:"summary"`
	TranscriptPath string `json:"transcript_path"`
}

// hookOutput is the JSON form of injected context.
type hookOutput struct {
	HookSpecificOutput struct {
		HookEventName     string `json:"hookEventName"`
		AdditionalContext string `json:"additionalContext"`
	} `json:"hookSpecificOutput"`
}

func (a *app) hookCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hook session-start|prompt|stop",
		Short: "Client hooks: inject memories at session start and on each prompt, keep session summaries",
		Long: `Hooks for Claude Code (and clients that use its hook format): each reads the
hook's JSON on stdin and prints the context the client injects.

  session-start   the pinned memories, then in a git project its newest
                  ones (and the global ones), elsewhere those relevant to
                  the folder's name, within 1500 tokens
  prompt          the memories relevant to the prompt (pinned ones are the
                  session start's), within 600 tokens,
                  never one this session was already given
  stop            after a compaction (PostCompact) or at the session's end
                  (SessionEnd, Stop): the client's session summary, kept
                  as a memory tagged session-summary (once per summary);
                  nothing when the client wrote none

They never break or slow the client: session-start and stop give up after 2 s,
prompt after 300 ms, and on any failure they print nothing and exit 0,
writing one line to hooks.log in the store's home. See docs/clients.md for
the settings that install them.`,
	}
	cmd.AddCommand(a.hookRun("session-start", "SessionStart", sessionStartBound), a.hookRun("prompt", "UserPromptSubmit", promptBound),
		a.hookRun("stop", "PostCompact|SessionEnd|Stop|PreCompact", stopBound))
	return cmd
}

func (a *app) hookRun(name, event string, bound time.Duration) *cobra.Command {
	return &cobra.Command{
		Use:   name,
		Short: "The " + strings.ReplaceAll(event, "|", ", ") + " hook (reads the hook JSON on stdin)",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), bound)
			defer cancel()
			done := make(chan string, 1)
			go func() {
				text, err := a.runHook(ctx, name, event)
				if err != nil {
					a.hookLog(name, err)
				}
				done <- text
			}()
			select {
			case text := <-done:
				if text != "" {
					var out hookOutput
					out.HookSpecificOutput.HookEventName = event
					out.HookSpecificOutput.AdditionalContext = text
					b, _ := json.Marshal(out)
					fmt.Fprintln(a.stdout, string(b))
				}
			case <-ctx.Done():
				a.hookLog(name, fmt.Errorf("gave up after %v: nothing injected", bound))
			}
			return nil
		},
	}
}

// runHook composes what the hook injects.
func (a *app) runHook(ctx context.Context, name, event string) (string, error) {
	raw, err := io.ReadAll(io.LimitReader(a.stdin, hookInputMax))
	if err != nil {
		return "", err
	}
	var in hookInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return "", fmt.Errorf("hook input is not JSON: %v", err)
	}
	if in.Event != "" && !slices.Contains(strings.Split(event, "|"), in.Event) {
		return "", fmt.Errorf("mm hook %s got a %s event: check the hook's settings", name, in.Event)
	}
	if name == "stop" {
		return "", a.saveSessionSummary(ctx, in)
	}
	m, err := a.openIn(ctx, in.Cwd)
	if err != nil {
		return "", err
	}
	defer m.Close()
	given := a.sessionGiven(in.SessionID)
	req := memtomem.ContextRequest{MaxTokens: promptTokens, Query: in.Prompt, SkipPinned: true}
	if name == "session-start" {
		// In a project the view is already the project's (and the global
		// memories): its newest. Elsewhere, those relevant to the folder.
		req = memtomem.ContextRequest{MaxTokens: sessionStartTokens}
		if in.Cwd != "" && m.Project() == "" {
			req.Query = filepath.Base(in.Cwd)
		}
		if in.Source != "compact" { // after a compaction the memories are gone from the context
			given.reset()
		}
		given.forgetOldSessions()
	} else if strings.TrimSpace(in.Prompt) == "" {
		return "", nil
	}
	res, err := m.Context(ctx, req)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, it := range res.Items {
		if given.has(it.ChunkID) {
			continue
		}
		given.add(it.ChunkID)
		fmt.Fprintf(&b, "- %s (%s, chunk %s)\n  %s\n", titleOf(it), it.Source, it.ChunkID, strings.ReplaceAll(it.Body(), "\n", "\n  "))
	}
	if b.Len() == 0 {
		return "", given.save()
	}
	head := "Memories from memtomem relevant to this prompt (read more with mem_read):\n"
	if name == "session-start" {
		head = "Memories from memtomem for this project (pinned first; search more with mem_search):\n"
	}
	return head + b.String(), given.save()
}

func titleOf(it memtomem.ContextItem) string {
	if it.Title != "" {
		return it.Title
	}
	return "memory"
}

// hookLog appends one line to hooks.log (kept under hookLogMax).
func (a *app) hookLog(name string, err error) {
	home, herr := a.homeDir()
	if herr != nil {
		return
	}
	path := filepath.Join(home, "hooks.log")
	if info, err := os.Stat(path); err == nil && info.Size() > hookLogMax {
		os.Rename(path, path+".1")
	}
	f, ferr := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if ferr != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s mm hook %s: %v\n", time.Now().UTC().Format(time.RFC3339), name, err)
}

// sessionRecord is what one client session was given, so a prompt hook
// does not inject a memory twice.
type sessionRecord struct {
	path string
	IDs  []string `json:"ids"`
	set  map[string]bool
}

// maxSessionIDs bounds a session's record.
const maxSessionIDs = 2000

func (a *app) sessionGiven(session string) *sessionRecord {
	r := &sessionRecord{set: map[string]bool{}}
	home, err := a.homeDir()
	if err != nil || session == "" {
		return r
	}
	dir := filepath.Join(home, "hooks")
	name := strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			return c
		}
		return '_'
	}, session)
	if len(name) > 100 {
		name = name[:100]
	}
	r.path = filepath.Join(dir, name+".json")
	if b, err := os.ReadFile(r.path); err == nil {
		json.Unmarshal(b, r)
	}
	for _, id := range r.IDs {
		r.set[id] = true
	}
	return r
}

// forgetOldSessions removes the records of sessions of last week; it runs
// at session start, off the prompt hook's path.
func (r *sessionRecord) forgetOldSessions() {
	if r.path == "" {
		return
	}
	dir := filepath.Dir(r.path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > sessionMaxAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func (r *sessionRecord) has(id string) bool { return r.set[id] }
func (r *sessionRecord) add(id string) {
	r.set[id] = true
	r.IDs = append(r.IDs, id)
}
func (r *sessionRecord) reset() { r.IDs, r.set = nil, map[string]bool{} }

func (r *sessionRecord) save() error {
	if r.path == "" {
		return nil
	}
	if len(r.IDs) > maxSessionIDs {
		r.IDs = r.IDs[len(r.IDs)-maxSessionIDs:]
	}
	if err := os.MkdirAll(filepath.Dir(r.path), 0o700); err != nil {
		return err
	}
	b, _ := json.Marshal(r)
	return writeFileAtomic(r.path, func(f *os.File) error { _, err := f.Write(b); return err })
}
