package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/index"
)

// The child mm (this test binary run as mm) holds its index walk before the
// file numbered pauseAfterEnv+1, once: it writes the marker file named by
// pauseMarkEnv and waits until the walk's context ends (then writes the
// marker + ".resumed", with the context's error). A test then cancels
// the call or signals the process at a point it knows, with no race against
// a fast walk.
const (
	pauseAfterEnv = "MM_TEST_PAUSE_INDEX_AFTER"
	pauseMarkEnv  = "MM_TEST_PAUSE_MARK"
)

func init() {
	n, err := strconv.Atoi(os.Getenv(pauseAfterEnv))
	mark := os.Getenv(pauseMarkEnv)
	if err != nil || mark == "" {
		return
	}
	var seen atomic.Int64 // the watcher's walk may run alongside
	index.SetBeforeFileHookForTest(func(ctx context.Context, _ string) {
		if seen.Add(1) != int64(n+1) {
			return
		}
		os.WriteFile(mark, []byte("paused"), 0o600)
		select {
		case <-ctx.Done():
			os.WriteFile(mark+".resumed", []byte(ctx.Err().Error()), 0o600)
		case <-time.After(2 * time.Minute): // a bound, far past any test's
		}
	})
}

// cancelCorpus makes a remembered source of n small notes, note000.md …,
// each with its own word (wordNNN), and returns its folder. Only the first
// note exists when it is remembered (mm index), so the rest is new to a
// later mem_index.
func cancelCorpus(t *testing.T, home string, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "notes")
	note := func(i int) {
		body := fmt.Sprintf("# Note %d\n\nThis note is about word%03d and nothing else.\n", i, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("note%03d.md", i)), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	note(0)
	if out, err := mmCommand(t, home, "index", dir).CombinedOutput(); err != nil {
		t.Fatalf("mm index %s: %v\n%s", dir, err, out)
	}
	for i := 1; i < n; i++ {
		note(i)
	}
	return dir
}

func num(m map[string]any, key string) int {
	f, _ := m[key].(float64)
	return int(f)
}

// A client that cancels a long mem_index (notifications/cancelled) stops
// it: the server answers the next call at once, the files indexed before
// the cancel are searchable and the rest are not, and the next mem_index
// indexes exactly the rest.
func TestCancelledIndexKeepsWhatItDid(t *testing.T) {
	const total, pause = 60, 20
	home := t.TempDir()
	dir := cancelCorpus(t, home, total)
	mark := filepath.Join(t.TempDir(), "paused")
	s := startServer(t, home, pauseAfterEnv+"="+strconv.Itoa(pause), pauseMarkEnv+"="+mark)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ended := make(chan error, 1)
	go func() {
		_, _, err := s.callCtx(ctx, "mem_index", map[string]any{"path": dir})
		ended <- err
	}()
	eventually(t, "the index to reach its pause point", func() bool { _, err := os.Stat(mark); return err == nil })
	cancel()
	if err := <-ended; err == nil {
		t.Fatal("the cancelled mem_index returned no error to its caller")
	}
	// The client side returns at once in any case; the server's walk must
	// see its context end too (a detached walk would sit at its pause).
	eventually(t, "the server's walk to see the cancel", func() bool { _, err := os.Stat(mark + ".resumed"); return err == nil })

	// The walk stopped before the pause: what it read before is committed
	// and searchable, and nothing after it. (A walk still running would
	// index the last note.) The walk writes several files per
	// transaction, so the last of them are committed as it stops, just
	// after its context ended.
	before, last := fmt.Sprintf("word%03d", pause-1), fmt.Sprintf("word%03d", total-1)
	eventually(t, "the notes indexed before the cancel to be found", func() bool {
		ok, err := s.found(before, before, 5)
		return err == nil && ok
	})
	if ok, err := s.found(last, last, 5); err != nil || ok {
		t.Fatalf("a note after the cancel point is searchable (found %v, err %v): the index did not stop", ok, err)
	}
	_, st := s.mustCall("mem_status", nil)
	if got := num(st, "files"); got != pause {
		t.Errorf("mem_status files = %d after the cancel, want the %d indexed before it", got, pause)
	}

	// A later run completes it: the first 20 are unchanged, the rest new.
	_, out := s.mustCall("mem_index", map[string]any{"path": dir})
	if num(out, "files_unchanged") != pause || num(out, "files_indexed") != total-pause || out["stopped"] != nil {
		t.Errorf("second mem_index: %v; want %d unchanged and %d indexed", out, pause, total-pause)
	}
	if ok, err := s.found(last, last, 5); err != nil || !ok {
		t.Fatalf("the last note is not found after the second run (err %v)", err)
	}
}

// SIGTERM during a long mem_index: the index stops at its next file and
// answers with what it did and why it stopped, and the process exits well
// within the shutdown grace period (30 s) instead of waiting it out.
func TestSigtermStopsIndex(t *testing.T) {
	const total, pause = 60, 20
	home := t.TempDir()
	dir := cancelCorpus(t, home, total)
	mark := filepath.Join(t.TempDir(), "paused")
	s := startServer(t, home, pauseAfterEnv+"="+strconv.Itoa(pause), pauseMarkEnv+"="+mark)

	type answer struct {
		out map[string]any
		err error
	}
	answered := make(chan answer, 1)
	go func() {
		_, out, err := s.call("mem_index", map[string]any{"path": dir})
		answered <- answer{out, err}
	}()
	eventually(t, "the index to reach its pause point", func() bool { _, err := os.Stat(mark); return err == nil })
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		s.session.Wait()
		exited <- s.session.Close()
	}()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("mm serve did not exit within 20 s of SIGTERM while indexing (grace period 30 s)")
	}
	if s.cmd.ProcessState == nil || s.cmd.ProcessState.ExitCode() != 0 {
		t.Errorf("exit state: %v", s.cmd.ProcessState)
	}
	a := <-answered
	if a.err != nil {
		t.Fatalf("the index in flight at SIGTERM got no answer: %v", a.err)
	}
	if why, _ := a.out["stopped"].(string); !strings.Contains(why, "shutting down") || num(a.out, "files_indexed") != pause-1 {
		t.Errorf("answer at SIGTERM: %v; want %d files indexed and stopped: shutting down", a.out, pause-1)
	}
}
