// Package lifecycle is the life of a long-running mm process (a server any
// front end runs: MCP over stdio or HTTP, the dashboard): when it should
// stop (termination signals, its parent dying, its input ending) and how it
// stops (in-flight calls drained within a grace period, work cut off after
// it). It knows nothing of MCP; the front ends build their shutdown on it.
package lifecycle

import (
	"context"
	"os/signal"
	"syscall"
	"time"
)

// DefaultGrace bounds shutdown: answering every request received before the
// end of input or a signal, and waiting for in-flight writes. It is longer
// than a write's worst wait for a stuck writer elsewhere (sqlite.WriteWait,
// about 12 s) plus the work itself, so a request that arrived just before
// the end is answered, not dropped; and short enough that a wedged call
// cannot keep a process alive long after its editor left.
const DefaultGrace = 30 * time.Second

// Watch returns a context that ends on SIGTERM, SIGINT or SIGHUP, or when
// the process that started us dies, and a function that releases what it
// watches. It also ignores SIGPIPE: a client that dies leaves a broken
// output; without this the next response would kill the process with
// SIGPIPE instead of ending the session through a write error.
func Watch(ctx context.Context) (context.Context, context.CancelFunc) {
	signal.Ignore(syscall.SIGPIPE)
	ctx, stopSignals := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	ctx, parentGone := context.WithCancel(ctx)
	WatchParent(ctx, parentGone)
	return ctx, func() { parentGone(); stopSignals() }
}

// IgnoreTerminations is called once shutdown has begun: further termination
// signals must not cut the drain short. They do come: the kernel sends the
// parent-death signal again each time the dying parent's threads exit one by
// one, and a late one after the server returns would otherwise kill the
// process with status 143 instead of exit 0.
func IgnoreTerminations() {
	signal.Ignore(syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
}

// ServeUntil runs serve (an http.Server's Serve on its listener) until it
// returns or ctx ends, and returns serve's error (nil when ctx ended
// first; the caller then shuts the server down). parent is the context
// before termination signals were watched: when ctx ended but parent did
// not, a signal ended it, and later ones are ignored from then on so that a
// second Ctrl-C cannot cut the drain short.
func ServeUntil(parent, ctx context.Context, serve func() error) error {
	served := make(chan error, 1)
	go func() { served <- serve() }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	if parent.Err() == nil {
		IgnoreTerminations()
	}
	return err
}
