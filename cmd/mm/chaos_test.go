//go:build chaos

package main

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// TestChaos: 20 rounds of concurrent adds on four servers while random
// servers are killed with SIGKILL and restarted. Nothing acknowledged is
// lost, retries with the same idempotency key never duplicate, and a fresh
// server finds everything. Run with: go test -tags chaos -run TestChaos ./cmd/mm/
func TestChaos(t *testing.T) {
	home := t.TempDir()
	const rounds, servers, addsPerRound = 20, 4, 40
	acked := map[string]bool{} // token → acknowledged
	var mu sync.Mutex
	for round := range rounds {
		srv := make([]*server, servers)
		for i := range srv {
			srv[i] = startServer(t, home)
		}
		var wg sync.WaitGroup
		for i := range servers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range addsPerRound / servers {
					token := fmt.Sprintf("chaos%dr%ds%dn%d", round, round, i, j)
					mu.Lock()
					s := srv[i]
					mu.Unlock()
					if _, _, err := s.call("mem_add", map[string]any{"content": "chaos entry " + token, "idempotency_key": token}); err == nil {
						mu.Lock()
						acked[token] = true
						mu.Unlock()
					}
				}
			}()
		}
		// Kill one or two servers at random moments, restart them.
		for k := 0; k < 1+rand.IntN(2); k++ {
			time.Sleep(time.Duration(rand.IntN(150)) * time.Millisecond)
			victim := rand.IntN(servers)
			mu.Lock()
			srv[victim].cmd.Process.Kill()
			srv[victim] = startServer(t, home)
			mu.Unlock()
		}
		wg.Wait()
		for _, s := range srv {
			s.session.Close()
		}
	}
	// Retry everything, acknowledged or not: idempotency keys make it safe.
	s := startServer(t, home)
	for round := range rounds {
		for i := range servers {
			for j := range addsPerRound / servers {
				token := fmt.Sprintf("chaos%dr%ds%dn%d", round, round, i, j)
				s.mustCall("mem_add", map[string]any{"content": "chaos entry " + token, "idempotency_key": token})
			}
		}
	}
	entries := diskEntries(t, home)
	for token := range acked {
		if entries["chaos entry "+token] != 1 {
			t.Errorf("acknowledged %s is on disk %d times", token, entries["chaos entry "+token])
		}
	}
	for body, n := range entries {
		if n != 1 {
			t.Errorf("%q on disk %d times", body, n)
		}
	}
	for token := range acked {
		if ok, err := s.found(token, "chaos entry "+token, 1); !ok || err != nil {
			t.Errorf("acknowledged %s not found (%v)", token, err)
		}
	}
	t.Logf("%d acknowledged adds over %d rounds, %d entries on disk", len(acked), rounds, len(entries))
	integrity(t, home)
}
