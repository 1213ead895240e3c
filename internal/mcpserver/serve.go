package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/memtomem/memtomem/internal/lifecycle"
)

// DefaultGrace bounds shutdown (see lifecycle.DefaultGrace).
const DefaultGrace = lifecycle.DefaultGrace

// ServeOptions configure Serve.
type ServeOptions struct {
	Open Opener
	// In and Out carry the newline-delimited JSON-RPC stream (default:
	// stdin and stdout).
	In  io.Reader
	Out io.Writer
	// Grace bounds the wait for in-flight calls at shutdown (default 30 s).
	Grace time.Duration
	// Log receives shutdown warnings (default: discarded).
	Log io.Writer
}

// Serve runs one MCP session until the client goes away and returns nil on
// an orderly end. It shuts down on: end of input (the client closed stdin),
// SIGTERM, SIGINT or SIGHUP, the parent process dying, or ctx ending. In
// every case every request received before that is answered (on a signal,
// reading goes on until the input is quiet for stopQuiet, so a call written
// just before the signal counts as received), all bounded by Grace; then the
// store is closed.
func Serve(ctx context.Context, opts ServeOptions) error { return serveWith(ctx, opts, nil) }

// serveWith is Serve with a hook to add tools, for tests.
func serveWith(ctx context.Context, opts ServeOptions, setup func(*Server)) error {
	if opts.In == nil {
		opts.In = os.Stdin
	}
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	if opts.Grace <= 0 {
		opts.Grace = DefaultGrace
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	// Signals and the parent's death end the session (SIGPIPE does not: a
	// broken stdout ends it through a write error).
	ctx, stopWatching := lifecycle.Watch(ctx)
	defer stopWatching()

	s := New(opts.Open)
	if setup != nil {
		setup(s)
	}
	// The stdio transport (lineTransport: the SDK's newline-delimited
	// JSON-RPC, each line decoded once and bad ones answered) with the input
	// watched: the SDK reports the end of a session only once in-flight
	// calls have returned, and a long write must not keep the process alive
	// unbounded after the client left.
	in := lifecycle.WatchInput(opts.In)
	out := &lineWriter{w: opts.Out}
	stopReading := make(chan struct{})
	transport := &drainTransport{
		inner: &lineTransport{in: newFrames(in, out, MaxFrameBytes), out: out},
		stop:  stopReading,
		bound: opts.Grace,
	}
	// The session runs on a context the signals do not cancel: shutdown is
	// driven below, so that in-flight calls are drained rather than cut off.
	ss, err := s.MCP().Connect(context.WithoutCancel(ctx), transport, nil)
	if err != nil {
		return fmt.Errorf("start MCP session: %w", err)
	}
	ended := make(chan error, 1)
	go func() { ended <- ss.Wait() }()

	var sessionErr error
	done := false
	select {
	case sessionErr = <-ended:
		done = true
	case <-in.Ended():
		// The client closed its end: calls read so far run to their end
		// (`printf ... | mm serve` is a way to script mm), within the grace
		// period, after which long work stops at its next step.
	case <-ctx.Done():
		// A signal or the parent's death: long work (an index, an import)
		// stops at its next step and answers with what it did, so the drain
		// does not wait out the grace period for it.
		s.calls.BeginStop()
		lifecycle.IgnoreTerminations()
		// Read what is already on its way, then end the input as if the
		// client had closed it: the session ends once every request read
		// has been answered (see drainTransport).
		close(stopReading)
	}
	// Received calls finish and answer (the session ends once they have),
	// all within the grace period; whatever is left then is cancelled.
	deadline := time.Now().Add(opts.Grace)
	if !done {
		select {
		case sessionErr = <-ended:
		case <-time.After(opts.Grace):
		}
	}
	if err := s.Shutdown(max(time.Until(deadline), 0)); err != nil {
		fmt.Fprintf(opts.Log, "mm serve: %v\n", err)
	}
	if sessionErr != nil && !errors.Is(sessionErr, io.EOF) && !errors.Is(sessionErr, os.ErrClosed) {
		// A broken pipe or a malformed stream is how clients often leave; it
		// is worth a log line, not a failing exit status.
		fmt.Fprintf(opts.Log, "mm serve: session ended: %v\n", sessionErr)
	}
	return nil
}
