package lifecycle_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// runAsParent is the middle process of TestProcessExitsWhenParentDies: it
// starts a watching server (runWatcher) on the stdin and stdout it was
// handed as fds 3 and 4, prints the server's pid, and waits to be killed.
func runAsParent() {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "MEMTOMEM_TEST_WATCH=1", "MEMTOMEM_TEST_PARENT=")
	cmd.Stdin, cmd.Stdout = os.NewFile(3, "stdin"), os.NewFile(4, "stdout")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(cmd.Process.Pid)
	select {}
}

// When the process that started a server dies without closing its stdin
// (here: killed, while another process still holds the pipe), the server
// notices and exits 0 within a few seconds instead of lingering. (mm serve
// ends on Watch's context like on SIGTERM, which its own tests send.)
func TestProcessExitsWhenParentDies(t *testing.T) {
	// Orphans are re-parented to us, so we can collect the server's status.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Skipf("cannot become a subreaper: %v", err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	parent := exec.Command(exe)
	parent.Env = append(childEnv(), "MEMTOMEM_TEST_PARENT=1")
	parent.ExtraFiles = []*os.File{stdinR, stdoutW}
	parent.Stderr = os.Stderr // a file, not a pipe the server would keep open
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	stdinR.Close()
	stdoutW.Close()
	line, err := bufio.NewReader(out).ReadString('\n')
	pid, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		parent.Process.Kill()
		t.Fatalf("middle process said %q (%v)", line, err)
	}
	// The server's line proves it is watching its parent before the parent
	// dies. Our end of its stdin stays open throughout: the server must not
	// get away with noticing end of input instead.
	defer stdinW.Close()
	if line, err := bufio.NewReader(stdoutR).ReadString('\n'); err != nil || line != watchingLine+"\n" {
		parent.Process.Kill()
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("server said %q (%v)", line, err)
	}
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	parent.Wait()

	reaped := make(chan syscall.WaitStatus, 1)
	go func() {
		var ws syscall.WaitStatus
		for {
			_, err := syscall.Wait4(pid, &ws, 0, nil)
			if err != syscall.EINTR {
				break
			}
		}
		reaped <- ws
	}()
	select {
	case ws := <-reaped:
		if !ws.Exited() || ws.ExitStatus() != 0 {
			t.Errorf("server ended with %v, want exit 0", ws)
		}
	case <-time.After(5 * time.Second):
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatal("server still running 5 s after its parent died")
	}
}
