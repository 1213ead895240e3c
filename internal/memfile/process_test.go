package memfile

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/memtomem/memtomem/internal/coord"
)

// childEnv switches the test binary into a child process role, so concurrency
// and crash tests run against real processes with their own file descriptors
// and flocks, not just goroutines.
const childEnv = "MEMTOMEM_MEMFILE_TEST_CHILD"

func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		if err := runChild(role); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runChild runs a child role. Arguments come through the environment:
// MT_PATH (memory file), MT_RUN (run dir), MT_N (entries), MT_TAG (label),
// MT_POINT (crash point).
func runChild(role string) error {
	w := &Writer{Locks: coord.NewFileLocks(os.Getenv("MT_RUN"))}
	path, tag := os.Getenv("MT_PATH"), os.Getenv("MT_TAG")
	switch role {
	case "append":
		n, err := strconv.Atoi(os.Getenv("MT_N"))
		if err != nil {
			return err
		}
		for i := range n {
			if _, _, err := w.Append(context.Background(), path, Entry{Title: fmt.Sprintf("%s-%d", tag, i), Body: fmt.Sprintf("from %s number %d", tag, i)}); err != nil {
				return err
			}
		}
		return nil
	case "crash":
		point := os.Getenv("MT_POINT")
		SetCrashHookForTest(func(p string) {
			if p == point {
				os.Exit(3) // no deferred cleanup, like a crash
			}
		})
		// An explicit id takes the read-modify-write path (the rename crash
		// points); a new one the append path (the append crash points).
		_, _, err := w.Append(context.Background(), path, Entry{Meta: Meta{ID: os.Getenv("MT_ID")}, Title: "doomed", Body: "never lands\nor lands whole"})
		return fmt.Errorf("crash point %q not reached: %v", point, err)
	}
	return fmt.Errorf("unknown role %q", role)
}

func child(role string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), childEnv+"="+role), env...)
	return cmd
}

func TestAppendFromProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	const procs, each = 10, 20
	path := filepath.Join(t.TempDir(), "shared.md")
	run := t.TempDir()
	var wg sync.WaitGroup
	for p := range procs {
		cmd := child("append", "MT_PATH="+path, "MT_RUN="+run, "MT_N="+strconv.Itoa(each), "MT_TAG=p"+strconv.Itoa(p))
		wg.Go(func() {
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("child %d: %v\n%s", p, err, out)
			}
		})
	}
	wg.Wait()
	entries := checkWellFormed(t, path, procs*each)
	ids := map[string]bool{}
	titles := map[string]bool{}
	for _, e := range entries {
		if ids[e.ID] {
			t.Errorf("id %s twice", e.ID)
		}
		ids[e.ID] = true
		titles[e.Title] = true
	}
	for p := range procs {
		for i := range each {
			if title := fmt.Sprintf("p%d-%d", p, i); !titles[title] {
				t.Errorf("missing %s", title)
			}
		}
	}
}

// A process that dies at any point of a write leaves the old file intact
// (at most a hidden temp file behind), and the lock free. One that dies
// while appending leaves part of its entry, which the next writer
// completes, as a retry of the add would: never a torn entry that glues
// itself to the next one.
func TestCrashLeavesFileIntact(t *testing.T) {
	for _, tc := range []struct {
		point  string
		id     string
		doomed bool // the crashing entry is in the file afterwards
	}{
		{"after-temp-write", "doomed-1", false},
		{"before-rename", "doomed-1", false},
		{"mid-append", "", true},
		{"after-append", "", true},
	} {
		point := tc.point
		t.Run(point, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "m.md")
			run := t.TempDir()
			w := &Writer{Locks: coord.NewFileLocks(run)}
			e, _, err := w.Append(context.Background(), path, Entry{Title: "kept", Body: "survives"})
			if err != nil {
				t.Fatal(err)
			}
			before := readFile(t, path)
			out, err := child("crash", "MT_PATH="+path, "MT_RUN="+run, "MT_POINT="+point, "MT_ID="+tc.id).CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
				t.Fatalf("child did not crash at %s: %v\n%s", point, err, out)
			}
			after := readFile(t, path)
			switch {
			case !tc.doomed && after != before:
				t.Fatalf("file changed by crashed write:\n%s", after)
			case tc.doomed && (!strings.HasPrefix(after, before) || len(after) == len(before)):
				t.Fatalf("crashed append left:\n%s", after)
			}
			// The lock died with the process: the next write goes through.
			e2, added, err := w.Append(context.Background(), path, Entry{Title: "next", Body: "after crash"})
			if err != nil || !added {
				t.Fatal(err)
			}
			got := Parse([]byte(readFile(t, path)))
			switch {
			case !tc.doomed && (len(got) != 2 || got[0].ID != e.ID || got[1].ID != e2.ID):
				t.Fatalf("entries %+v", got)
			case tc.doomed && (len(got) != 3 || got[0].ID != e.ID || got[1].Body != "never lands\nor lands whole" || got[2].ID != e2.ID):
				t.Fatalf("entries %+v", got)
			}
			des, _ := os.ReadDir(dir)
			for _, de := range des {
				if de.Name() != "m.md" && !strings.HasPrefix(de.Name(), ".m.md.tmp-") {
					t.Errorf("unexpected file %s", de.Name())
				}
			}
		})
	}
}
