package memtomem

import (
	"context"
	"errors"
	"sync"
)

// Opener opens the store. Servers call it through a Lazy, on the first call
// that needs the store, not at start-up.
type Opener func(ctx context.Context) (*Memory, error)

// Lazy is a store opened on first use and kept for the life of the process:
// what every server front end (mm serve, mm serve --http, mm web) holds. A
// server is started by every editor session, so its start must be instant
// and free of side effects; and a failed open is not cached, because the user
// may fix the cause (a bad config, a directory in the way) without
// restarting the editor.
type Lazy struct {
	open Opener

	mu     sync.Mutex // serialises opening, so concurrent first calls open once
	mem    *Memory
	closed bool
}

// NewLazy returns a Lazy that opens the store with open.
func NewLazy(open Opener) *Lazy { return &Lazy{open: open} }

// ErrClosed answers Get after Close.
var ErrClosed = &Error{Kind: KindRefused, Err: errors.New("the store has been closed: the server is shutting down")}

// Get returns the store, opening it if no call has yet. The error of a failed
// open is returned as is, and the next Get tries again.
func (l *Lazy) Get(ctx context.Context) (*Memory, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	if l.mem != nil {
		return l.mem, nil
	}
	m, err := l.open(ctx)
	if err != nil {
		return nil, err
	}
	l.mem = m
	return m, nil
}

// Close closes the store if it was opened; later Gets fail with ErrClosed.
// The caller drains its calls first: Close does not wait for users of the
// Memory Get returned. Close is idempotent.
func (l *Lazy) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.mem == nil {
		return nil
	}
	err := l.mem.Close()
	l.mem = nil
	return err
}

// IsOpen reports whether the store is open now (a call has opened it, and
// Close has not closed it).
func (l *Lazy) IsOpen() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mem != nil
}

// OpenNow opens the store in the background, for a server started to serve
// (mm serve --http, mm web) rather than by an editor for a session that may
// never use it: it is then listed among the store's live instances from the
// start, and a broken configuration shows at once. report gets a failed
// open's error (not after ctx ended); the next Get tries again.
func (l *Lazy) OpenNow(ctx context.Context, report func(error)) {
	go func() {
		if _, err := l.Get(ctx); err != nil && ctx.Err() == nil {
			report(err)
		}
	}()
}
