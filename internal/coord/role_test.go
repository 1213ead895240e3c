package coord

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// campaignChild campaigns for "indexer" in $childEnv_RUNDIR with a 100ms
// poll until its stdin closes, then reports "done". While leading it reports
// "leading <pid>" and writes its pid to runDir/leader.pid. As an independent
// check that no two lead at once, a leader must also get a second exclusive
// lock, leader-check.lock; if it cannot within a second (far longer than any
// hand-over), another leader is still active, and it reports "violation".
func campaignChild() int {
	runDir := os.Getenv(childEnv + "_RUNDIR")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	pid := os.Getpid()
	fmt.Println("campaigning")
	Campaign(ctx, runDir, "indexer", 100*time.Millisecond, func(ctx context.Context) {
		check, err := LockWait(context.Background(), filepath.Join(runDir, "leader-check.lock"), true, time.Second)
		if err != nil {
			fmt.Println("violation", err)
			<-ctx.Done()
			return
		}
		defer check.Unlock()
		if err := os.WriteFile(filepath.Join(runDir, "leader.pid"), []byte(strconv.Itoa(pid)), 0o600); err != nil {
			fmt.Println("error", err)
		}
		fmt.Println("leading", pid)
		<-ctx.Done()
	})
	fmt.Println("done")
	return 0
}

type event struct {
	c    *child
	line string
}

func TestCampaignAcrossProcesses(t *testing.T) {
	runDir := t.TempDir()
	events := make(chan event, 64)
	var kids []*child
	for range 3 {
		c := startChild(t, "campaign", childEnv+"_RUNDIR="+runDir)
		kids = append(kids, c)
		go func() {
			for line := range c.lines {
				events <- event{c, line}
			}
		}()
	}
	// waitLeader returns the next child to report leading, skipping other
	// reports, and fails on a violation.
	waitLeader := func(d time.Duration) *child {
		t.Helper()
		deadline := time.After(d)
		for {
			select {
			case ev := <-events:
				switch {
				case strings.HasPrefix(ev.line, "leading "):
					if ev.line != fmt.Sprint("leading ", ev.c.pid()) {
						t.Fatalf("bad report %q", ev.line)
					}
					return ev.c
				case ev.line == "campaigning" || ev.line == "done":
				default:
					t.Fatalf("child %d: %q", ev.c.pid(), ev.line)
				}
			case <-deadline:
				t.Fatalf("nobody led within %v", d)
			}
		}
	}
	// quiet checks that nobody else starts leading while leader leads.
	quiet := func(leader *child) {
		t.Helper()
		got, err := os.ReadFile(filepath.Join(runDir, "leader.pid"))
		if err != nil || string(got) != strconv.Itoa(leader.pid()) {
			t.Fatalf("leader.pid = %q, %v; want %d", got, err, leader.pid())
		}
		deadline := time.After(300 * time.Millisecond) // three polls
		for {
			select {
			case ev := <-events:
				// Late start-up reports and a stopped leader's
				// "done" are fine; anything else is not.
				if ev.line != "campaigning" && (ev.line != "done" || ev.c == leader) {
					t.Fatalf("while %d leads, child %d: %q", leader.pid(), ev.c.pid(), ev.line)
				}
			case <-deadline:
				return
			}
		}
	}

	first := waitLeader(15 * time.Second) // children start slowly under -race
	quiet(first)

	// kill -9 the leader: another takes over within about a poll.
	killed := time.Now()
	first.kill(t)
	second := waitLeader(5 * time.Second)
	if second == first {
		t.Fatal("killed leader reported leading")
	}
	t.Logf("take-over after kill -9: %v", time.Since(killed))
	quiet(second)

	// A leader that shuts down cleanly hands over too.
	second.stdin.Close()
	third := waitLeader(5 * time.Second)
	if third == first || third == second {
		t.Fatalf("unexpected third leader %d", third.pid())
	}
	if err := second.cmd.Wait(); err != nil {
		t.Fatalf("stopped leader: %v", err)
	}
	quiet(third)
	third.stop(t)
	for _, c := range kids {
		if c != first && c.cmd.ProcessState == nil {
			c.stop(t)
		}
	}
}

func TestCampaignInProcess(t *testing.T) {
	runDir := t.TempDir()
	lockPath := filepath.Join(runDir, "role-indexer.lock")

	// A lead that returns early is re-run (after a poll) while ctx lives,
	// and the role is free between runs.
	var runs atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Campaign(ctx, runDir, "indexer", 10*time.Millisecond, func(ctx context.Context) {
			if runs.Add(1) == 3 {
				<-ctx.Done() // the third run leads until cancelled
			}
		})
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runs.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("lead ran %d times", runs.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	// While leading, the role is held even against this same process.
	if _, ok := mustTry(t, lockPath, true); ok {
		t.Fatal("role lock free while leading")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Campaign did not return after cancel")
	}
	l, ok := mustTry(t, lockPath, true)
	if !ok {
		t.Fatal("role lock still held after Campaign returned")
	}
	l.Unlock()
}

func TestCampaignWaitsForHolder(t *testing.T) {
	runDir := t.TempDir()
	held, _ := mustTry(t, filepath.Join(runDir, "role-indexer.lock"), true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	led := make(chan struct{})
	go Campaign(ctx, runDir, "indexer", 10*time.Millisecond, func(ctx context.Context) {
		close(led)
		<-ctx.Done()
	})
	select {
	case <-led:
		t.Fatal("led while another holds the role")
	case <-time.After(50 * time.Millisecond):
	}
	held.Unlock()
	select {
	case <-led:
	case <-time.After(5 * time.Second):
		t.Fatal("did not take over a released role")
	}
}
