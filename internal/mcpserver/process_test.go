package mcpserver_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memtomem/memtomem/internal/cli"
)

// TestMain lets the test binary run as mm, so the tests below exercise real
// mm serve processes (stdio, signals, exit codes) without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("MEMTOMEM_TEST_RUN_AS_MM") == "1" {
		os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// mmServe returns an unstarted `mm serve` process on a fresh home.
func mmServe(t *testing.T) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "serve")
	cmd.Env = append(childEnv(), "MEMTOMEM_TEST_RUN_AS_MM=1", "MEMTOMEM_HOME="+t.TempDir())
	cmd.Stderr = &testWriter{t}
	return cmd
}

// childEnv is the environment of re-executed test binaries. Under -race a
// process sleeps a second at exit to let reports flush; that is not needed
// here and would make every process test a second slower.
func childEnv() []string {
	return append(os.Environ(), "GORACE=atexit_sleep_ms=0 "+os.Getenv("GORACE"))
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Logf("mm serve stderr: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}

func connectProcess(t *testing.T, cmd *exec.Cmd) *mcp.ClientSession {
	t.Helper()
	// A long TerminateDuration: the server must exit on its own when stdin
	// closes, not because the client escalated to SIGTERM.
	transport := &mcp.CommandTransport{Command: cmd, TerminateDuration: 30 * time.Second}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(t.Context(), transport, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func call(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	if res.IsError {
		t.Fatalf("%s: tool error: %s", name, b.String())
	}
	return b.String()
}

// A real mm serve: add and search, then the client closes stdin and the
// server exits 0 promptly on its own.
func TestProcessExitsOnStdinEOF(t *testing.T) {
	cmd := mmServe(t)
	cs := connectProcess(t, cmd)
	call(t, cs, "mem_add", map[string]any{"content": "The wombat cache lives in /var/cache/wombat.", "tags": []string{"ops"}})
	if got := call(t, cs, "mem_search", map[string]any{"query": "wombat cache"}); !strings.Contains(got, "/var/cache/wombat") {
		t.Fatalf("search: %s", got)
	}
	start := time.Now()
	if err := cs.Close(); err != nil { // closes stdin, then waits for the exit
		t.Fatalf("server exit: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("server took %v to exit after stdin closed", d)
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

// SIGTERM (with stdin still open) shuts the server down with exit code 0.
func TestProcessExitsOnSIGTERM(t *testing.T) {
	cmd := mmServe(t)
	// Own pipes rather than CommandTransport, which would reap the process
	// itself as soon as its output ends.
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin, cmd.Stdout = stdinR, stdoutW
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdinR.Close()
	stdoutW.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(t.Context(), &mcp.IOTransport{Reader: stdoutR, Writer: stdinW}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	call(t, cs, "mem_add", map[string]any{"content": "signals end the server cleanly"})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitExit(t, cmd, 5*time.Second, "SIGTERM")
}

// waitExit waits up to bound for the server to exit cleanly after what
// (a signal, EOF), killing it and failing the test if it does not.
func waitExit(t *testing.T, cmd *exec.Cmd, bound time.Duration, what string) {
	t.Helper()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after %s: %v", what, err)
		}
	case <-time.After(bound):
		cmd.Process.Kill()
		t.Fatalf("server still running %v after %s", bound, what)
	}
}

// Run from a terminal, mm serve explains how to register it instead of
// waiting for JSON-RPC that will never come. (Without a pty in tests, the
// non-terminal path is checked instead: it must not print the help.)
func TestProcessNoHelpOnPipe(t *testing.T) {
	cmd := mmServe(t)
	cmd.Stdin = strings.NewReader("")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("mm serve with empty stdin: %v (%s)", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "claude mcp add") {
		t.Errorf("printed terminal help on a pipe: %s", stderr.String())
	}
}
