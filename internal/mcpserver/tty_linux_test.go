package mcpserver_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns a pseudo-terminal pair, or skips the test without one.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("pty number: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pty: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// Run by hand from a terminal, mm serve explains how to register it with an
// agent and exits 0, instead of silently waiting for JSON-RPC.
func TestProcessTerminalPrintsHowToRegister(t *testing.T) {
	_, tty := openPTY(t)
	cmd := mmServe(t)
	cmd.Stdin = tty
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("mm serve on a terminal: %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("mm serve on a terminal did not exit")
	}
	for _, want := range []string{"claude mcp add memtomem -- mm serve", "[mcp_servers.memtomem]", ".cursor/mcp.json"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("terminal help lacks %q:\n%s", want, stderr.String())
		}
	}
}
