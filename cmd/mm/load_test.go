//go:build integration

package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memtomem/memtomem/internal/loadgen"
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
	sessions := make([]*mcp.ClientSession, len(srv))
	for i, s := range srv {
		sessions[i] = s.session
	}
	res, err := loadgen.Run(context.Background(), sessions, loadgen.Options{PerSession: perServer, InFlight: inFlight, RetryFor: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range res.Errors {
		if i < 10 {
			t.Error(err)
		}
	}
	t.Log(res)

	entries := diskEntries(t, home)
	for i := range servers {
		for j := range perServer {
			body := loadgen.Content(i, j)
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
					token := loadgen.Token(w, j)
					if ok, err := s.found(token, loadgen.Content(w, j), 1); !ok || err != nil {
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
	n, err := loadgen.AddRetrying(context.Background(), s.session, args, 2*time.Minute)
	retried.Add(n)
	return err
}
