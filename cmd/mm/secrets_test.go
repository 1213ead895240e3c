package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/secret/secrettest"
)

// memoriesHold reports whether any memory file under home holds s.
func memoriesHold(t *testing.T, home, s string) bool {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(home, "memories", "*.md"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), s) {
			return true
		}
	}
	return false
}

// By default a write holding a credential is refused, naming the rule and
// the line and how to proceed, and nothing is written; the clean items of a
// batch are stored.
func TestSecretWriteRefused(t *testing.T) {
	home := t.TempDir()
	s := startServer(t, home)
	tok := secrettest.GitHubToken(1)
	_, _, err := s.call("mem_add", map[string]any{"content": "CI setup for the release job\nexport GH_TOKEN=" + tok})
	if err == nil || !strings.Contains(err.Error(), "github-pat") || !strings.Contains(err.Error(), "content line 2") ||
		!strings.Contains(err.Error(), "security.secrets") {
		t.Fatalf("mem_add of a token: %v; want a refusal naming github-pat, line 2 and security.secrets", err)
	}
	_, _, err = s.call("mem_add", map[string]any{"content": "release notes", "title": "token " + tok})
	if err == nil || !strings.Contains(err.Error(), "title") {
		t.Fatalf("mem_add of a token in the title: %v", err)
	}
	_, st := s.mustCall("mem_do", map[string]any{"action": "batch_add", "params": map[string]any{"items": []any{
		map[string]any{"content": "the release job runs on tags"},
		map[string]any{"content": "token for the bot: " + tok},
	}}})
	if r, _ := st["result"].(map[string]any); r["added"] != 1.0 || r["failed"] != 1.0 {
		t.Fatalf("batch_add: %v; want the clean item added and the token refused", st)
	}
	if memoriesHold(t, home, tok) {
		t.Fatal("a refused token was written to a memory file")
	}
	if ok, err := s.found("release job tags", "runs on tags", 10); !ok || err != nil {
		t.Fatalf("the clean batch item is not searchable (%v)", err)
	}
}

// With security.secrets = redact the memory is stored with the credential
// replaced, the reply says so, and search finds the redacted memory.
func TestSecretWriteRedacted(t *testing.T) {
	home := t.TempDir()
	s := startServer(t, home, "MEMTOMEM_SECURITY__SECRETS=redact")
	tok := secrettest.GitHubToken(2)
	text, _ := s.mustCall("mem_add", map[string]any{"content": "Deploy bot for the lighthouse project\nexport GH_TOKEN=" + tok})
	if !strings.Contains(text, "redacted") || !strings.Contains(text, "github-pat") {
		t.Fatalf("mem_add reply does not say what was redacted:\n%s", text)
	}
	if memoriesHold(t, home, tok) || !memoriesHold(t, home, "GH_TOKEN=[REDACTED:github-pat]") {
		t.Fatal("the memory file holds the token, or not the redacted text")
	}
	if ok, err := s.found("lighthouse deploy bot", "[REDACTED:github-pat]", 10); !ok || err != nil {
		t.Fatalf("search does not find the redacted memory (%v)", err)
	}
	if ok, _ := s.found("lighthouse deploy bot", tok, 10); ok {
		t.Fatal("search returns the token")
	}
}

// mm index of a folder whose note holds a token in one section: the other
// sections are searchable, that one is not, and the run reports it skipped
// with file, line and rule.
func TestIndexLeavesOutSecretSection(t *testing.T) {
	home, notes := t.TempDir(), t.TempDir()
	tok := secrettest.GitHubToken(3)
	note := "# Ops\n\n## Deploy\n\nThe albatross pipeline deploys on every tag.\n\n" +
		"## Access\n\nThe zeppelin bot pushes with\nexport GH_TOKEN=" + tok + "\n\n## Backups\n\nThe walrus job backs up nightly.\n"
	if err := os.WriteFile(filepath.Join(notes, "ops.md"), []byte(note), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := mmCommand(t, home, "index", notes).CombinedOutput()
	if err != nil {
		t.Fatalf("mm index: %v\n%s", err, out)
	}
	if want := filepath.Join(notes, "ops.md") + ":10: secret: github-pat"; !strings.Contains(string(out), want) {
		t.Fatalf("mm index output does not report %q:\n%s", want, out)
	}
	s := startServer(t, home)
	for _, w := range []string{"albatross", "walrus"} {
		if ok, err := s.found(w, w, 10); !ok || err != nil {
			t.Errorf("%s (a clean section) is not searchable (%v)", w, err)
		}
	}
	if ok, _ := s.found("zeppelin", "zeppelin", 10); ok {
		t.Error("the section holding the token was indexed")
	}
}
