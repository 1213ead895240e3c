package mcpserver

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// toolCodec decodes a tool's arguments and builds its result the way the
// SDK's typed tools (mcp.AddTool) do: the arguments are checked against the
// input schema with its defaults applied, then decoded into In; Out becomes
// the structured content, its schema the tool's output schema. The SDK
// does each step with a decoder that allocates and clears a 32 KiB buffer
// per call, four times for a call and its result; on a machine running many
// servers that was one of the largest uses of CPU (docs/benchmarks.md,
// issue 9). Here it is encoding/json, a few microseconds for a usual call.
//
// One step is left out: the SDK checked every result against the output
// schema. The schema is derived from Out itself, so a result can only miss
// it through a bug in a MarshalJSON; the tests check every result they get
// against the schema the client sees (callTool in helpers_test.go).
type toolCodec[In, Out any] struct {
	input *jsonschema.Resolved
	known map[string]*jsonschema.Schema // the parameters In has
	// outZero stands in for a nil Out when Out is a pointer: the result is
	// the zero value, as the SDK sends it, not null.
	outZero any
}

// newToolCodec resolves t's input schema, which inputSchema built from In,
// and sets its output schema from Out unless t has one.
func newToolCodec[In, Out any](t *mcp.Tool, input *jsonschema.Schema) *toolCodec[In, Out] {
	resolved, err := input.Resolve(&jsonschema.ResolveOptions{ValidateDefaults: true})
	if err != nil {
		panic(fmt.Sprintf("mcpserver: input schema of %s: %v", t.Name, err))
	}
	c := &toolCodec[In, Out]{input: resolved, known: input.Properties}
	if t.OutputSchema != nil {
		return c // a schema of the tool's own (mem_do's result is any object)
	}
	rt := reflect.TypeFor[Out]()
	if rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
		c.outZero = reflect.Zero(rt).Interface()
	}
	out, err := jsonschema.ForType(rt, &jsonschema.ForOptions{})
	if err != nil {
		panic(fmt.Sprintf("mcpserver: output schema of %s: %v", t.Name, err))
	}
	t.OutputSchema = out
	return c
}

// decode checks raw against the input schema, applies its defaults and
// decodes it into In. A parameter the schema does not name is dropped
// first: the SDK matched keys to fields by exact name, and encoding/json
// would also match "Content" or "TOP_K" (unknownNote reports them).
func (c *toolCodec[In, Out]) decode(raw json.RawMessage) (in In, err error) {
	args := map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &args); err != nil {
			return in, fmt.Errorf("validating \"arguments\": unmarshaling arguments: %w", err)
		}
	}
	if err := c.input.ApplyDefaults(&args); err != nil {
		return in, fmt.Errorf("validating \"arguments\": applying schema defaults:\n%w", err)
	}
	if err := c.input.Validate(&args); err != nil {
		return in, fmt.Errorf("validating \"arguments\": %w", err)
	}
	for k := range args {
		if _, ok := c.known[k]; !ok {
			delete(args, k)
		}
	}
	data, err := json.Marshal(args)
	if err != nil {
		return in, fmt.Errorf("validating \"arguments\": %w", err)
	}
	if err := json.Unmarshal(data, &in); err != nil {
		return in, err
	}
	return in, nil
}

// result is the tool's answer: text first, then any notes, each a block of
// its own, and out as the structured content.
func (c *toolCodec[In, Out]) result(out Out, text ...string) (*mcp.CallToolResult, error) {
	var v any = out
	if c.outZero != nil && reflect.ValueOf(&out).Elem().IsNil() {
		v = c.outZero
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshaling output: %w", err)
	}
	res := &mcp.CallToolResult{StructuredContent: json.RawMessage(data)}
	for _, t := range text {
		res.Content = append(res.Content, &mcp.TextContent{Text: t})
	}
	if len(data) == 0 || data[0] != '{' {
		// Clients before structured content read the JSON from the
		// text, which the SDK adds for anything but an object.
		res.Content = append(res.Content, &mcp.TextContent{Text: string(data)})
	}
	return res, nil
}

// failure is how a tool's error reaches the client: a JSON-RPC error as
// one, anything else as a tool error (IsError) with its message.
func failure(err error) (*mcp.CallToolResult, error) {
	if wire, ok := err.(*jsonrpc.Error); ok {
		return nil, wire
	}
	res := &mcp.CallToolResult{}
	res.SetError(err)
	return res, nil
}
