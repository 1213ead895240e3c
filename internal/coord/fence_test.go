package coord

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fenceChild campaigns for "indexer" in $childEnv_RUNDIR with a 100ms poll
// and a 1s stale bound until its stdin closes. It reports "leading <pid>"
// when it starts leading and "fenced <pid>" when its lead is cancelled while
// it is still campaigning (another process took the role over).
func fenceChild() int {
	roleStale = time.Second
	runDir := os.Getenv(childEnv + "_RUNDIR")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	pid := os.Getpid()
	fmt.Println("campaigning")
	Campaign(ctx, runDir, "indexer", 100*time.Millisecond, func(lctx context.Context) {
		fmt.Println("leading", pid)
		<-lctx.Done()
		if ctx.Err() == nil {
			fmt.Println("fenced", pid)
		}
	})
	fmt.Println("done")
	return 0
}

// waitLine waits up to d for the child to report want, skipping other lines.
func waitLine(t *testing.T, c *child, want string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("child %d did not report %q within %v", c.pid(), want, d)
		}
		if line := c.next(t, left); line == want {
			return
		}
	}
}

// A leader that is stopped (SIGSTOP) keeps its flock, so only its stale
// heartbeat can move the role: another process takes it over, and the old
// leader, once resumed, notices it was fenced off and stops leading.
func TestCampaignFencesStoppedLeader(t *testing.T) {
	runDir := t.TempDir()
	path := filepath.Join(runDir, "role-indexer.lock")
	a := startChild(t, "fence", childEnv+"_RUNDIR="+runDir)
	waitLine(t, a, fmt.Sprint("leading ", a.pid()), 30*time.Second)
	b := startChild(t, "fence", childEnv+"_RUNDIR="+runDir)
	waitLine(t, b, "campaigning", 30*time.Second)

	if err := a.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitLine(t, b, fmt.Sprint("leading ", b.pid()), 30*time.Second)
	if got := HolderPID(path); got != b.pid() {
		t.Errorf("role file names pid %d after the take-over, want %d", got, b.pid())
	}

	if err := a.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	waitLine(t, a, fmt.Sprint("fenced ", a.pid()), 30*time.Second)
	if got := HolderPID(path); got != b.pid() {
		t.Errorf("role file names pid %d after the old leader resumed, want %d", got, b.pid())
	}
	if _, ok := mustTry(t, path, true); ok {
		t.Error("role lock free while B leads")
	}
	a.stop(t)
	b.stop(t)
}

// A waiter that gives up names the holder's pid, so the user can find a
// stopped or hung process.
func TestLockWaitNamesHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db-write.lock")
	h := startHolder(t, path)
	_, err := LockWait(context.Background(), path, true, 100*time.Millisecond)
	if err == nil {
		t.Fatal("took a lock another process holds")
	}
	if want := fmt.Sprintf("pid %d", h.cmd.Process.Pid); !strings.Contains(err.Error(), want) {
		t.Errorf("busy error does not name the holder (%s): %v", want, err)
	}
}
