//go:build linux

package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/crashpoint"
)

// isStopped reports whether the process is stopped by a signal (state T in
// /proc/<pid>/stat).
func isStopped(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	_, after, ok := bytes.Cut(b, []byte(") "))
	return ok && len(after) > 0 && after[0] == 'T'
}

// A process stopped (SIGSTOP, a debugger) inside its write transaction holds
// the database write lock. Every other writer gets a retryable busy error
// naming that process, instead of hanging; once it is resumed both writes
// complete and nothing is lost or duplicated. The stopped process is an
// `mm serve` (stopped inside a mem_add) or an `mm add`.
func TestStoppedWriterGivesBusyNotHang(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	stopper := buildMM(t, "mm-stop", "crashtest", 0, 0, 0)
	stopEnv := []string{crashpoint.EnvVar + "=" + crashpoint.BeforeCommit, crashpoint.HowVar + "=stop"}
	for _, kind := range []string{"serve", "add"} {
		t.Run(kind, func(t *testing.T) {
			home := t.TempDir()
			srv := startServer(t, home)
			srv.mustCall("mem_add", map[string]any{"content": "written before anyone stopped"})

			const stoppedBody = "written by the process that was stopped"
			var pid int
			var finish func() error // waits for the stopped write once resumed
			switch kind {
			case "serve":
				cmd := exec.Command(stopper, "serve")
				cmd.Env = append(append(os.Environ(), "MEMTOMEM_HOME="+home), stopEnv...)
				stopped := connectServer(t, cmd)
				done := make(chan error, 1)
				go func() {
					_, _, err := stopped.call("mem_add", map[string]any{"content": stoppedBody})
					done <- err
				}()
				pid, finish = cmd.Process.Pid, func() error { return <-done }
			case "add":
				add := exec.Command(stopper, "add", stoppedBody)
				add.Env = append(append(os.Environ(), "MEMTOMEM_HOME="+home), stopEnv...)
				var out bytes.Buffer
				add.Stdout, add.Stderr = &out, &out
				if err := add.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { add.Process.Kill() })
				pid = add.Process.Pid
				finish = func() error {
					if err := add.Wait(); err != nil {
						return fmt.Errorf("%v\n%s", err, out.String())
					}
					return nil
				}
			}
			proc, _ := os.FindProcess(pid)
			t.Cleanup(func() { proc.Signal(syscall.SIGCONT) })
			eventually(t, "the "+kind+" process to stop inside its write transaction", func() bool { return isStopped(pid) })

			args := map[string]any{"content": "written while another process was stopped", "idempotency_key": "while-stopped"}
			text, _, err := srv.call("mem_add", args)
			if err == nil {
				t.Fatalf("mem_add succeeded while another process held the write lock: %s", text)
			}
			t.Logf("the busy tool error: %s", text)
			if !strings.Contains(text, "busy") || !strings.Contains(text, fmt.Sprintf("pid %d", pid)) {
				t.Errorf("the busy error should say so and name the holder (pid %d):\n%s", pid, text)
			}

			if err := proc.Signal(syscall.SIGCONT); err != nil {
				t.Fatal(err)
			}
			if err := finish(); err != nil {
				t.Fatalf("the resumed process's write failed: %v", err)
			}
			srv.mustCall("mem_add", args) // the retry the busy error asked for
			entries := diskEntries(t, home)
			for _, body := range []string{"written before anyone stopped", stoppedBody, "written while another process was stopped"} {
				if entries[body] != 1 {
					t.Errorf("%q is on disk %d times, want 1", body, entries[body])
				}
				word := strings.Fields(body)[len(strings.Fields(body))-1]
				if ok, err := srv.found(word, body, 10); !ok || err != nil {
					t.Errorf("%q is not found (%v)", body, err)
				}
			}
		})
	}
}

// connectServer starts cmd (an mm serve) with an MCP client session on it.
func connectServer(t *testing.T, cmd *exec.Cmd) *server {
	t.Helper()
	client := mcp.NewClient(&mcp.Implementation{Name: "mm-test", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	session, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: 10 * time.Second}, nil)
	if err != nil {
		t.Fatalf("connect to mm serve: %v", err)
	}
	s := &server{t: t, cmd: cmd, session: session}
	t.Cleanup(func() { s.session.Close() })
	return s
}

