// Package breakertest helps tests step a circuit breaker over its
// cool-down without sleeping.
package breakertest

import (
	"sync"
	"time"

	"github.com/memtomem/memtomem/internal/breaker"
)

// Clock is a hand-stepped clock for breaker.Options.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at a fixed instant.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// New returns a breaker with the given cool-down driven by a new Clock.
func New(cooldown time.Duration) (*breaker.Breaker, *Clock) {
	c := NewClock()
	return breaker.New(breaker.Options{Cooldown: cooldown, Now: c.Now}), c
}
