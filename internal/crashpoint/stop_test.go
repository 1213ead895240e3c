//go:build crashtest && linux

package crashpoint

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

const childVar = "MEMTOMEM_CRASHPOINT_TEST_CHILD"

// TestMain lets the test binary play the stopped writer.
func TestMain(m *testing.M) {
	if mark := os.Getenv(childVar); mark != "" {
		// Other threads busy in system calls, as a server's are (fsyncs,
		// reads): a process-wide SIGSTOP may be handed to one of them.
		for range 4 {
			go func() {
				for {
					f, err := os.CreateTemp(filepath.Dir(mark), "busy")
					if err == nil {
						f.Write(make([]byte, 4096))
						f.Sync()
						f.Close()
						os.Remove(f.Name())
					}
				}
			}()
		}
		time.Sleep(20 * time.Millisecond)
		Hit("probe")
		os.WriteFile(mark, []byte("ran on"), 0o600) // must not happen before SIGCONT
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A process stopped at a crash point is stopped there: nothing after the
// point runs until it is continued, whatever its other threads are doing.
// (kill(2) on its own pid let the calling goroutine run on past the point
// while the kernel delivered the stop through another thread.)
func TestStopIsWhereItIsHit(t *testing.T) {
	for i := range 40 {
		dir := t.TempDir()
		mark := filepath.Join(dir, "mark")
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childVar+"="+mark, EnvVar+"=probe", HowVar+"=stop")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for !isStopped(cmd.Process.Pid) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatal("the child never stopped")
			}
			time.Sleep(time.Millisecond)
		}
		_, err := os.Stat(mark)
		cmd.Process.Signal(syscall.SIGCONT)
		if werr := cmd.Wait(); werr != nil {
			t.Fatalf("child: %v", werr)
		}
		if err == nil {
			t.Fatalf("run %d: the process ran on past its stop point before it stopped", i)
		}
	}
}

func isStopped(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, after, ok := bytes.Cut(b, []byte(") "))
	return ok && len(after) > 0 && after[0] == 'T'
}