// The indexer role moves away from a leader that is stopped: another server
// takes it over and indexes a hand-written file; the old leader, resumed,
// steps down and still serves its session.
func TestStoppedIndexerHandsOver(t *testing.T) {
	home := t.TempDir()
	roleLock := filepath.Join(home, "memtomem.run", "role-indexer.lock")
	a := startServer(t, home)
	a.mustCall("mem_status", nil)
	apid := a.cmd.Process.Pid
	eventually(t, "server A to take the indexer role", func() bool { return coord.HolderPID(roleLock) == apid })
	b := startServer(t, home)
	b.mustCall("mem_status", nil)
	bpid := b.cmd.Process.Pid

	if err := a.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.cmd.Process.Signal(syscall.SIGCONT) })
	eventually(t, "server A to stop", func() bool { return isStopped(apid) })
	if err := os.WriteFile(filepath.Join(home, "memories", "by-hand.md"), []byte("# Airships\n\nThe zeppelin hangar is in Friedrichshafen.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B to take the role over and index the hand-written file", func() bool {
		ok, err := b.found("zeppelin", "Friedrichshafen", 10)
		return ok && err == nil
	})
	if got := coord.HolderPID(roleLock); got != bpid {
		t.Errorf("the role file names pid %d, want B (%d)", got, bpid)
	}

	if err := a.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	a.mustCall("mem_add", map[string]any{"content": "A still serves after being resumed"})
	if ok, err := b.found("resumed", "A still serves after being resumed", 10); !ok || err != nil {
		t.Errorf("B does not find what A wrote after resuming (%v)", err)
	}
	if got := coord.HolderPID(roleLock); got != bpid {
		t.Errorf("after A resumed the role file names pid %d, want B (%d)", got, bpid)
	}
}

// foreignDB writes a SQLite database that belongs to another program and
// returns its bytes.
func foreignDB(t *testing.T, path string) []byte {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)",
		"INSERT INTO invoices (total) VALUES (12.5), (99)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A foreign database swapped in under a running server (renamed over the
// file, or copied over it in place) is never written: the server's next
// call refuses with a clear error, and the foreign file is byte-identical,
// also after the server exits.
func TestReplacedDatabaseIsNotWritten(t *testing.T) {
	for _, how := range []string{"rename", "copy-in-place"} {
		t.Run(how, func(t *testing.T) {
			home := t.TempDir()
			dbPath := filepath.Join(home, "memtomem.db")
			srv := startServer(t, home)
			srv.mustCall("mem_add", map[string]any{"content": "written before the swap"})

			want := foreignDB(t, filepath.Join(t.TempDir(), "foreign.db"))
			switch how {
			case "rename":
				tmp := dbPath + ".swap"
				if err := os.WriteFile(tmp, want, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(tmp, dbPath); err != nil {
					t.Fatal(err)
				}
			case "copy-in-place":
				if err := os.WriteFile(dbPath, want, 0o644); err != nil {
					t.Fatal(err)
				}
			}

			text, _, err := srv.call("mem_add", map[string]any{"content": "written after the swap"})
			if err == nil || !strings.Contains(text, "replaced") {
				t.Errorf("mem_add after the swap: want a refusal saying the file was replaced, got %v:\n%s", err, text)
			}
			if text, _, err := srv.call("mem_search", map[string]any{"query": "swap"}); err == nil {
				t.Errorf("mem_search through the old handle after the swap succeeded:\n%s", text)
			}
			got, _ := os.ReadFile(dbPath)
			if !bytes.Equal(got, want) {
				t.Error("the foreign database was modified while the server ran")
			}
			srv.session.Close()
			got, _ = os.ReadFile(dbPath)
			if !bytes.Equal(got, want) {
				t.Error("the foreign database was modified when the server exited")
			}
		})
	}
}

// memtomem.run removed under a running server: within a bound the server
// re-registers (re-taking its lifecycle lock on the new file), so mm reset
// refuses and names it.
func TestRemovedRunDirReRegisters(t *testing.T) {
	home := t.TempDir()
	srv := startServer(t, home)
	srv.mustCall("mem_add", map[string]any{"content": "kept across the removal"})
	// The server may re-create the folder while it is being removed
	// (RemoveAll then fails with "directory not empty"): remove again.
	eventually(t, "memtomem.run to be removed", func() bool {
		return os.RemoveAll(filepath.Join(home, "memtomem.run")) == nil
	})
	// No call is made: the idle server notices on its own.
	eventually(t, "the server to re-register", func() bool { return liveEntries(t, home) == 1 })
	out, err := mmCommand(t, home, "reset", "--yes").CombinedOutput()
	if exitCode(err) != 2 || !strings.Contains(string(out), fmt.Sprintf("pid %d", srv.cmd.Process.Pid)) {
		t.Fatalf("mm reset with a live server after memtomem.run was removed: exit %d\n%s", exitCode(err), out)
	}
	if ok, err := srv.found("removal", "kept across the removal", 10); !ok || err != nil {
		t.Errorf("the server lost its index (%v)", err)
	}
}
