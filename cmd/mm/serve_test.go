package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// server is one `mm serve` process with an MCP client session over stdio.
type server struct {
	t       *testing.T
	cmd     *exec.Cmd
	session *mcp.ClientSession
}

func startServer(t *testing.T, home string, env ...string) *server {
	t.Helper()
	cmd := mmCommand(t, home, "serve")
	cmd.Env = append(cmd.Env, env...)
	return connectServer(t, cmd)
}

// startServers starts n servers on one home.
func startServers(t *testing.T, home string, n int) []*server {
	t.Helper()
	srv := make([]*server, n)
	for i := range srv {
		srv[i] = startServer(t, home)
	}
	return srv
}

// call runs a tool and returns its text and structured content; tool errors
// are returned as errors.
func (s *server) call(name string, args map[string]any) (string, map[string]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return s.callCtx(ctx, name, args)
}

// callCtx is call on the caller's context: cancelling ctx makes the go-sdk
// client send notifications/cancelled for the call.
func (s *server) callCtx(ctx context.Context, name string, args map[string]any) (string, map[string]any, error) {
	res, err := s.session.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return "", nil, err
	}
	var text strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text.WriteString(tc.Text)
		}
	}
	var structured map[string]any
	if res.StructuredContent != nil {
		b, _ := json.Marshal(res.StructuredContent)
		json.Unmarshal(b, &structured)
	}
	if res.IsError {
		return text.String(), structured, fmt.Errorf("tool error: %s", text.String())
	}
	return text.String(), structured, nil
}

func (s *server) mustCall(name string, args map[string]any) (string, map[string]any) {
	s.t.Helper()
	text, st, err := s.call(name, args)
	if err != nil {
		s.t.Fatalf("%s(%v): %v", name, args, err)
	}
	return text, st
}

// found runs mem_search and reports whether a result's content contains
// want. (The text of an empty answer repeats the query, so only the
// structured results are trusted.)
func (s *server) found(query, want string, topK int) (bool, error) {
	_, st, err := s.call("mem_search", map[string]any{"query": query, "top_k": topK})
	if err != nil {
		return false, err
	}
	results, _ := st["results"].([]any)
	for _, r := range results {
		if m, ok := r.(map[string]any); ok {
			if c, _ := m["content"].(string); strings.Contains(c, want) {
				return true, nil
			}
		}
	}
	return false, nil
}

// The reported bug: two servers on one home both connect, both write, and
// each finds what the other wrote.
func TestTwoServersShareOneStore(t *testing.T) {
	home := t.TempDir()
	a, b := startServer(t, home), startServer(t, home)
	a.mustCall("mem_add", map[string]any{"content": "written through server A about albatrosses"})
	b.mustCall("mem_add", map[string]any{"content": "written through server B about butterflies"})
	for _, s := range []*server{a, b} {
		for _, word := range []string{"albatrosses", "butterflies"} {
			if ok, err := s.found(word, "about "+word, 10); !ok || err != nil {
				t.Errorf("a server does not find %q written by the other (%v)", word, err)
			}
		}
	}
	text, _ := a.mustCall("mem_status", nil)
	if !strings.Contains(text, "instances: 2 live") {
		t.Errorf("status should list both servers:\n%s", text)
	}
}

// mm reset refuses while servers have the store open and names them; once
// they have exited (one cleanly, one by kill -9) it works without --force.
func TestResetWhileServing(t *testing.T) {
	home := t.TempDir()
	a, b := startServer(t, home), startServer(t, home)
	a.mustCall("mem_add", map[string]any{"content": "kept across the reset"})
	b.mustCall("mem_status", nil) // opens the store in b too

	out, err := mmCommand(t, home, "reset", "--yes").CombinedOutput()
	code := exitCode(err)
	if code != 2 || !strings.Contains(string(out), "in use by 2 memtomem processes") ||
		!strings.Contains(string(out), fmt.Sprintf("pid %d", a.cmd.Process.Pid)) ||
		!strings.Contains(string(out), fmt.Sprintf("pid %d", b.cmd.Process.Pid)) {
		t.Fatalf("reset while serving: exit %d\n%s", code, out)
	}
	if strings.Contains(string(out), "--force") {
		t.Errorf("the refusal must not suggest --force:\n%s", out)
	}

	a.session.Close()    // stdin EOF: clean exit
	b.cmd.Process.Kill() // kill -9
	b.session.Wait()     // the connection drops when the process dies
	b.session.Close()    // reaps it: the SDK owns cmd.Wait
	out, err = mmCommand(t, home, "reset", "--yes").CombinedOutput()
	if exitCode(err) != 0 {
		t.Fatalf("reset after the servers exited: %v\n%s", err, out)
	}
	c := startServer(t, home)
	if ok, err := c.found("kept", "kept across the reset", 10); !ok || err != nil {
		t.Errorf("the markdown was not re-indexed after reset (%v)", err)
	}
}

// SIGTERM and stdin EOF: the server exits 0, its registry entry is gone,
// and every acknowledged write is on disk.
func TestServerShutdown(t *testing.T) {
	for _, how := range []string{"sigterm", "stdin-eof"} {
		t.Run(how, func(t *testing.T) {
			home := t.TempDir()
			s := startServer(t, home)
			for i := range 5 {
				s.mustCall("mem_add", map[string]any{"content": fmt.Sprintf("acknowledged write %d", i)})
			}
			if n := liveEntries(t, home); n != 1 {
				t.Fatalf("%d registry entries while serving, want 1", n)
			}
			done := make(chan error, 1)
			go func() {
				if how == "sigterm" {
					s.cmd.Process.Signal(syscall.SIGTERM)
					s.session.Wait() // the server closes its end when it exits
				}
				// Closing reaps the process (after SIGTERM it has exited
				// already; otherwise this closes stdin: the EOF case).
				done <- s.session.Close()
			}()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("exit after %s: %v", how, err)
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("server did not exit within 15s of %s", how)
			}
			if s.cmd.ProcessState == nil || s.cmd.ProcessState.ExitCode() != 0 {
				t.Errorf("exit state after %s: %v", how, s.cmd.ProcessState)
			}
			if n := liveEntries(t, home); n != 0 {
				t.Errorf("%d registry entries left after %s", n, how)
			}
			entries := diskEntries(t, home)
			for i := range 5 {
				if entries[fmt.Sprintf("acknowledged write %d", i)] != 1 {
					t.Errorf("acknowledged write %d missing after %s", i, how)
				}
			}
		})
	}
}

func liveEntries(t *testing.T, home string) int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(home, "memtomem.run", "instances", "*.json"))
	return len(files)
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
