// Package heapfloor keeps a long-running process from collecting garbage
// more often than its heap is worth.
//
// Go collects when the heap reaches twice what the last collection left
// live (GOGC=100), and at least 4 MiB. An `mm serve` keeps 1–3 MiB live,
// while the MCP SDK allocates tens of KiB decoding each request: under load
// a server collected every few requests, and the collector took a seventh
// of its CPU. Raising GOGC for good would also let a large store's heap
// (a 100k-chunk dense index keeps ~5 MiB live) grow by as much again.
// Instead the collection threshold is held at no less than a floor: after
// each collection the percentage is set so that the next one comes at
// twice the live heap or at the floor, whichever is more. A process whose
// live heap is above half the floor runs exactly as with GOGC=100.
package heapfloor

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// maxPercent bounds the percentage set for a nearly empty heap.
const maxPercent = 1000

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
	if live == 0 {
		return maxPercent
	}
	if 2*live >= floor {
		return 100
	}
	p := (floor - live) * 100 / live
	return int(min(p, maxPercent))
}
