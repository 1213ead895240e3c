//go:build integration

package main

import (
	"fmt"
	"sort"
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
	var mu sync.Mutex
	var latencies []time.Duration
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
				for j := range work {
					token := fmt.Sprintf("tok%dx%d", i, j)
					start := time.Now()
					if err := s.addRetrying(map[string]any{"content": "load entry " + token, "idempotency_key": token}, &retried); err != nil {
						errs <- fmt.Errorf("server %d add %d: %w", i, j, err)
						continue
					}
					mu.Lock()
					latencies = append(latencies, time.Since(start))
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
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	if n := len(latencies); n > 0 {
		t.Logf("mem_add latency with %d servers x %d in flight: p50 %v, p99 %v (%d calls, %.0f adds/s with a search after each, %d busy answers retried)",
			servers, inFlight, latencies[n/2], latencies[n*99/100], n, float64(n)/addPhaseTook.Seconds(), retried.Load())
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
