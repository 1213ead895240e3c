package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/memtomem/memtomem/internal/crashpoint"
	"github.com/memtomem/memtomem/internal/memfile"
	"github.com/memtomem/memtomem/internal/store/sqlite"
)

// A process killed (SIGKILL) at each crash point leaves the memory file old
// or new, never torn; after restart, disk and index agree, nothing needs
// cleaning by hand, and mm reset works without --force.
func TestCrashPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries")
	}
	mm := buildMM(t, "mm", "", 0, 0, 0)
	crash := buildMM(t, "mm-crash", "crashtest", 0, 0, 0)
	for _, tc := range []struct {
		point      string
		entryAfter int // copies of the crashing entry on disk afterwards
		// rewrite makes the crashing add rewrite the file rather than
		// append to it: its journal is removed first, so memtomem cannot
		// vouch for what the file holds and reads it.
		rewrite bool
		// torn: the crash leaves part of the entry, which the next writer
		// completes, so the count holds once mm has run again.
		torn bool
	}{
		{crashpoint.AfterTempWrite, 0, true, false},
		{crashpoint.BeforeRename, 0, true, false},
		{crashpoint.BeforeCommit, 1, false, false},
		{crashpoint.MidAppend, 1, false, true},
		{crashpoint.AfterAppend, 1, false, false},
		{crashpoint.BeforeSync, 1, false, false},
	} {
		t.Run(tc.point, func(t *testing.T) {
			home := t.TempDir()
			for _, text := range []string{"steady entry one", "steady entry two", "steady entry three"} {
				if out, code := run(t, mm, home, "add", text); code != 0 {
					t.Fatalf("add: %s", out)
				}
			}
			args := []string{"add", "entry written during a crash", "--idempotency-key", "crash-1"}
			if tc.rewrite {
				forgetJournals(t, home)
			}
			cmd := exec.Command(crash, args...)
			cmd.Env = append(os.Environ(), "MEMTOMEM_HOME="+home, crashpoint.EnvVar+"="+tc.point)
			err := cmd.Run()
			if !killed(err) {
				t.Fatalf("the crash binary was not killed at %s: %v", tc.point, err)
			}

			check := func(entries map[string]int) {
				t.Helper()
				for _, want := range []string{"steady entry one", "steady entry two", "steady entry three"} {
					if entries[want] != 1 {
						t.Errorf("%q is on disk %d times after the crash", want, entries[want])
					}
				}
				if got := entries["entry written during a crash"]; got != tc.entryAfter {
					t.Errorf("crashing entry on disk %d times, want %d", got, tc.entryAfter)
				}
			}
			if !tc.torn {
				check(diskEntries(t, home))
			}

			// Restart: the next indexing run brings the index in line with disk.
			if out, code := run(t, mm, home, "index"); code != 0 {
				t.Fatalf("index after crash: %s", out)
			}
			entries := diskEntries(t, home)
			check(entries)
			indexed := indexedEntries(t, mm, home)
			for body, n := range entries {
				if indexed[body] != n {
					t.Errorf("%q: %d on disk, %d in the index", body, n, indexed[body])
				}
			}
			if len(indexed) != len(entries) {
				t.Errorf("index has %d entries, disk %d", len(indexed), len(entries))
			}
			integrity(t, home)
			if out, code := run(t, mm, home, "reset", "--yes"); code != 0 {
				t.Errorf("reset after a kill -9 needed help: %s", out)
			}
		})
	}

	// A crash in the middle of a migration step leaves the schema as it
	// was, and the next start runs the step exactly once: this release's
	// real newest step (the store written by a binary built to behave like
	// the release before), and a synthetic step past it.
	cur := sqlite.SchemaVersion
	for _, from := range []int{cur - 1, cur} {
		to := from + 1
		t.Run(fmt.Sprintf("%s/v%d-to-v%d", crashpoint.MidMigration, from, to), func(t *testing.T) {
			home := t.TempDir()
			old := buildMM(t, fmt.Sprintf("mm-v%d", from), "", from, 1, 1)
			if out, code := run(t, old, home, "add", "stored before the upgrade"); code != 0 {
				t.Fatalf("add: %s", out)
			}
			over := to // a fake next release: one synthetic step
			if to == cur {
				over = 0 // no override: this release, with its real step
			}
			upgradeCrash := buildMM(t, fmt.Sprintf("mm-v%d-crash", to), "crashtest", over, 1, 1)
			upgrade := buildMM(t, fmt.Sprintf("mm-v%d", to), "", over, 1, 1)
			cmd := exec.Command(upgradeCrash, "search", "upgrade")
			cmd.Env = append(os.Environ(), "MEMTOMEM_HOME="+home, crashpoint.EnvVar+"="+crashpoint.MidMigration)
			if err := cmd.Run(); !killed(err) {
				t.Fatalf("not killed mid-migration: %v", err)
			}
			if v, migrated := schemaOf(t, home); v != from || len(migrated) != from {
				t.Fatalf("after a crash mid-migration: schema v%d, %v; want v%d untouched", v, migrated, from)
			}
			out, code := run(t, upgrade, home, "search", "upgrade")
			if code != 0 || !strings.Contains(out, "stored before the upgrade") {
				t.Fatalf("restart after the crash: %s", out)
			}
			if v, migrated := schemaOf(t, home); v != to || len(migrated) != to {
				t.Errorf("after restart: schema v%d, %v; want v%d, each step once", v, migrated, to)
			}
			integrity(t, home)
		})
	}
}

func killed(err error) bool {
	ee, ok := err.(*exec.ExitError)
	if !ok {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// diskEntries counts entry bodies in the memory files, failing on a torn file.
func diskEntries(t *testing.T, home string) map[string]int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(home, "memories", "*.md"))
	out := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range memfile.Parse(b) {
			if e.ID == "" || e.Created.IsZero() || e.Body == "" {
				t.Errorf("torn or malformed entry in %s: %+v\n%s", f, e, b)
			}
			out[e.Body]++
		}
	}
	return out
}

func indexedEntries(t *testing.T, mm, home string) map[string]int {
	t.Helper()
	out, code := run(t, mm, home, "list", "--json", "-n", "1000")
	if code != 0 {
		t.Fatalf("list: %s", out)
	}
	var resp struct {
		Results []struct {
			Content string `json:"content"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("list --json: %v\n%s", err, out)
	}
	got := map[string]int{}
	for _, r := range resp.Results {
		lines := strings.Split(strings.TrimSpace(r.Content), "\n")
		got[strings.TrimSpace(lines[len(lines)-1])]++
	}
	return got
}

func integrity(t *testing.T, home string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(home, "memtomem.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity check: %q %v", res, err)
	}
}

// forgetJournals removes the journals of the memory files under home, as a
// crash between a file's write and its journal's would.
func forgetJournals(t *testing.T, home string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(home, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".journal") {
			n++
			return os.Remove(p)
		}
		return err
	})
	if err != nil || n == 0 {
		t.Fatalf("removing the journals: %d removed, %v", n, err)
	}
}
