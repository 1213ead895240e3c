package heapfloor

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, floor uint64
		want        int
	}{
		{0, 8 * mib, maxPercent},
		{1 * mib, 8 * mib, 700},  // next collection at 8 MiB
		{2 * mib, 8 * mib, 300},  // at 8 MiB
		{4 * mib, 8 * mib, 100},  // twice the live heap is the floor
		{50 * mib, 8 * mib, 100}, // above the floor: Go's default
		{1024, 8 * mib, maxPercent},
	} {
		if got := percent(c.live, c.floor); got != c.want {
			t.Errorf("percent(%d, %d) = %d, want %d", c.live, c.floor, got, c.want)
		}
	}
}

// After a collection, a small heap's threshold is raised toward the floor;
// it takes effect without the caller doing anything more.
func TestKeepRaisesTheThresholdOfASmallHeap(t *testing.T) {
	t.Setenv("GOGC", "")
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	Keep(256 << 20) // far above this test's live heap
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // the finalizer runs on its own goroutine
		if p := debug.SetGCPercent(-1); p > 100 {
			debug.SetGCPercent(p)
			return
		} else {
			debug.SetGCPercent(p)
		}
		if time.Now().After(deadline) {
			t.Fatal("GOGC is still 100 after collections: the tuner did not run")
		}
	}
}
