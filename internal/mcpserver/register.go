package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/lifecycle"
)

// call is one tool invocation: its context and access to the store.
type call struct {
	s        *Server
	ctx      context.Context
	args     json.RawMessage // the raw arguments, for tools that read extra keys
	argsUsed bool            // the tool consumed keys outside its schema itself
	cleanup  []func()
}

// store opens the store if this process has not yet.
func (c *call) store() (*memtomem.Memory, error) { return c.s.memory(c.ctx) }

// writes marks the call as one that changes files or the index: from here on
// it runs on a context that a client disconnect does not cancel (see
// Server.work).
func (c *call) writes() {
	ctx, cancel := c.s.calls.Detach(c.ctx)
	c.ctx = ctx
	c.cleanup = append(c.cleanup, cancel)
}

// longWork marks a call whose work is a series of steps, each complete on
// its own (mem_index: one file per transaction; import: one file's memories
// per write), so that it may stop between steps. Like writes, it is not cut
// short by a client that disconnects; unlike writes, it stops when the client
// cancels the call (notifications/cancelled, which the SDK turns into the
// request context's cancellation) or when the server begins to shut down,
// keeping what it finished: a long index must not hold the drain for its
// whole grace period, nor run on for a client that gave up on it.
func (c *call) longWork() {
	ctx, cancel := c.s.calls.StopLong(c.ctx)
	c.ctx = ctx
	c.cleanup = append(c.cleanup, cancel)
}

// stoppedWhy says why long work stopped, once its context has ended.
func stoppedWhy(ctx context.Context) string {
	if context.Cause(ctx) == lifecycle.ErrStopping {
		return "the server is shutting down"
	}
	return "the call was cancelled"
}

// handler is a tool body: it returns the readable text and the structured
// result. A returned error becomes a tool error (IsError) with its message.
type handler[In, Out any] func(c *call, in In) (text string, out Out, err error)

// addTool registers a typed tool: its input schema is built from In, its
// output schema from Out, and the arguments are checked against the one and
// decoded into In (toolCodec) before h runs.
func addTool[In, Out any](s *Server, t *mcp.Tool, defaults map[string]any, h handler[In, Out]) {
	schema := inputSchema[In](defaults)
	t.InputSchema = schema
	codec := newToolCodec[In, Out](t, schema)
	s.mcp.AddTool(t, func(ctx context.Context, req *mcp.CallToolRequest) (res *mcp.CallToolResult, err error) {
		in, err := codec.decode(req.Params.Arguments)
		if err != nil {
			return failure(err)
		}
		if err := s.calls.Begin(); err != nil {
			return failure(err)
		}
		defer s.calls.End()
		// The SDK does not recover panics: one bug in one call would end
		// the process and take the agent's memory away for the session.
		defer func() {
			if p := recover(); p != nil {
				fmt.Fprintf(panicLog, "mm serve: panic in %s: %v\n%s", t.Name, p, debug.Stack())
				res, err = failure(fmt.Errorf("internal error in %s (a bug; please report it with the server's log): %v", t.Name, p))
			}
		}()
		c := &call{s: s, ctx: ctx, args: req.Params.Arguments}
		defer func() {
			for _, f := range c.cleanup {
				f()
			}
		}()
		text, out, err := h(c, in)
		if err != nil {
			return failure(err)
		}
		if note := unknownNote(req.Params.Arguments, schema); note != "" && !c.argsUsed {
			// A block of its own, so that a JSON text stays parseable.
			return codec.result(out, text, note)
		}
		return codec.result(out, text)
	})
}

// panicLog receives the stack of a recovered panic (the client keeps the
// server's stderr as its log).
var panicLog io.Writer = os.Stderr

func ptr[T any](v T) *T { return &v }

// Annotations shared by the tools.
var (
	readOnly   = &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: ptr(false)}
	additive   = &mcp.ToolAnnotations{DestructiveHint: ptr(false), OpenWorldHint: ptr(false)}
	idempotent = &mcp.ToolAnnotations{DestructiveHint: ptr(false), IdempotentHint: true, OpenWorldHint: ptr(false)}
)
