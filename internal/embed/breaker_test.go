package embed

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/breaker"
	"github.com/memtomem/memtomem/internal/breaker/breakertest"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/embed/embedtest"
)

func flakyCfg(f *embedtest.Flaky) config.EmbeddingConfig {
	return config.EmbeddingConfig{Provider: "openai", Model: "test-embed", BaseURL: f.BaseURL()}
}

// A provider that refuses connections, one that hangs and one that answers
// 503: the first call fails (503 after its retries; the others at once),
// the breaker opens, and calls in the open window fail at once without a
// request, saying since when the provider is down and when it is tried
// again. After the window one trial call goes out; while the provider is
// still down it opens the breaker again; once it is back the trial closes
// it and calls flow as before.
func TestBreakerOpensOnDeadProvider(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mode      embedtest.Mode
		firstReqs int // requests the first call makes
		want      string
	}{
		{"refusing", embedtest.Refusing, 0, "refused the connection"},
		{"hanging", embedtest.Hanging, 1, "did not answer within"},
		{"503", embedtest.Unavailable, 3, "status 503"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := embedtest.NewFlaky(t, lengthVec)
			br, clock := breakertest.New(30 * time.Second)
			opts := fastOpts()
			opts.Breaker, opts.Timeout, opts.MaxRetries = br, 100*time.Millisecond, 2
			e := mustNew(t, flakyCfg(f), opts)
			ctx := context.Background()
			if _, err := e.Embed(ctx, []string{"up"}); err != nil {
				t.Fatalf("healthy provider: %v", err)
			}

			f.Set(tc.mode)
			before := f.Requests()
			_, err := e.Embed(ctx, []string{"x"})
			assertErr(t, err, tc.want)
			if got := f.Requests() - before; got != tc.firstReqs {
				t.Fatalf("first failing call made %d requests, want %d", got, tc.firstReqs)
			}
			down := OutageOf(err)
			if down == nil || !down.RetryAt.Equal(clock.Now().Add(30*time.Second)) {
				t.Fatalf("the failing call should report the open breaker (retry in 30s): %+v", down)
			}

			// In the open window: no request at all, an error that says so.
			before = f.Requests()
			for range 3 {
				_, err = e.Embed(ctx, []string{"x"})
				assertErr(t, err, "is unreachable since 23:00:00", "not tried again before 23:00:30", tc.want)
			}
			if f.Requests() != before {
				t.Fatalf("%d requests while the breaker is open, want 0", f.Requests()-before)
			}
			var oe *breaker.OpenError
			if !errors.As(err, &oe) || OutageOf(err) == nil {
				t.Fatalf("error %v should wrap the *breaker.OpenError", err)
			}

			// After the window: exactly one trial, without retries.
			clock.Advance(30 * time.Second)
			before = f.Requests()
			_, err = e.Embed(ctx, []string{"x"})
			assertErr(t, err, tc.want)
			if want := min(tc.firstReqs, 1); f.Requests()-before != want {
				t.Fatalf("the trial made %d requests, want %d", f.Requests()-before, want)
			}
			if o := OutageOf(err); o == nil || !o.Since.Equal(clock.Now().Add(-30*time.Second)) {
				t.Fatalf("a failed trial keeps the outage's start: %+v", o)
			}

			// Recovery: the next trial closes the breaker.
			f.Set(embedtest.Healthy)
			clock.Advance(30 * time.Second)
			before = f.Requests()
			if _, err := e.Embed(ctx, []string{"back"}); err != nil {
				t.Fatalf("after recovery: %v", err)
			}
			if _, err := e.Embed(ctx, []string{"again"}); err != nil {
				t.Fatalf("after recovery: %v", err)
			}
			if f.Requests()-before != 2 || br.State() != nil {
				t.Fatalf("after recovery: %d requests, breaker %+v; want 2 and closed", f.Requests()-before, br.State())
			}
		})
	}
}

// A rejection on the request's merits (400) says the server is up: it
// does not open the breaker.
func TestClientErrorKeepsBreakerClosed(t *testing.T) {
	srv, rec := scripted(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":{"message":"bad model"}}`)
	})
	opts := fastOpts()
	e := mustNew(t, openAICfg(srv), opts)
	for range 3 {
		if _, err := e.Embed(context.Background(), []string{"x"}); err == nil {
			t.Fatal("no error")
		}
	}
	if rec.count() != 3 || opts.Breaker.State() != nil {
		t.Fatalf("%d requests, breaker %+v; want 3 and closed", rec.count(), opts.Breaker.State())
	}
}

// Retries stop as soon as another call opened the breaker.
func TestRetriesOnlyWhileClosed(t *testing.T) {
	br, _ := breakertest.New(30 * time.Second)
	srv, rec := scripted(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		// Another call of this process fails meanwhile and opens it.
		br.Failure(errors.New("another call: connection refused"), 0)
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	opts := fastOpts()
	opts.Breaker, opts.MaxRetries = br, 4
	e := mustNew(t, openAICfg(srv), opts)
	_, err := e.Embed(context.Background(), []string{"x"})
	assertErr(t, err, "is unreachable since", "another call")
	if rec.count() != 1 {
		t.Fatalf("%d requests, want 1: no retry once the breaker is open", rec.count())
	}
}

// A retry never sleeps past the caller's deadline.
func TestRetryNeverSleepsPastDeadline(t *testing.T) {
	srv, rec := scripted(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	opts := fastOpts()
	opts.MaxBackoff = time.Minute
	e := mustNew(t, openAICfg(srv), opts)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := e.Embed(ctx, []string{"x"})
	assertErr(t, err, "status 503")
	if errors.Is(err, context.DeadlineExceeded) || rec.count() != 1 {
		t.Fatalf("%d requests (%v): a 60s Retry-After past a 2s deadline must give up at once", rec.count(), err)
	}
	if o := OutageOf(err); o == nil || o.RetryAt.Sub(o.Since) < time.Minute {
		t.Fatalf("the breaker should stay open as long as Retry-After asked (60s, over the 30s cool-down): %+v", o)
	}
}

// The caller's deadline passing while the provider hangs counts as a
// failure (a search waits 10s, less than the request timeout).
func TestCallerDeadlineOpensBreaker(t *testing.T) {
	f := embedtest.NewFlaky(t, lengthVec)
	f.Set(embedtest.Hanging)
	opts := fastOpts()
	opts.Timeout = time.Minute
	e := mustNew(t, flakyCfg(f), opts)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := e.Embed(ctx, []string{"x"})
	assertErr(t, err, "did not answer before the call's deadline")
	if opts.Breaker.State() == nil {
		t.Fatal("a provider hanging past the caller's deadline should open the breaker")
	}
	// A caller's own cancellation says nothing about the provider.
	opts2 := fastOpts()
	e2 := mustNew(t, flakyCfg(f), opts2)
	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel2)
	if _, err := e2.Embed(ctx2, []string{"x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want a cancellation", err)
	}
	if opts2.Breaker.State() != nil {
		t.Fatal("a cancelled call must not open the breaker")
	}
}
