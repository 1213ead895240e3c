package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/pgtest"
	"github.com/memtomem/memtomem/internal/store"
)

// join opens the store at loc as a process of host would: it joins, opens
// the store and registers.
func join(t *testing.T, loc store.Location, host string, pid int) (coord.Coordinator, coord.Member, store.DB) {
	t.Helper()
	ctx := context.Background()
	loc.Host, loc.RunDir = host, t.TempDir()
	co, err := store.CoordinatorFor(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	m, err := co.Join(ctx, coord.Instance{PID: pid, Version: "v-test", Transport: "stdio", Command: "mm serve"})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, loc, store.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(); m.Leave() })
	return co, m, db
}

// within polls cond every 20 ms for up to bound.
func within(t *testing.T, bound time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", bound, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func hostsOf(live []coord.Instance) string {
	var hs []string
	for _, in := range live {
		hs = append(hs, in.Host)
	}
	return strings.Join(hs, ",")
}

// Processes of two hosts that have the store open are listed by every
// host, with who they are; mm reset (Exclusive, then Destroy) is refused
// naming them while any lives; a process that dies without leaving (its
// connection cut) is noticed at once; once all are gone, reset drops the
// store, and a process starting meanwhile waits for it, bounded.
func TestCoordinationAcrossHosts(t *testing.T) {
	ctx := context.Background()
	loc := store.Location{Backend: Name, URL: pgtest.New(t)}
	coA, alpha, _ := join(t, loc, "alpha", 101)
	_, beta, dbB := join(t, loc, "beta", 202)

	live, err := coA.Live(ctx)
	if err != nil || hostsOf(live) != "alpha,beta" {
		t.Fatalf("Live = %+v, %v; want alpha's and beta's processes", live, err)
	}
	if in := live[1]; in.PID != 202 || in.Version != "v-test" || in.Transport != "stdio" || in.Command != "mm serve" || in.Started.IsZero() || in.Seen.IsZero() {
		t.Fatalf("beta's entry lacks who it is: %+v", in)
	}

	_, err = coA.Exclusive(ctx)
	if !errors.Is(err, coord.ErrInUse) || !strings.Contains(err.Error(), "host alpha, pid 101") || !strings.Contains(err.Error(), "host beta, pid 202") {
		t.Fatalf("reset while two hosts have the store open: %v; want a refusal naming both", err)
	}
	if err := store.Destroy(ctx, loc); !errors.Is(err, coord.ErrInUse) {
		t.Fatalf("Destroy without the lifecycle lock while hosts live: %v", err)
	}
	if _, err := dbB.Stats(ctx); err != nil {
		t.Fatalf("the refused reset broke the store: %v", err)
	}

	alpha.Leave()
	// beta's process dies: its socket closes without a goodbye.
	beta.(*member).conn.PgConn().Conn().Close()
	within(t, 10*time.Second, "the dead process is no longer listed", func() bool {
		live, err := coA.Live(ctx)
		return err == nil && len(live) == 0
	})
	lock, err := coA.Exclusive(ctx)
	if err != nil {
		t.Fatalf("reset once every host is gone: %v", err)
	}
	// A process starting during the reset waits, then is told why.
	co, _ := store.CoordinatorFor(ctx, loc)
	co.(*coordinator).joinWait = 200 * time.Millisecond
	if _, err := co.Join(ctx, coord.Instance{}); !errors.Is(err, coord.ErrMaintenance) {
		t.Fatalf("Join during a reset: %v; want ErrMaintenance", err)
	}
	if err := store.Destroy(ctx, loc); err != nil {
		t.Fatalf("Destroy under the lifecycle lock: %v", err)
	}
	lock.Unlock()
	if v, err := store.StoredVersion(ctx, loc); err != nil || v != 0 {
		t.Fatalf("after reset: version %d, %v; want no store", v, err)
	}
	m, err := co.Join(ctx, coord.Instance{})
	if err != nil {
		t.Fatalf("Join after the reset: %v", err)
	}
	m.Leave()
}

// The heartbeat keeps a process's entry fresh, and a process whose
// coordination connection is cut (the server restarted, the network
// dropped) re-joins by itself and is listed again.
func TestHeartbeatRejoins(t *testing.T) {
	defer func(d time.Duration) { beatEvery = d }(beatEvery)
	beatEvery = 50 * time.Millisecond
	ctx := context.Background()
	loc := store.Location{Backend: Name, URL: pgtest.New(t)}
	co, m, _ := join(t, loc, "alpha", 0)
	first, err := co.Live(ctx)
	if err != nil || len(first) != 1 {
		t.Fatalf("Live = %+v, %v", first, err)
	}
	within(t, 10*time.Second, "the heartbeat advances", func() bool {
		live, err := co.Live(ctx)
		return err == nil && len(live) == 1 && live[0].Seen.After(first[0].Seen)
	})
	// The server ends the process's coordination session.
	var backend int
	mem := m.(*member)
	mem.mu.Lock()
	err = mem.conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend)
	mem.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	exec(t, loc, "SELECT pg_terminate_backend("+strconv.Itoa(backend)+")")
	within(t, 10*time.Second, "the process re-joined on a new connection", func() bool {
		live, err := co.Live(ctx)
		if err != nil || len(live) != 1 {
			return false
		}
		mem.mu.Lock()
		defer mem.mu.Unlock()
		var now int
		return mem.conn != nil && mem.conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&now) == nil && now != backend
	})
	if _, err := co.Exclusive(ctx); !errors.Is(err, coord.ErrInUse) {
		t.Fatalf("reset after the process re-joined: %v; want it refused", err)
	}
}
