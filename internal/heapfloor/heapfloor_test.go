package heapfloor

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, floor uint64
		want        int
	}{
		{0, 8 * mib, 200},
		{1 * mib, 8 * mib, 200},     // the runtime's minimum (4 MiB·200/100) is the floor
		{2 * mib, 8 * mib, 200},     // next collection at 8 MiB: 2 + 2·300% is more
		{3 * mib, 8 * mib, 166},     // 3 + 3·166% ≈ 8 MiB; the minimum, 6.6 MiB, is less
		{4 * mib, 8 * mib, 100},     // twice the live heap is the floor
		{50 * mib, 8 * mib, 100},    // above the floor: Go's default
		{1 * mib, 16 * mib, 400},    // minimum 16 MiB
		{5 * mib, 16 * mib, 220},    // 5 + 5·220% = 16 MiB
		{1 * mib, 2 * mib, 100},     // a floor under the runtime's minimum changes nothing
		{1024, 256 * mib, 256 * 25}, // minimum 256 MiB
		{100 * mib, 256 * mib, 156}, // 100 + 100·156% ≈ 256 MiB
		{200 * mib, 256 * mib, 100}, // twice the live heap is more than the floor
		{1024, 4 * mib, 100},        // the floor is the runtime's own minimum
		{mib / 2, 12 * mib, 300},    // minimum 12 MiB
		{3 * mib, 12 * mib, 300},    // 3 + 3·300% = 12 MiB, the minimum too
		{5 * mib, 12 * mib, 140},    // 5 + 5·140% = 12 MiB
	} {
		if got := percent(c.live, c.floor); got != c.want {
			t.Errorf("percent(%d MiB, %d MiB) = %d, want %d", c.live/mib, c.floor/mib, got, c.want)
		}
	}
}

// After collections, a small heap's next collection is at the floor: not
// below it (it would collect too often) and not far above it (the runtime
// scales its own minimum with the percentage, and a threshold that moves
// makes it hand memory back and fault it in again).
func TestKeepPutsTheNextCollectionAtTheFloor(t *testing.T) {
	t.Setenv("GOGC", "")
	const floor = 16 << 20 // well above this test's live heap
	Keep(floor)
	goal := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // the finalizer runs on its own goroutine
		metrics.Read(goal)
		g := goal[0].Value.Uint64()
		if g >= floor {
			// The runtime adds a little runway for stacks and globals.
			if g > floor+floor/8 {
				t.Fatalf("heap goal %d MiB with a %d MiB floor and a small heap: the threshold overshoots the floor", g>>20, floor>>20)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("heap goal still %d MiB after collections with a %d MiB floor: the tuner did not run", g>>20, floor>>20)
		}
	}
}
