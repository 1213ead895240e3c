package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// nullArguments reads null as "not given" in a tools/call's arguments,
// before the SDK validates them against the tool's input schema:
//
//   - arguments that are JSON null are no arguments. The go-sdk (v1.8.0)
//     applies a tool's schema defaults to the decoded arguments, and on null
//     that assigns into a nil map and panics outside every handler's
//     recover: one `"arguments": null` from a client ended the process.
//   - a parameter whose value is null is left out, so that it gets its
//     default. Many models send null for a parameter they do not mean to
//     set, and the schemas declare plain types (see inputSchema), which
//     null does not match.
func nullArguments(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if method == "tools/call" {
			if p, ok := req.GetParams().(*mcp.CallToolParamsRaw); ok {
				p.Arguments = dropNulls(p.Arguments)
			}
		}
		return next(ctx, method, req)
	}
}

// dropNulls returns args without its null-valued parameters ({} for null
// args). Anything that is not an object is left for validation to refuse.
func dropNulls(args json.RawMessage) json.RawMessage {
	trimmed := bytes.TrimSpace(args)
	if bytes.Equal(trimmed, []byte("null")) {
		return json.RawMessage("{}")
	}
	if !bytes.Contains(trimmed, []byte("null")) {
		return args // the common case: nothing to parse
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(trimmed, &m) != nil {
		return args
	}
	dropped := false
	for k, v := range m {
		if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			delete(m, k)
			dropped = true
		}
	}
	if !dropped {
		return args
	}
	out, err := json.Marshal(m)
	if err != nil {
		return args
	}
	return out
}
