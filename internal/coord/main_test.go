package coord

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"
)

// helperEnv switches the test binary into a lock-holding child process, so
// tests can check exclusion across real processes rather than goroutines.
const helperEnv = "MEMTOMEM_COORD_TEST_HOLD"

// childEnv switches the test binary into one of the child roles in
// children_test.go (joining a store, campaigning for a role), named by its
// value; the child's parameters come in further childEnv_* variables.
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
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
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
