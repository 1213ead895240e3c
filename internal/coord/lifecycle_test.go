package coord

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// joinChild joins the store in $childEnv_RUNDIR, waiting at most
// $childEnv_WAIT for maintenance, and reports "start" before joining, then
// "joined <pid>", "maintenance <error>" or "error <error>". A joined child
// leaves when its stdin closes and reports "left".
func joinChild() int {
	runDir := os.Getenv(childEnv + "_RUNDIR")
	wait, _ := time.ParseDuration(os.Getenv(childEnv + "_WAIT"))
	fmt.Println("start")
	s, err := Join(context.Background(), runDir, Instance{Version: "v0.0.0-test", Transport: "stdio", Command: "coord.test"}, wait)
	switch {
	case errors.Is(err, ErrMaintenance):
		fmt.Println("maintenance", err)
		return 0
	case err != nil:
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("joined", os.Getpid())
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := s.Leave(); err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("left")
	return 0
}

func startJoiner(t *testing.T, runDir string, wait time.Duration) *child {
	t.Helper()
	c := startChild(t, "join", childEnv+"_RUNDIR="+runDir, childEnv+"_WAIT="+wait.String())
	if line := c.next(t, 10*time.Second); line != "start" {
		t.Fatalf("child %d: %q", c.pid(), line)
	}
	return c
}

// expectJoined waits for a joiner to report that it joined.
func expectJoined(t *testing.T, c *child) {
	t.Helper()
	if line, want := c.next(t, 10*time.Second), fmt.Sprint("joined ", c.pid()); line != want {
		t.Fatalf("child %d: got %q, want %q", c.pid(), line, want)
	}
}

func livePIDs(t *testing.T, runDir string) []int {
	t.Helper()
	live, err := Live(runDir)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, in := range live {
		pids = append(pids, in.PID)
	}
	return pids
}

// entryFiles lists the registry entry files of pid present on disk.
func entryFiles(t *testing.T, runDir string, pid int) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(runDir, "instances", strconv.Itoa(pid)+"-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestInstanceString(t *testing.T) {
	in := Instance{PID: 1234, Version: "v0.1.0", Transport: "stdio", Started: time.Now().Add(-(3*time.Minute + 12*time.Second))}
	if got, want := in.String(), "pid 1234, mm v0.1.0 (stdio), up 3m12s"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := (Instance{PID: 7}).String(), "pid 7, mm (version unknown)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestInUseErrorMessage(t *testing.T) {
	now := time.Now()
	err := error(&InUseError{Instances: []Instance{
		{PID: 11, Version: "v1", Transport: "stdio", Started: now},
		{PID: 22, Version: "v1", Transport: "cli", Started: now},
	}})
	msg := err.Error()
	for _, want := range []string{"\n  pid 11, mm v1 (stdio)", "\n  pid 22, mm v1 (cli)", "close those editor sessions"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if !errors.Is(err, ErrInUse) {
		t.Error("InUseError does not match ErrInUse")
	}
	empty := (&InUseError{}).Error()
	if !strings.Contains(empty, "another memtomem process holds it") {
		t.Errorf("empty-list message %q", empty)
	}
	for _, m := range []string{msg, empty} {
		if strings.Contains(strings.ToLower(m), "force") {
			t.Errorf("message suggests forcing: %q", m)
		}
	}
}

func TestJoinInProcess(t *testing.T) {
	runDir := t.TempDir()
	ctx := context.Background()
	// Two sessions of one process are two peers like any others.
	s1, err := Join(ctx, runDir, Instance{Version: "v1", Transport: "stdio"}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Join(ctx, runDir, Instance{Version: "v1", Transport: "cli", Started: time.Now().Add(time.Second)}, time.Second)
	if err != nil {
		t.Fatalf("second session refused: %v", err)
	}
	if in := s1.Instance(); in.PID != os.Getpid() || in.Started.IsZero() {
		t.Errorf("defaults not filled in: %+v", in)
	}
	live, err := Live(runDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 2 || live[0].Transport != "stdio" || live[1].Transport != "cli" {
		t.Fatalf("Live = %+v, want stdio then cli", live)
	}
	di, err := os.Stat(filepath.Join(runDir, "instances"))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("instances dir mode %v", di.Mode().Perm())
	}
	for _, p := range entryFiles(t, runDir, os.Getpid()) {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("entry %s mode %v", p, fi.Mode().Perm())
		}
	}

	_, err = Exclusive(runDir)
	var inUse *InUseError
	if !errors.As(err, &inUse) || len(inUse.Instances) != 2 {
		t.Fatalf("Exclusive with two sessions: %v", err)
	}

	if err := s1.Leave(); err != nil {
		t.Fatal(err)
	}
	if err := s1.Leave(); err != nil {
		t.Fatalf("second Leave: %v", err)
	}
	if pids := livePIDs(t, runDir); len(pids) != 1 {
		t.Fatalf("after one Leave: %v", pids)
	}
	if err := s2.Leave(); err != nil {
		t.Fatal(err)
	}
	if n := len(entryFiles(t, runDir, os.Getpid())); n != 0 {
		t.Fatalf("%d entries left after Leave", n)
	}
	l, err := Exclusive(runDir)
	if err != nil {
		t.Fatalf("Exclusive after all left: %v", err)
	}
	// While maintenance holds the store, joining fails after the wait.
	if _, err := Join(ctx, runDir, Instance{}, 30*time.Millisecond); !errors.Is(err, ErrMaintenance) {
		t.Fatalf("Join during maintenance: %v", err)
	}
	l.Unlock()
}

func TestJoinContextCancelled(t *testing.T) {
	runDir := t.TempDir()
	l, err := Exclusive(runDir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err = Join(ctx, runDir, Instance{}, 5*time.Second)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrMaintenance) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestLiveCorruptStaleAndTemp(t *testing.T) {
	runDir := t.TempDir()
	dir := filepath.Join(runDir, "instances")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A live entry (locked) whose JSON is garbage: still listed, pid from name.
	corrupt := write("4242-deadbeef.json", "{not json")
	hold, ok, err := TryLock(corrupt, true)
	if err != nil || !ok {
		t.Fatal("lock corrupt entry", err)
	}
	defer hold.Unlock()
	// A stale entry (nobody holds its lock): deleted, not listed.
	stale := write("4343-cafebabe.json", `{"pid":4343,"version":"v1","transport":"stdio"}`)
	// A temp file being written right now: neither listed nor deleted.
	fresh := write(".tmp-123", "{")
	// A temp file abandoned long ago by a crash: swept.
	old := write(".tmp-456", "{")
	long := time.Now().Add(-2 * staleTempAge)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	other := write("README", "not an entry")

	live, err := Live(runDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 1 || live[0].PID != 4242 {
		t.Fatalf("Live = %+v, want only pid 4242", live)
	}
	for p, want := range map[string]bool{corrupt: true, stale: false, fresh: true, old: false, other: true} {
		_, err := os.Stat(p)
		if got := err == nil; got != want {
			t.Errorf("%s exists = %v, want %v", filepath.Base(p), got, want)
		}
	}
	// No Live call may create files, even for entries that vanish.
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale entry recreated: %v", err)
	}
}

func TestLiveNoRegistry(t *testing.T) {
	live, err := Live(filepath.Join(t.TempDir(), "missing"))
	if err != nil || len(live) != 0 {
		t.Fatalf("Live on a missing run dir = %v, %v", live, err)
	}
}

// TestJoinManyProcesses is the seed bug: the second (and every further)
// session must be let in, and a crashed one must need no cleanup.
func TestJoinManyProcesses(t *testing.T) {
	runDir := t.TempDir()
	a := startJoiner(t, runDir, time.Second)
	b := startJoiner(t, runDir, time.Second)
	expectJoined(t, a)
	expectJoined(t, b)

	want := []int{a.pid(), b.pid()}
	slices.Sort(want)
	got := livePIDs(t, runDir)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("Live pids %v, want %v", got, want)
	}

	_, err := Exclusive(runDir)
	var inUse *InUseError
	if !errors.As(err, &inUse) {
		t.Fatalf("Exclusive while two sessions are open: %v", err)
	}
	for _, pid := range want {
		if !strings.Contains(err.Error(), fmt.Sprintf("pid %d, mm v0.0.0-test (stdio)", pid)) {
			t.Errorf("refusal does not list pid %d:\n%s", pid, err)
		}
	}

	// A normal exit removes its own entry.
	a.stop(t)
	if line := a.next(t, time.Second); line != "left" {
		t.Fatalf("child a: %q", line)
	}
	if n := entryFiles(t, runDir, a.pid()); len(n) != 0 {
		t.Fatalf("entry of a cleanly exited process left behind: %v", n)
	}
	if got := livePIDs(t, runDir); !slices.Equal(got, []int{b.pid()}) {
		t.Fatalf("Live after a left: %v", got)
	}

	// kill -9 leaves the entry on disk, but its lock dies with the process.
	b.kill(t)
	if n := entryFiles(t, runDir, b.pid()); len(n) != 1 {
		t.Fatalf("killed process should have left its entry behind, found %v", n)
	}
	if got := livePIDs(t, runDir); len(got) != 0 {
		t.Fatalf("Live lists a killed process: %v", got)
	}
	if n := entryFiles(t, runDir, b.pid()); len(n) != 0 {
		t.Fatalf("stale entry not collected: %v", n)
	}
	l, err := Exclusive(runDir)
	if err != nil {
		t.Fatalf("Exclusive after every session is gone: %v", err)
	}
	l.Unlock()
}

// TestJoinCollectsStaleEntries: a starting process sweeps up after crashed ones.
func TestJoinCollectsStaleEntries(t *testing.T) {
	runDir := t.TempDir()
	a := startJoiner(t, runDir, time.Second)
	expectJoined(t, a)
	a.kill(t)
	s, err := Join(context.Background(), runDir, Instance{}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Leave()
	if n := entryFiles(t, runDir, a.pid()); len(n) != 0 {
		t.Fatalf("Join left a stale entry: %v", n)
	}
}

func TestJoinWaitsForMaintenance(t *testing.T) {
	runDir := t.TempDir()
	l, err := Exclusive(runDir)
	if err != nil {
		t.Fatal(err)
	}

	// Maintenance outlasts the wait: a retryable refusal, after the wait.
	start := time.Now()
	c := startJoiner(t, runDir, 300*time.Millisecond)
	line := c.next(t, 10*time.Second)
	if !strings.HasPrefix(line, "maintenance ") || !strings.Contains(line, "try again") {
		t.Fatalf("child during maintenance: %q", line)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("refused after %v, before its 300ms wait", d)
	}
	c.stop(t)

	// Maintenance ends within the wait: the child gets in.
	c = startJoiner(t, runDir, 10*time.Second)
	select {
	case line := <-c.lines:
		t.Fatalf("child did not wait for maintenance: %q", line)
	case <-time.After(100 * time.Millisecond):
	}
	l.Unlock()
	expectJoined(t, c)
	c.stop(t)
}
