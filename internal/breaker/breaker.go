// Package breaker is the circuit breaker in front of a remote provider
// (embeddings today, reranking later): after a failure the provider is left
// alone for a while, so a dead server costs one fast failure instead of a
// timeout and a round of retries on every call.
//
// States: closed (calls go through), open (calls are refused at once, with
// an *OpenError saying since when the provider is down and when it is tried
// again) and half-open (the cool-down is over: exactly one caller makes a
// trial call; the others are still refused until it reports). A success
// closes the breaker; a failure of the trial opens it for another
// cool-down.
//
// One failure opens it. Callers report a failure only for what says the
// provider is unreachable or overloaded (refused connection, timeout, 5xx,
// 429 after the caller's own retries), never for a request the provider
// rejected on its merits: that provider is up.
//
// A Breaker lives in one process. Every process learns about a dead
// provider on its own, with its own first failure.
package breaker

import (
	"fmt"
	"sync"
	"time"
)

// DefaultCooldown is how long the breaker stays open after a failure.
const DefaultCooldown = 30 * time.Second

// Options tune a Breaker. The zero value takes every default.
type Options struct {
	// Cooldown is how long calls are refused after a failure before one
	// trial call is let through. Default DefaultCooldown.
	Cooldown time.Duration
	// Now is the clock; nil is time.Now. Tests inject one to step over the
	// cool-down without sleeping.
	Now func() time.Time
}

// Breaker guards one provider endpoint. It is safe for concurrent use.
type Breaker struct {
	cooldown time.Duration
	now      func() time.Time

	mu      sync.Mutex
	down    bool      // open or half-open: the last call failed
	since   time.Time // first failure of the current outage
	retryAt time.Time // end of the cool-down
	trial   bool      // a trial call is in flight
	cause   error     // the last failure
}

// New returns a closed breaker.
func New(opts Options) *Breaker {
	if opts.Cooldown <= 0 {
		opts.Cooldown = DefaultCooldown
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Breaker{cooldown: opts.Cooldown, now: opts.Now}
}

// OpenError is the refusal of a call while the breaker is open.
type OpenError struct {
	Since   time.Time // when it first failed in this outage
	RetryAt time.Time // when a trial call is let through
	Cause   error     // the failure that opened the breaker
}

func (e *OpenError) Error() string {
	return fmt.Sprintf("unreachable since %s, not tried again before %s (last failure: %v)",
		e.Since.Format(time.TimeOnly), e.RetryAt.Format(time.TimeOnly), e.Cause)
}

// Unwrap exposes the failure that opened the breaker.
func (e *OpenError) Unwrap() error { return e.Cause }

// Allow asks to make a call. It returns a nil error when the call may go
// ahead — the breaker is closed, or the cool-down is over and this caller
// makes the trial (trial is then true: a trial is one attempt, without
// retries) — and an *OpenError otherwise. A caller that got nil must
// report the outcome with Success or Failure, or (if it made no request
// after all, e.g. it was cancelled) with Release.
func (b *Breaker) Allow() (trial bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.down {
		return false, nil
	}
	if !b.trial && !b.now().Before(b.retryAt) {
		b.trial = true
		return true, nil
	}
	return false, b.openError()
}

// Success reports that the provider answered: the breaker closes.
func (b *Breaker) Success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.down, b.trial, b.cause = false, false, nil
}

// Failure reports that the provider is unreachable or overloaded: the
// breaker opens for the cool-down, or for wait when the provider asked for
// longer (a Retry-After header).
func (b *Breaker) Failure(cause error, wait time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if !b.down {
		b.down, b.since = true, now
	}
	b.trial, b.cause = false, cause
	b.retryAt = now.Add(max(b.cooldown, wait))
}

// Release reports that an allowed call made no request after all (it was
// cancelled before it reached the provider): the state is unchanged, and a
// trial slot it held goes to the next caller.
func (b *Breaker) Release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trial = false
}

// State is a snapshot for status displays: nil when the breaker is closed.
func (b *Breaker) State() *OpenError {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.down {
		return nil
	}
	return b.openError()
}

func (b *Breaker) openError() *OpenError {
	return &OpenError{Since: b.since, RetryAt: b.retryAt, Cause: b.cause}
}

// registry holds the process's breakers, one per provider endpoint.
var registry sync.Map // key string -> *Breaker

// Shared returns the process's breaker for key (a provider endpoint),
// creating it with opts on first use, so every client of one endpoint in a
// process — the memory's embedder, an eval run, a reranker — learns of an
// outage from the first failure. Options of later calls for the same key
// are ignored.
func Shared(key string, opts Options) *Breaker {
	if b, ok := registry.Load(key); ok {
		return b.(*Breaker)
	}
	b, _ := registry.LoadOrStore(key, New(opts))
	return b.(*Breaker)
}
