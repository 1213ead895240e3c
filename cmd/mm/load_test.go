//go:build integration

package main

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The integration run starts TestConcurrentAddProcesses's full twenty adds
// at once (the default suite, eight).
func init() { concurrentAdds = 20 }

// Eight servers, 125 adds each with several in flight per server: every
// entry lands on disk exactly once, every file parses, each entry is found
// at once by the server that wrote it and by every other server, and the
// database passes its integrity check.
func TestServersUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const servers, perServer, inFlight = 8, 125, 4
	home := t.TempDir()
	srv := startServers(t, home, servers)
	// Each session searches once first, as an agent does before it
	// writes: that call opens the store (servers open it on first use), a
	// cost of the session's start rather than of writing under load.
	for i, s := range srv {
		if _, err := s.found("warmup", "warmup", 1); err != nil {
			t.Fatalf("server %d: first search: %v", i, err)
		}
	}
	var mu sync.Mutex
	// steady leaves out each worker's first add: the first burst creates
	// the day file, which happens once a day.
	var latencies, steady []time.Duration
	var retried atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, servers*perServer)
	addPhase := time.Now()
	for i, s := range srv {
		work := make(chan int)
		for range inFlight {
			wg.Add(1)
			go func() {
				defer wg.Done()
				first := true
				for j := range work {
					token := fmt.Sprintf("tok%dx%d", i, j)
					start := time.Now()
					if err := s.addRetrying(map[string]any{"content": "load entry " + token, "idempotency_key": token}, &retried); err != nil {
						errs <- fmt.Errorf("server %d add %d: %w", i, j, err)
						continue
					}
					mu.Lock()
					latencies = append(latencies, time.Since(start))
					if !first {
						steady = append(steady, time.Since(start))
					}
					first = false
					mu.Unlock()
					// Read-your-writes on the same server.
					if ok, err := s.found(token, "load entry "+token, 1); !ok || err != nil {
						errs <- fmt.Errorf("server %d does not find its own %s at once (%v)", i, token, err)
					}
				}
			}()
		}
		go func() {
			for j := range perServer {
				work <- j
			}
			close(work)
		}()
	}
	wg.Wait()
	addPhaseTook := time.Since(addPhase)
	close(errs)
	failures := 0
	for err := range errs {
		if failures++; failures <= 10 {
			t.Error(err)
		}
	}
	slices.Sort(latencies)
	slices.Sort(steady)
	if n, k := len(latencies), len(steady); n > 0 && k > 0 {
		t.Logf("mem_add latency with %d servers x %d in flight: p50 %v, p99 %v; after each worker's first add p50 %v, p99 %v (%d calls, %.0f adds/s with a search after each, %d busy answers retried)",
			servers, inFlight, latencies[n/2], latencies[n*99/100], steady[k/2], steady[k*99/100], n, float64(n)/addPhaseTook.Seconds(), retried.Load())
	}

	entries := diskEntries(t, home)
	for i := range servers {
		for j := range perServer {
			body := fmt.Sprintf("load entry tok%dx%d", i, j)
			if entries[body] != 1 {
				t.Errorf("%q is on disk %d times", body, entries[body])
			}
		}
	}
	// Every server finds every entry.
	var wg2 sync.WaitGroup
	missing := make(chan string, servers*perServer)
	for i, s := range srv {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			for w := range servers {
				for j := range perServer {
					token := fmt.Sprintf("tok%dx%d", w, j)
					if ok, err := s.found(token, "load entry "+token, 1); !ok || err != nil {
						missing <- fmt.Sprintf("server %d misses %s (%v)", i, token, err)
					}
				}
			}
		}()
	}
	wg2.Wait()
	close(missing)
	n := 0
	for m := range missing {
		if n++; n <= 10 {
			t.Error(m)
		}
	}
	for _, s := range srv {
		s.session.Close()
	}
	integrity(t, home)
}

// addRetrying runs mem_add and, like an agent, retries an answer that says
// to retry (a loaded machine can hold a lock past its bound), for up to two
// minutes, counting the retries. Retrying is safe: the idempotency key makes
// the same entry every time.
func (s *server) addRetrying(args map[string]any, retried *atomic.Int64) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		_, _, err := s.call("mem_add", args)
		if err == nil || !strings.Contains(err.Error(), "retry") || time.Now().After(deadline) {
			return err
		}
		retried.Add(1)
	}
}
