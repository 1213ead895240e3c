package mcpserver

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// stopQuiet is how long, after a termination signal, the server keeps
// reading requests that are already on their way: a client that wrote a call
// just before signalling (or before its editor sent SIGTERM) has it in the
// pipe, and it counts as received. Reading stops once the input has been
// quiet this long (bounded overall by the drain bound).
const stopQuiet = 200 * time.Millisecond

// drainTransport wraps a transport so that every request read before the end
// of input (or before a termination signal) is answered before the session
// ends. The SDK's connection treats a read error (EOF) as the end: it cancels
// the requests still in flight and refuses to write their responses, so
// `printf '<initialize>\n<initialized>\n<tools/call>\n' | mm serve` used to
// print nothing. Here the end of input is held back from the SDK until every
// call read so far has been answered, the output broke, or the drain bound
// passed.
type drainTransport struct {
	inner mcp.Transport
	// stop, when closed, makes the connection stop reading once the input
	// goes quiet, as if it had ended.
	stop <-chan struct{}
	// bound caps the wait for answers once the input ended, and how long
	// reading goes on after stop.
	bound time.Duration
}

func (t *drainTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := t.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &drainConn{Connection: c, stop: t.stop, bound: t.bound, pending: map[any]struct{}{}, changed: make(chan struct{}, 1), closed: make(chan struct{})}, nil
}

// drainConn tracks the calls read but not yet answered.
type drainConn struct {
	mcp.Connection
	stop  <-chan struct{}
	bound time.Duration

	mu      sync.Mutex
	pending map[any]struct{} // raw ids of calls read and not yet answered
	broken  bool             // a write failed: nothing more can be answered
	changed chan struct{}    // nudged when pending shrinks or broken is set

	closeOnce sync.Once
	closed    chan struct{}
}

func (c *drainConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	msg, err := c.read(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.drain()
		}
		return nil, err
	}
	if req, ok := msg.(*jsonrpc.Request); ok && req.IsCall() {
		c.mu.Lock()
		c.pending[req.ID.Raw()] = struct{}{}
		c.mu.Unlock()
	}
	return msg, nil
}

// read reads the next message; once stop is closed, it gives up with io.EOF
// when nothing arrives within stopQuiet.
func (c *drainConn) read(ctx context.Context) (jsonrpc.Message, error) {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stopped chan struct{}
	if c.stop != nil {
		stopped = make(chan struct{})
		go func() {
			select {
			case <-c.stop:
			case <-rctx.Done():
				return
			}
			t := time.NewTimer(stopQuiet)
			defer t.Stop()
			select {
			case <-t.C:
				close(stopped)
				cancel()
			case <-rctx.Done():
			}
		}()
	}
	msg, err := c.Connection.Read(rctx)
	if err != nil && stopped != nil && ctx.Err() == nil {
		select {
		case <-stopped:
			return nil, io.EOF
		default:
		}
	}
	return msg, err
}

// drain waits until every call read so far has been answered, the output
// broke, the connection was closed, or bound passed.
func (c *drainConn) drain() {
	deadline := time.NewTimer(c.bound)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		done := len(c.pending) == 0 || c.broken
		c.mu.Unlock()
		if done {
			return
		}
		select {
		case <-c.changed:
		case <-c.closed:
			return
		case <-deadline.C:
			return
		}
	}
}

func (c *drainConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	err := c.Connection.Write(ctx, msg)
	resp, isResp := msg.(*jsonrpc.Response)
	if !isResp && err == nil {
		return nil
	}
	c.mu.Lock()
	if isResp {
		delete(c.pending, resp.ID.Raw())
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		c.broken = true
	}
	c.mu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default:
	}
	return err
}

func (c *drainConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.Connection.Close()
}
