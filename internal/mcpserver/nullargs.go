package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// nullArguments reads a tools/call whose arguments are JSON null as one
// with no arguments. The go-sdk (v1.8.0) applies a tool's schema defaults
// to the decoded arguments, and on null that assigns into a nil map and
// panics outside every handler's recover: one `"arguments": null` from a
// client ended the process.
func nullArguments(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if method == "tools/call" {
			if p, ok := req.GetParams().(*mcp.CallToolParamsRaw); ok && bytes.Equal(bytes.TrimSpace(p.Arguments), []byte("null")) {
				p.Arguments = json.RawMessage("{}")
			}
		}
		return next(ctx, method, req)
	}
}
