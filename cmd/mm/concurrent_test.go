package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// mmCommand runs the test binary as mm (see TestMain) in a real child process.
func mmCommand(t *testing.T, home string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	// testscript.Main dispatches on the program name; a symlink named mm
	// makes the child run mm's main.
	link := filepath.Join(t.TempDir(), "mm")
	if err := os.Symlink(exe, link); err != nil {
		t.Fatal(err)
	}
	cmd.Path = link
	cmd.Args[0] = link
	cmd.Env = append(os.Environ(), "MEMTOMEM_HOME="+home, raceExitQuickly)
	return cmd
}

// raceExitQuickly stops a -race child from sleeping a second at exit, which
// would dominate tests that start dozens of processes.
const raceExitQuickly = "GORACE=atexit_sleep_ms=0"

// concurrentAdds is how many mm add processes TestConcurrentAddProcesses
// starts at once: enough to contend in the default suite; the integration
// run (load_test.go) starts twenty.
var concurrentAdds = 8

// mm add processes started at once on a fresh home: every entry lands on
// disk exactly once, the file stays well-formed, and every entry is
// searchable afterwards.
func TestConcurrentAddProcesses(t *testing.T) {
	home := t.TempDir()
	n := concurrentAdds
	var wg sync.WaitGroup
	errs := make([]error, n)
	outs := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := mmCommand(t, home, "add", fmt.Sprintf("concurrent memory number%02d about zebras", i), "--tags", "load")
			out, err := cmd.CombinedOutput()
			errs[i], outs[i] = err, string(out)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("mm add #%d failed: %v\n%s", i, errs[i], outs[i])
		}
	}

	seen := diskEntries(t, home) // also fails on a torn or malformed entry
	for i := range n {
		body := fmt.Sprintf("concurrent memory number%02d about zebras", i)
		if seen[body] != 1 {
			t.Errorf("entry %q is on disk %d times, want once", body, seen[body])
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct entries on disk, want %d", len(seen), n)
	}

	out, err := mmCommand(t, home, "search", "zebras", "-k", "100", "--json").Output()
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	var resp struct {
		Results []struct{ Content string } `json:"results"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, r := range resp.Results {
		for i := range n {
			if strings.Contains(r.Content, fmt.Sprintf("number%02d ", i)) {
				found[fmt.Sprint(i)] = true
			}
		}
	}
	if len(found) != n {
		t.Errorf("search finds %d of the %d entries", len(found), n)
	}
	// Each one is individually findable too, through one server (a process
	// per query would only repeat the start-up the adds already covered).
	srv := startServer(t, home)
	for i := range n {
		if ok, err := srv.found(fmt.Sprintf("number%02d", i), fmt.Sprintf("number%02d ", i), 1); !ok || err != nil {
			t.Errorf("entry %d not found by its own word (%v)", i, err)
		}
	}
}
