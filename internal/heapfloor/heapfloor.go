// Package heapfloor keeps a long-running process from collecting garbage
// more often than its heap is worth.
//
// Go collects when the heap reaches twice what the last collection left
// live (GOGC=100), and at least 4 MiB. An `mm serve` keeps 1–3 MiB live,
// while the MCP SDK allocates tens of KiB decoding each request: under load
// a server collected every few requests, and the collector took a seventh
// of its CPU. Raising GOGC for good would also let a large store's heap
// (a 100k-chunk dense index keeps ~5 MiB live) grow by as much again.
// Instead the collection threshold is held at a floor: after each
// collection the percentage is set so that the next one comes at the
// floor, or at twice the live heap when that is more. A process whose live
// heap is above half the floor runs exactly as with GOGC=100.
//
// The runtime scales its 4 MiB minimum with the percentage (GOGC=400
// collects at no less than 16 MiB), so the percentage is never set above
// the one whose minimum is the floor: a higher one would move the
// threshold above the floor, by more the smaller the live heap, and a
// threshold that jumps from one collection to the next makes the runtime
// hand memory back to the kernel and fault it in again.
package heapfloor

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// runtimeMinHeap is the runtime's minimum heap goal at GOGC=100; at GOGC=p
// it is runtimeMinHeap·p/100.
const runtimeMinHeap = 4 << 20

var once sync.Once

// Keep holds the heap's collection threshold at floor bytes or more for
// the rest of the process. It does nothing when the user set GOGC (their
// choice stands) or floor is not positive; calls after the first do
// nothing.
func Keep(floor uint64) {
	if floor == 0 || os.Getenv("GOGC") != "" {
		return
	}
	once.Do(func() {
		t := &tuner{floor: floor, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
		t.tune()
		t.arm()
	})
}

type tuner struct {
	floor  uint64
	sample []metrics.Sample
}

// arm has tune run once the next collection is done: the collector queues
// the finalizer of an object it found unreachable, and the finalizer arms
// the next one.
func (t *tuner) arm() {
	sentinel := new([16]byte)
	runtime.SetFinalizer(sentinel, func(*[16]byte) {
		t.tune()
		t.arm()
	})
}

func (t *tuner) tune() {
	metrics.Read(t.sample)
	live := uint64(0)
	if t.sample[0].Value.Kind() == metrics.KindUint64 {
		live = t.sample[0].Value.Uint64()
	}
	debug.SetGCPercent(percent(live, t.floor))
}

// percent is the GOGC that puts the next collection at floor, or at twice
// live when that is more.
func percent(live, floor uint64) int {
	top := max(100, floor*100/runtimeMinHeap) // its minimum heap is the floor
	if live == 0 {
		return int(top)
	}
	if 2*live >= floor {
		return 100
	}
	p := (floor - live) * 100 / live
	return int(min(p, top))
}
