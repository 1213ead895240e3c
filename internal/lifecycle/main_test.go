package lifecycle_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/memtomem/memtomem/internal/lifecycle"
)

// TestMain lets the test binary run as the processes of the process tests:
// a parent that dies, and a server that watches it.
func TestMain(m *testing.M) {
	if os.Getenv("MEMTOMEM_TEST_PARENT") == "1" {
		runAsParent()
	}
	if os.Getenv("MEMTOMEM_TEST_WATCH") == "1" {
		runWatcher()
	}
	os.Exit(m.Run())
}

// watchingLine is what runWatcher prints once it watches.
const watchingLine = "watching"

// runWatcher is a server's life in miniature: it watches with Watch, says
// so, and exits 0 once the watch ends (as mm serve does after its drain).
func runWatcher() {
	ctx, stop := lifecycle.Watch(context.Background())
	defer stop()
	fmt.Println(watchingLine)
	<-ctx.Done()
	lifecycle.IgnoreTerminations()
	os.Exit(0)
}

// childEnv is the environment of re-executed test binaries. Under -race a
// process sleeps a second at exit to let reports flush; that is not needed
// here and would make every process test a second slower.
func childEnv() []string {
	return append(os.Environ(), "GORACE=atexit_sleep_ms=0 "+os.Getenv("GORACE"))
}
