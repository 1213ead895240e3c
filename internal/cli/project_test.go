package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// gitRepo makes a folder that git would call a repository (a .git folder
// with a config naming its origin), with a subfolder to work in.
func gitRepo(t *testing.T, origin string) string {
	t.Helper()
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, ".git"), 0o755)
	config := "[core]\n\trepositoryformatversion = 0\n"
	if origin != "" {
		config += "[remote \"origin\"]\n\turl = " + origin + "\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n"
	}
	os.WriteFile(filepath.Join(root, ".git", "config"), []byte(config), 0o644)
	sub := filepath.Join(root, "src", "deep")
	os.MkdirAll(sub, 0o755)
	return sub
}

// namespacesFound is the namespaces of what mm search finds.
func namespacesFound(t *testing.T, args ...string) []string {
	t.Helper()
	var got struct {
		Results []struct {
			Namespace string `json:"namespace"`
		} `json:"results"`
	}
	out := mustMM(t, append([]string{"search", "--json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("mm search: %v\n%s", err, out)
	}
	var ns []string
	for _, r := range got.Results {
		ns = append(ns, r.Namespace)
	}
	slices.Sort(ns)
	return ns
}

// A memory added inside a git repository goes to the project's namespace
// (named by its origin, else its folder); a search there sees the project
// and the global memories, not another project's; --namespace and
// MEMTOMEM_PROJECT override; hooks go by the hook JSON's cwd.
func TestProjectScope(t *testing.T) {
	t.Setenv("MEMTOMEM_HOME", t.TempDir())
	t.Setenv(projectEnv, "")
	lark := gitRepo(t, "git@github.com:acme/Lark.git")
	wren := gitRepo(t, "")
	outside := t.TempDir()

	t.Chdir(outside)
	mustMM(t, "add", "global deploy checklist")
	t.Chdir(lark)
	out := mustMM(t, "add", "lark deploy checklist", "--json")
	if !strings.Contains(out, `"namespace": "project:lark"`) {
		t.Fatalf("an add in the lark repository: %s", out)
	}
	mustMM(t, "add", "lark note filed elsewhere: deploy checklist", "--namespace", "notes")
	t.Chdir(wren)
	mustMM(t, "add", "wren deploy checklist")
	wrenNS := "project:" + strings.ToLower(filepath.Base(filepath.Dir(filepath.Dir(wren))))

	if got := namespacesFound(t, "deploy checklist"); !slices.Equal(got, sortedStrings("default", "notes", wrenNS)) {
		t.Errorf("search in wren finds %q", got)
	}
	t.Chdir(lark)
	if got := namespacesFound(t, "deploy checklist"); !slices.Equal(got, []string{"default", "notes", "project:lark"}) {
		t.Errorf("search in lark finds %q", got)
	}
	if got := namespacesFound(t, "deploy checklist", "--namespace", "project:*"); !slices.Equal(got, sortedStrings("project:lark", wrenNS)) {
		t.Errorf("search in lark for project:* finds %q", got)
	}
	t.Chdir(outside)
	if got := namespacesFound(t, "deploy checklist"); len(got) != 4 {
		t.Errorf("search outside any repository finds %q; want all four", got)
	}

	t.Chdir(lark)
	t.Setenv(projectEnv, "off")
	if out := mustMM(t, "add", "scoping off", "--json"); !strings.Contains(out, `"namespace": "default"`) {
		t.Errorf("MEMTOMEM_PROJECT=off: %s", out)
	}
	t.Setenv(projectEnv, "Shared Infra")
	if out := mustMM(t, "add", "named project", "--json"); !strings.Contains(out, `"namespace": "project:shared-infra"`) {
		t.Errorf("MEMTOMEM_PROJECT=Shared Infra: %s", out)
	}
	t.Setenv(projectEnv, "")

	t.Chdir(outside)
	hook(t, "stop", map[string]any{"session_id": "s", "cwd": lark, "hook_event_name": "PostCompact", "compact_summary": "lark summary of the deploy checklist work"})
	if got := namespacesFound(t, "summary", "--tags", "session-summary", "--namespace", "project:lark"); len(got) != 1 {
		t.Errorf("the stop hook's summary for a session in lark: %q", got)
	}
}

func sortedStrings(s ...string) []string {
	slices.Sort(s)
	return s
}
