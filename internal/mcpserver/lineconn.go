package mcpserver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// lineTransport is mm serve's stdio transport: newline-delimited JSON-RPC,
// as the SDK's IOTransport speaks it, batches included (protocol versions
// 2024-11-05 and 2025-03-26), with every line decoded once, by frames. The
// SDK's transport scanned each line with a stream decoder, probed it as a
// batch and decoded it again (three passes, two of them allocating and
// clearing a 32 KiB buffer each), after frames had already decoded it to
// check it; on a machine running many servers that decoding was a large
// share of all CPU (docs/benchmarks.md, issue 9).
type lineTransport struct {
	in  *frames
	out *lineWriter
}

func (t *lineTransport) Connect(context.Context) (mcp.Connection, error) {
	c := &lineConn{
		in:       t.in,
		out:      t.out,
		incoming: make(chan []jsonrpc.Message),
		ended:    make(chan struct{}),
		closed:   make(chan struct{}),
		batches:  map[jsonrpc.ID]*pendingBatch{},
	}
	go c.readLoop()
	return c, nil
}

// lineConn is one session's connection over lineTransport.
type lineConn struct {
	in  *frames
	out *lineWriter

	// incoming carries each good line's messages from readLoop to Read;
	// ended is closed, with endErr set, once readLoop has passed on all of
	// them and the input has ended or failed.
	incoming chan []jsonrpc.Message
	ended    chan struct{}
	endErr   error

	queue []jsonrpc.Message // the rest of the last batch (reads are serial)

	// batches maps each call of an incoming batch to the batch, whose
	// answers go back together, as one array, once all are in (JSON-RPC's
	// rule for batches).
	batchMu sync.Mutex
	batches map[jsonrpc.ID]*pendingBatch

	closeOnce sync.Once
	closed    chan struct{}
	closeErr  error
}

// pendingBatch is an incoming batch whose calls are not all answered yet.
type pendingBatch struct {
	index     map[jsonrpc.ID]int // each call's place among the answers
	responses []*jsonrpc.Response
	left      int
}

// readLoop reads lines until the input ends or the connection closes. It
// runs on its own so that Read can give up when its context ends or the
// connection closes; a read of stdin cannot be interrupted, so it leaks
// until the input ends (as the SDK's transport does).
func (c *lineConn) readLoop() {
	for {
		msgs, batch, err := c.in.message()
		if err != nil {
			c.endErr = err
			close(c.ended)
			return
		}
		if batch && !c.track(msgs) {
			continue
		}
		select {
		case c.incoming <- msgs:
		case <-c.closed:
			return
		}
	}
}

// track records the calls of an incoming batch. A batch reusing the id of
// a call still pending in an earlier batch is refused, all of it: its
// answers could not be told apart.
func (c *lineConn) track(msgs []jsonrpc.Message) bool {
	b := &pendingBatch{index: map[jsonrpc.ID]int{}}
	for _, m := range msgs {
		if req, ok := m.(*jsonrpc.Request); ok && req.IsCall() {
			b.index[req.ID] = len(b.responses)
			b.responses = append(b.responses, nil)
		}
	}
	if len(b.index) == 0 {
		return true // notifications and responses only: nothing to answer
	}
	b.left = len(b.index)
	c.batchMu.Lock()
	defer c.batchMu.Unlock()
	for id := range b.index {
		if _, taken := c.batches[id]; taken {
			c.out.reply(nil, jsonrpc.CodeInvalidRequest, fmt.Sprintf("invalid request: the batch reuses the id %v of a call not yet answered; nothing of the batch was run", id.Raw()))
			return false
		}
	}
	for id := range b.index {
		c.batches[id] = b
	}
	return true
}

func (c *lineConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // as the SDK's transports do, even with messages queued
	}
	if len(c.queue) > 0 {
		m := c.queue[0]
		c.queue = c.queue[1:]
		return m, nil
	}
	select {
	case msgs := <-c.incoming:
		c.queue = msgs[1:]
		return msgs[0], nil
	case <-c.ended:
		return nil, c.endErr
	case <-c.closed:
		return nil, io.EOF
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *lineConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if resp, ok := msg.(*jsonrpc.Response); ok {
		if all, inBatch := c.answer(resp); inBatch {
			if all == nil {
				return nil // the batch still has calls running
			}
			return c.writeBatch(all)
		}
	}
	data, err := jsonrpc.EncodeMessage(msg)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	_, err = c.out.Write(append(data, '\n'))
	return err
}

// answer files resp with its batch, if it answers a call of one: inBatch
// says so, and all is the batch's answers once resp was the last.
func (c *lineConn) answer(resp *jsonrpc.Response) (all []*jsonrpc.Response, inBatch bool) {
	c.batchMu.Lock()
	defer c.batchMu.Unlock()
	b, ok := c.batches[resp.ID]
	if !ok {
		return nil, false
	}
	delete(c.batches, resp.ID)
	b.responses[b.index[resp.ID]] = resp
	if b.left--; b.left > 0 {
		return nil, true
	}
	return b.responses, true
}

// writeBatch writes a batch's answers as one array, in the batch's order.
func (c *lineConn) writeBatch(responses []*jsonrpc.Response) error {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, r := range responses {
		data, err := jsonrpc.EncodeMessage(r)
		if err != nil {
			return fmt.Errorf("encode batch answer: %w", err)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(data)
	}
	buf.WriteString("]\n")
	_, err := c.out.Write(buf.Bytes())
	return err
}

// Close closes the input; the output stays open (see lineWriter.Close).
func (c *lineConn) Close() error {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.closeErr = c.in.Close()
	})
	return c.closeErr
}

func (c *lineConn) SessionID() string { return "" }
