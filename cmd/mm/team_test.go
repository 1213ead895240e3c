//go:build integration

package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/memtomem/memtomem/internal/pgtest"
)

// A host of a team: its own home (memory files, config, run directory),
// its own host name, the shared PostgreSQL store.
type teamHost struct {
	name, home string
	env        []string
}

func teamHosts(t *testing.T, url string, n int) []teamHost {
	hosts := make([]teamHost, n)
	for i := range hosts {
		name := fmt.Sprintf("host%d", i)
		hosts[i] = teamHost{name: name, home: t.TempDir(), env: []string{
			"MEMTOMEM_STORAGE__BACKEND=postgres", "MEMTOMEM_STORAGE__URL=" + url, "MEMTOMEM_STORAGE__HOST=" + name}}
	}
	return hosts
}

func (h teamHost) serve(t *testing.T) *server { return startServer(t, h.home, h.env...) }

// mm runs one mm command as this host.
func (h teamHost) mm(t *testing.T, args ...string) (string, error) {
	cmd := mmCommand(t, h.home, args...)
	cmd.Env = append(cmd.Env, h.env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// storedBodies counts the chunks of the shared index by their last line
// (an entry's body), as the database holds them.
func storedBodies(t *testing.T, url string) map[string]int {
	t.Helper()
	ctx := context.Background()
	conn := connectShared(t, url)
	rows, err := conn.Query(ctx, `SELECT content FROM memtomem.chunks`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(c), "\n")
		out[strings.TrimSpace(lines[len(lines)-1])]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Eight hosts, one server each, 125 adds per server with several in flight:
// every memory is in its host's files exactly once and in the shared index
// exactly once, and every server finds every host's memories.
func TestTeamServersOnPostgres(t *testing.T) {
	const servers, perServer, inFlight = 8, 125, 4
	url := pgtest.Dedicated(t)
	hosts := teamHosts(t, url, servers)
	srv := make([]*server, servers)
	for i, h := range hosts {
		srv[i] = h.serve(t)
	}
	var retried atomic.Int64
	var mu sync.Mutex
	var latencies []time.Duration
	errs := make(chan error, servers*perServer)
	var wg sync.WaitGroup
	began := time.Now()
	for i, s := range srv {
		work := make(chan int)
		go func() {
			for j := range perServer {
				work <- j
			}
			close(work)
		}()
		for range inFlight {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range work {
					token := fmt.Sprintf("team%dx%d", i, j)
					start := time.Now()
					if err := s.addRetrying(map[string]any{"content": "team entry " + token, "idempotency_key": token}, &retried); err != nil {
						errs <- fmt.Errorf("host%d add %d: %w", i, j, err)
						continue
					}
					mu.Lock()
					latencies = append(latencies, time.Since(start))
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	took := time.Since(began)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(latencies); n > 0 {
		slices.Sort(latencies)
		t.Logf("mem_add on PostgreSQL, %d hosts x %d in flight: p50 %v, p99 %v, %.0f adds/s, %d busy answers retried",
			servers, inFlight, latencies[n/2], latencies[n*99/100], float64(n)/took.Seconds(), retried.Load())
	}

	stored := storedBodies(t, url)
	lost, doubled := 0, 0
	for i, h := range hosts {
		onDisk := diskEntries(t, h.home)
		if len(onDisk) != perServer {
			t.Errorf("%s's files hold %d distinct entries, want its %d", h.name, len(onDisk), perServer)
		}
		for j := range perServer {
			body := fmt.Sprintf("team entry team%dx%d", i, j)
			if onDisk[body] != 1 {
				t.Errorf("%q is in %s's files %d times", body, h.name, onDisk[body])
			}
			switch n := stored[body]; {
			case n == 0:
				lost++
			case n > 1:
				doubled++
			}
		}
	}
	if len(stored) != servers*perServer || lost > 0 || doubled > 0 {
		t.Errorf("shared index: %d distinct memories, %d lost, %d doubled; want %d, 0, 0", len(stored), lost, doubled, servers*perServer)
	}
	t.Logf("%d memories acknowledged: %d lost, %d doubled", servers*perServer, lost, doubled)

	// Every server finds a sample of every host's memories.
	for i, s := range srv {
		for w := range servers {
			for _, j := range []int{0, perServer / 2, perServer - 1} {
				token := fmt.Sprintf("team%dx%d", w, j)
				if ok, err := s.found(token, "team entry "+token, 1); !ok || err != nil {
					t.Errorf("host%d does not find host%d's %s (%v)", i, w, token, err)
				}
			}
		}
	}
}

// A host killed with kill -9 in the middle of its adds loses nothing it
// acknowledged: every other host finds each at once. While any host's
// server lives, mm reset from any host is refused naming the live ones
// (the dead host is not among them); once all are closed it runs.
func TestTeamHostKilledMidWrite(t *testing.T) {
	url := pgtest.Dedicated(t)
	hosts := teamHosts(t, url, 3)
	victim, a, b := hosts[0].serve(t), hosts[1].serve(t), hosts[2].serve(t)
	b.mustCall("mem_status", nil) // a server opens the store at its first call

	var acked sync.Map
	var count atomic.Int64
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; ; j++ {
				token := fmt.Sprintf("kill%dx%d", w, j)
				if _, _, err := victim.call("mem_add", map[string]any{"content": "doomed host entry " + token}); err != nil {
					return // the server died under the call
				}
				acked.Store(token, true)
				count.Add(1)
			}
		}()
	}
	eventually(t, "the victim acknowledges 40 adds", func() bool { return count.Load() >= 40 })
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()
	wg.Wait()
	onDisk := diskEntries(t, hosts[0].home) // also fails on a torn entry
	n := 0
	acked.Range(func(k, _ any) bool {
		n++
		token := k.(string)
		if c := onDisk["doomed host entry "+token]; c != 1 {
			t.Errorf("acknowledged %s is in host0's files %d times", token, c)
		}
		if ok, err := a.found(token, "doomed host entry "+token, 1); !ok || err != nil {
			t.Errorf("acknowledged %s is not found by host1 after host0 was killed (%v)", token, err)
		}
		return true
	})
	t.Logf("host0 acknowledged %d adds before kill -9; host1 finds each", n)

	// The killed host is noticed at once: a reset names only the live ones.
	var out string
	eventually(t, "reset to stop naming the killed host", func() bool {
		out, _ = hosts[2].mm(t, "reset", "--yes")
		return !strings.Contains(out, "host host0")
	})
	t.Logf("the killed host left the registry within %v", time.Since(killedAt).Round(time.Millisecond))
	if !strings.Contains(out, "host host1") || !strings.Contains(out, "host host2") || !strings.Contains(out, "in use") {
		t.Fatalf("mm reset while host1 and host2 serve:\n%s\nwant a refusal naming both", out)
	}
	if ok, err := b.found("kill0x0", "doomed host entry kill0x0", 1); !ok || err != nil {
		t.Fatalf("the refused reset touched the store: %v", err)
	}
	a.session.Close()
	b.session.Close()
	eventually(t, "reset to run once every host closed", func() bool {
		out, _ = hosts[2].mm(t, "reset", "--yes")
		return !strings.Contains(out, "in use")
	})
	if strings.Contains(strings.ToLower(out), "error") {
		t.Fatalf("mm reset once every host closed:\n%s", out)
	}
	if stored := storedBodiesOrNone(t, url); stored != 0 {
		t.Fatalf("after the reset the shared index still holds %d chunks", stored)
	}
}

// storedBodiesOrNone counts the shared index's chunks, 0 when the store
// was dropped.
func storedBodiesOrNone(t *testing.T, url string) int {
	t.Helper()
	var n int
	if err := connectShared(t, url).QueryRow(context.Background(), `SELECT count(*) FROM memtomem.chunks`).Scan(&n); err != nil {
		if strings.Contains(err.Error(), "does not exist") {
			return 0
		}
		t.Fatal(err)
	}
	return n
}

// connectShared connects to the shared database, outside memtomem, until
// the test ends.
func connectShared(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
