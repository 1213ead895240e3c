package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Four mm index processes started at once, each on its own folder: every
// folder is remembered (none lost to a concurrent rewrite of sources.json),
// and mm reset brings all four back.
func TestConcurrentIndexRemembersEveryFolder(t *testing.T) {
	home := t.TempDir()
	root := t.TempDir()
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	outs := make([][]byte, n)
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("folder%d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "note.md"), []byte(fmt.Sprintf("# Note\n\nmarmot%d lives in folder %d\n", i, i)), 0o644); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = mmCommand(t, home, "index", dir).CombinedOutput()
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("mm index #%d: %v\n%s", i, errs[i], outs[i])
		}
	}
	out, err := mmCommand(t, home, "status", "--json").Output()
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	var st struct {
		Sources []struct{ Path string } `json:"sources"`
	}
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatalf("status json: %v\n%s", err, out)
	}
	if len(st.Sources) != n {
		t.Fatalf("%d folders remembered, want %d: %+v", len(st.Sources), n, st.Sources)
	}

	if out, err := mmCommand(t, home, "reset", "--yes").CombinedOutput(); err != nil {
		t.Fatalf("reset: %v\n%s", err, out)
	}
	for i := range n {
		out, err := mmCommand(t, home, "search", fmt.Sprintf("marmot%d", i)).CombinedOutput()
		if err != nil || !strings.Contains(string(out), fmt.Sprintf("lives in folder %d", i)) {
			t.Errorf("after reset, folder %d is not searchable (%v):\n%s", i, err, out)
		}
	}
}

// A home reached through a symlink, with real mm processes: one memory is
// one file and one search result whichever spelling indexes it, and
// deleting it leaves no ghost.
func TestSymlinkedHomeProcesses(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(root, "Dropbox", "mm-home")
	if err := os.MkdirAll(real, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "home")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	mm := func(args ...string) string {
		t.Helper()
		out, err := mmCommand(t, link, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("mm %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	mm("add", "the lighthouse keeper logs every ship")
	mm("index", filepath.Join(real, "memories"))
	mm("index", filepath.Join(link, "memories"))
	mm("index")

	var found struct {
		Results []struct {
			ChunkID string `json:"chunk_id"`
			Source  string `json:"source"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(mm("search", "lighthouse", "--json")), &found); err != nil {
		t.Fatal(err)
	}
	if len(found.Results) != 1 {
		t.Fatalf("search finds %d copies, want 1: %+v", len(found.Results), found.Results)
	}
	if !strings.HasPrefix(found.Results[0].Source, real+string(filepath.Separator)) {
		t.Errorf("source %s is not under the real home %s", found.Results[0].Source, real)
	}
	var st struct {
		Files, Chunks int
		Sources       []any `json:"sources"`
	}
	if err := json.Unmarshal([]byte(mm("status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Files != 1 || st.Chunks != 1 || len(st.Sources) != 0 {
		t.Fatalf("status: %d files, %d chunks, %d sources; want 1, 1 and 0 (the memory dir is not a source)", st.Files, st.Chunks, len(st.Sources))
	}

	mm("delete", found.Results[0].ChunkID)
	mm("index", filepath.Join(link, "memories"))
	if out := mm("search", "lighthouse"); !strings.Contains(out, "No results") {
		t.Fatalf("after delete, a ghost remains:\n%s", out)
	}
}
