package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
)

// storeAt opens the store in home, the way mm serve does (minus flags).
func storeAt(home string) Opener {
	return func(ctx context.Context) (*memtomem.Memory, error) {
		cfg, err := config.Load(home)
		if err != nil {
			return nil, err
		}
		return memtomem.Open(ctx, cfg)
	}
}

// connect runs s over in-memory transports and returns a client session;
// everything is closed and the server shut down when the test ends.
func connect(t *testing.T, s *Server) *mcp.ClientSession {
	t.Helper()
	ctx := t.Context()
	ct, st := mcp.NewInMemoryTransports()
	ss, err := s.MCP().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cs.Close()
		ss.Wait()
		if err := s.Shutdown(5 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return cs
}

func newSession(t *testing.T) (*mcp.ClientSession, string) {
	t.Helper()
	home := t.TempDir()
	return connect(t, New(storeAt(home))), home
}

// callTool calls a tool and fails the test on a protocol error; tool errors
// are returned in the result for the test to inspect.
func callTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: protocol error: %v", name, err)
	}
	if !res.IsError {
		if err := checkOutput(ctx, cs, name, res.StructuredContent); err != nil {
			t.Fatalf("%s: the result does not match the tool's output schema: %v", name, err)
		}
	}
	return res
}

// outputSchemas holds each session's tools' output schemas, as listed.
var outputSchemas sync.Map // *mcp.ClientSession -> map[string]*jsonschema.Resolved

// checkOutput validates a tool's structured result against the output
// schema the client was given for it, as a strict client would: the server
// does not check its results itself (see toolCodec).
func checkOutput(ctx context.Context, cs *mcp.ClientSession, name string, out any) error {
	v, ok := outputSchemas.Load(cs)
	if !ok {
		list, err := cs.ListTools(ctx, nil)
		if err != nil {
			return fmt.Errorf("tools/list: %w", err)
		}
		schemas := map[string]*jsonschema.Resolved{}
		for _, tool := range list.Tools {
			if tool.OutputSchema == nil {
				continue
			}
			data, err := json.Marshal(tool.OutputSchema)
			if err != nil {
				return err
			}
			var s jsonschema.Schema
			if err := json.Unmarshal(data, &s); err != nil {
				return fmt.Errorf("%s's output schema: %w", tool.Name, err)
			}
			r, err := s.Resolve(nil)
			if err != nil {
				return fmt.Errorf("%s's output schema: %w", tool.Name, err)
			}
			schemas[tool.Name] = r
		}
		v, _ = outputSchemas.LoadOrStore(cs, schemas)
	}
	r, ok := v.(map[string]*jsonschema.Resolved)[name]
	if !ok {
		return nil // the tool declares no output schema
	}
	if out == nil {
		return errors.New("no structured content")
	}
	return r.Validate(out)
}

// mustCall calls a tool that must succeed.
func mustCall(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	res := callTool(t, cs, name, args)
	if res.IsError {
		t.Fatalf("%s(%v): tool error: %s", name, args, text(res))
	}
	return res
}

// mustFail calls a tool that must return a tool error mentioning want.
func mustFail(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any, want string) {
	t.Helper()
	res := callTool(t, cs, name, args)
	if !res.IsError {
		t.Fatalf("%s(%v): want a tool error mentioning %q, got success: %s", name, args, want, text(res))
	}
	if !strings.Contains(text(res), want) {
		t.Fatalf("%s(%v): error %q does not mention %q", name, args, text(res), want)
	}
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// structured decodes a result's structuredContent into v.
func structured(t *testing.T, res *mcp.CallToolResult, v any) {
	t.Helper()
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("structuredContent %s: %v", b, err)
	}
}

// checkOutput is not vacuous: a result that breaks mem_add's output schema
// (a string where it declares a boolean, a required field missing) fails.
func TestCheckOutputRefusesAMismatch(t *testing.T) {
	cs, _ := newSession(t)
	res := mustCall(t, cs, "mem_add", map[string]any{"content": "a memory to check the result of"})
	good, ok := res.StructuredContent.(map[string]any)
	if !ok {
		t.Fatalf("structured content %T, want an object", res.StructuredContent)
	}
	for what, bad := range map[string]func(map[string]any){
		"added as a string":  func(m map[string]any) { m["added"] = "yes" },
		"entry_id left out":  func(m map[string]any) { delete(m, "entry_id") },
		"chunk_ids a number": func(m map[string]any) { m["chunk_ids"] = 3 },
	} {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		bad(m)
		if checkOutput(t.Context(), cs, "mem_add", m) == nil {
			t.Errorf("%s: passed the output schema check", what)
		}
	}
}
