package mcpserver

import (
	"context"
	"encoding/json"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memtomem/memtomem"
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
	ctx, cancel := c.s.work(c.ctx)
	c.ctx = ctx
	c.cleanup = append(c.cleanup, cancel)
}

// handler is a tool body: it returns the readable text and the structured
// result. A returned error becomes a tool error (IsError) with its message.
type handler[In, Out any] func(c *call, in In) (text string, out Out, err error)

// addTool registers a typed tool. The SDK derives the output schema from Out
// and validates arguments against the input schema built from In.
func addTool[In, Out any](s *Server, t *mcp.Tool, defaults map[string]any, h handler[In, Out]) {
	schema := inputSchema[In](defaults)
	t.InputSchema = schema
	mcp.AddTool(s.mcp, t, func(ctx context.Context, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, Out, error) {
		var zero Out
		if err := s.begin(); err != nil {
			return nil, zero, err
		}
		defer s.calls.Done()
		c := &call{s: s, ctx: ctx, args: req.Params.Arguments}
		defer func() {
			for _, f := range c.cleanup {
				f()
			}
		}()
		text, out, err := h(c, in)
		if err != nil {
			return nil, zero, err
		}
		if !c.argsUsed {
			text += unknownNote(req.Params.Arguments, schema)
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}, out, nil
	})
}

func ptr[T any](v T) *T { return &v }

// Annotations shared by the tools.
var (
	readOnly   = &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: ptr(false)}
	additive   = &mcp.ToolAnnotations{DestructiveHint: ptr(false), OpenWorldHint: ptr(false)}
	idempotent = &mcp.ToolAnnotations{DestructiveHint: ptr(false), IdempotentHint: true, OpenWorldHint: ptr(false)}
)
