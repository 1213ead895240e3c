package breaker_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/breaker"
	"github.com/memtomem/memtomem/internal/breaker/breakertest"
)

func newClock() *breakertest.Clock { return breakertest.NewClock() }

var errDown = errors.New("connection refused")

func mustAllow(t *testing.T, b *breaker.Breaker, wantTrial bool) {
	t.Helper()
	trial, err := b.Allow()
	if err != nil {
		t.Fatalf("Allow: %v, want the call let through", err)
	}
	if trial != wantTrial {
		t.Fatalf("trial = %v, want %v", trial, wantTrial)
	}
}

func mustRefuse(t *testing.T, b *breaker.Breaker) *breaker.OpenError {
	t.Helper()
	_, err := b.Allow()
	var oe *breaker.OpenError
	if !errors.As(err, &oe) {
		t.Fatalf("Allow: %v, want an *breaker.OpenError", err)
	}
	return oe
}

func TestOpensOnFailureThenTrialThenCloses(t *testing.T) {
	c := newClock()
	b := breaker.New(breaker.Options{Cooldown: 30 * time.Second, Now: c.Now})
	start := c.Now()
	mustAllow(t, b, false)
	b.Failure(errDown, 0)

	oe := mustRefuse(t, b)
	if !oe.Since.Equal(start) || !oe.RetryAt.Equal(start.Add(30*time.Second)) || !errors.Is(oe, errDown) {
		t.Fatalf("open error %+v: want since %v, retry at +30s, wrapping the cause", oe, start)
	}
	c.Advance(29 * time.Second)
	mustRefuse(t, b)

	// The cool-down is over: one trial; others are refused while it runs.
	c.Advance(time.Second)
	mustAllow(t, b, true)
	mustRefuse(t, b)

	// The trial fails: open again, still down since the first failure.
	b.Failure(errDown, 0)
	oe = mustRefuse(t, b)
	if !oe.Since.Equal(start) || !oe.RetryAt.Equal(c.Now().Add(30*time.Second)) {
		t.Fatalf("after a failed trial: %+v, want since unchanged and a new cool-down", oe)
	}

	c.Advance(30 * time.Second)
	mustAllow(t, b, true)
	b.Success()
	if b.State() != nil {
		t.Fatalf("after a successful trial the breaker should be closed: %+v", b.State())
	}
	mustAllow(t, b, false)
	mustAllow(t, b, false)
}

// A provider asking for a longer wait (Retry-After) gets it.
func TestRetryAfterExtendsCooldown(t *testing.T) {
	c := newClock()
	b := breaker.New(breaker.Options{Cooldown: 10 * time.Second, Now: c.Now})
	b.Failure(errDown, time.Minute)
	c.Advance(30 * time.Second)
	if oe := mustRefuse(t, b); !oe.RetryAt.Equal(c.Now().Add(30 * time.Second)) {
		t.Fatalf("retry at %v, want a minute after the failure", oe.RetryAt)
	}
}

// A trial that made no request after all hands its slot to the next call.
func TestReleaseFreesTheTrial(t *testing.T) {
	c := newClock()
	b := breaker.New(breaker.Options{Now: c.Now})
	b.Failure(errDown, 0)
	c.Advance(breaker.DefaultCooldown)
	mustAllow(t, b, true)
	b.Release()
	mustAllow(t, b, true)
}

// Under concurrent callers exactly one gets the trial.
func TestOneTrialAmongConcurrentCalls(t *testing.T) {
	c := newClock()
	b := breaker.New(breaker.Options{Now: c.Now})
	b.Failure(errDown, 0)
	c.Advance(breaker.DefaultCooldown)
	var mu sync.Mutex
	trials, refused := 0, 0
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			trial, err := b.Allow()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				refused++
			} else if trial {
				trials++
			}
		})
	}
	wg.Wait()
	if trials != 1 || refused != 15 {
		t.Fatalf("%d trials and %d refused, want 1 and 15", trials, refused)
	}
}

func TestSharedIsPerKey(t *testing.T) {
	a := breaker.Shared("test://a", breaker.Options{})
	if breaker.Shared("test://a", breaker.Options{Cooldown: time.Hour}) != a {
		t.Fatal("the same endpoint must share one breaker in a process")
	}
	if breaker.Shared("test://b", breaker.Options{}) == a {
		t.Fatal("another endpoint must have its own breaker")
	}
}
