package coord

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv switches the test binary into a lock-holding child process, so
// tests can check exclusion across real processes rather than goroutines.
const helperEnv = "MEMTOMEM_COORD_TEST_HOLD"

// childEnv switches the test binary into one of the child roles run by
// runChild (joining a store, campaigning for a role), named by its value; the
// child's parameters come in further childEnv+"_*" variables.
const childEnv = "MEMTOMEM_COORD_TEST_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(helperEnv); path != "" {
		os.Exit(holdLock(path))
	}
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode))
	}
	os.Exit(m.Run())
}

// holdLock takes an exclusive lock, reports "locked" on stdout and keeps the
// lock until stdin is closed.
func holdLock(path string) int {
	l, ok, err := TryLock(path, true)
	if err != nil || !ok {
		fmt.Println("failed", ok, err)
		return 1
	}
	fmt.Println("locked")
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := l.Unlock(); err != nil {
		return 1
	}
	return 0
}

type holder struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// startHolder re-executes the test binary as a child holding the lock at path
// and returns once the child has it.
func startHolder(t *testing.T, path string) *holder {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(childEnviron(), helperEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &holder{cmd: cmd, stdin: stdin}
	t.Cleanup(func() {
		if h.cmd.ProcessState == nil {
			_ = h.cmd.Process.Kill()
			_ = h.cmd.Wait()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("child did not take the lock: %q %v", line, err)
	}
	return h
}

// runChild runs the child role mode (see childEnv) and returns its exit code.
func runChild(mode string) int {
	switch mode {
	case "join":
		return joinChild()
	case "campaign":
		return campaignChild()
	case "fence":
		return fenceChild()
	}
	fmt.Println("unknown child mode", mode)
	return 2
}

// child is a re-executed test binary in one of the runChild roles. It reports
// on stdout, one event per line, and stops when its stdin is closed.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string // stdout lines; closed when the child's stdout closes
}

// startChild starts the test binary as a child in role mode with the extra
// environment env ("KEY=value"). The child is killed at the end of the test if
// it is still running.
func startChild(t *testing.T, mode string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(childEnviron(), childEnv+"="+mode), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	// Our own pipe rather than StdoutPipe: cmd.Wait closes a StdoutPipe,
	// which could drop the last lines of a child we reap while reading.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	c := &child{cmd: cmd, stdin: stdin, lines: make(chan string, 64)}
	go func() {
		defer close(c.lines)
		defer r.Close()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			_ = c.cmd.Process.Kill()
			_ = c.cmd.Wait()
		}
	})
	return c
}

// pid is the child's process id.
func (c *child) pid() int { return c.cmd.Process.Pid }

// next returns the child's next stdout line, failing the test if none comes
// within d.
func (c *child) next(t *testing.T, d time.Duration) string {
	t.Helper()
	select {
	case line, ok := <-c.lines:
		if !ok {
			t.Fatalf("child %d exited without reporting", c.pid())
		}
		return line
	case <-time.After(d):
		t.Fatalf("child %d reported nothing for %v", c.pid(), d)
	}
	return ""
}

// kill ends the child with SIGKILL, as a crash or `kill -9` would, and reaps it.
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = c.cmd.Wait()
}

// stop closes the child's stdin, its signal to shut down cleanly, and checks
// that it exits with status 0.
func (c *child) stop(t *testing.T) {
	t.Helper()
	c.stdin.Close()
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("child %d: %v", c.pid(), err)
	}
}

// childEnviron is the environment for child processes. Under -race a process
// sleeps a second at exit (GORACE atexit_sleep_ms defaults to 1000) so racing
// goroutines can report; the children's exits are on the tests' critical
// path, so that sleep is turned off, keeping any other GORACE options.
func childEnviron() []string {
	race := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	return append(os.Environ(), "GORACE="+race)
}
