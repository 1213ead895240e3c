package mcpserver

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memtomem/memtomem/internal/fspath"
	"github.com/memtomem/memtomem/internal/sources"
	"github.com/memtomem/memtomem/internal/view"
)

var allTools = []string{"mem_add", "mem_search", "mem_recall", "mem_index", "mem_status", "mem_stats", "mem_list", "mem_read", "mem_do"}

// The handshake lists every tool with an object input schema, and touches
// nothing on disk: the home does not even exist afterwards.
func TestHandshakeListsToolsWithoutTouchingDisk(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	cs := connect(t, New(storeAt(home)))
	if got := cs.InitializeResult().ServerInfo.Name; got != "memtomem" {
		t.Errorf("server name %q", got)
	}
	if !strings.Contains(cs.InitializeResult().Instructions, "mem_search") {
		t.Errorf("instructions do not mention mem_search: %q", cs.InitializeResult().Instructions)
	}
	res, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
		schema, _ := json.Marshal(tool.InputSchema)
		var s struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(schema, &s); err != nil || s.Type != "object" {
			t.Errorf("%s: input schema %s is not an object schema", tool.Name, schema)
		}
		if tool.Name != "mem_status" && tool.Name != "mem_stats" && len(s.Properties) == 0 {
			t.Errorf("%s: input schema has no properties", tool.Name)
		}
		if tool.OutputSchema == nil {
			t.Errorf("%s: no output schema", tool.Name)
		}
		if tool.Description == "" {
			t.Errorf("%s: no description", tool.Name)
		}
		for _, sc := range []any{tool.InputSchema, tool.OutputSchema} {
			if path := booleanSubschema(sc, tool.Name); path != "" {
				t.Errorf("%s is a boolean schema, which the TypeScript SDK rejects", path)
			}
		}
	}
	for _, want := range allTools {
		if !slices.Contains(names, want) {
			t.Errorf("tool %s missing from %v", want, names)
		}
	}
	schema, _ := json.Marshal(res.Tools[slices.Index(names, "mem_search")].InputSchema)
	for _, p := range []string{"query", "top_k", "namespace", "tag_filter", "source_filter", "since", "until", "output_format"} {
		if !strings.Contains(string(schema), `"`+p+`"`) {
			t.Errorf("mem_search schema lacks %s: %s", p, schema)
		}
	}
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Errorf("the handshake created %s (stat: %v)", home, err)
	}
}

func TestAddSearchRead(t *testing.T) {
	cs, _ := newSession(t)
	res := mustCall(t, cs, "mem_add", map[string]any{
		"content": "Deployments use a blue-green rollout with a five minute bake time.",
		"title":   "Deployment checklist",
		"tags":    "ops, deploy", // a comma-separated string is accepted too
	})
	var added view.Add
	structured(t, res, &added)
	if !added.Added || len(added.ChunkIDs) != 1 || added.Namespace != "default" {
		t.Fatalf("add result %+v", added)
	}
	if !strings.Contains(text(res), added.ChunkIDs[0]) {
		t.Errorf("add text does not name the chunk id: %s", text(res))
	}

	res = mustCall(t, cs, "mem_search", map[string]any{"query": "blue-green rollout"})
	var found view.Search
	structured(t, res, &found)
	if len(found.Results) != 1 {
		t.Fatalf("search results %+v", found)
	}
	r := found.Results[0]
	if r.ChunkID != added.ChunkIDs[0] || r.ScoreScale != "bm25" || r.Rank != 1 || r.Score <= 0 ||
		!slices.Equal(slices.Sorted(slices.Values(r.Tags)), []string{"deploy", "ops"}) || !slices.Equal(r.Hierarchy, []string{"Deployment checklist"}) {
		t.Errorf("search result %+v", r)
	}
	if got := text(res); !strings.HasPrefix(got, "[1] ") || !strings.Contains(got, "bm25 | ") || !strings.Contains(got, "> Deployment checklist") || !strings.Contains(got, "five minute bake") {
		t.Errorf("compact text:\n%s", got)
	}

	res = mustCall(t, cs, "mem_search", map[string]any{"query": "rollout", "output_format": "structured", "tag_filter": []string{"ops"}})
	var viaText view.Search
	if err := json.Unmarshal([]byte(text(res)), &viaText); err != nil || len(viaText.Results) != 1 {
		t.Errorf("structured text is not the JSON result (%v): %s", err, text(res))
	}
	res = mustCall(t, cs, "mem_search", map[string]any{"query": "rollout", "tag_filter": "nomatch"})
	if !strings.HasPrefix(text(res), "No results") {
		t.Errorf("filtered search: %s", text(res))
	}

	res = mustCall(t, cs, "mem_read", map[string]any{"chunk_id": added.ChunkIDs[0]})
	var chunk view.Chunk
	structured(t, res, &chunk)
	if !strings.Contains(chunk.Content, "five minute bake") || !strings.Contains(text(res), "five minute bake") {
		t.Errorf("read: %+v / %s", chunk, text(res))
	}

	res = mustCall(t, cs, "mem_recall", map[string]any{"since": "1d"})
	var recalled view.Page
	structured(t, res, &recalled)
	if recalled.Count != 1 {
		t.Errorf("recall: %+v", recalled)
	}
	res = mustCall(t, cs, "mem_list", map[string]any{"limit": 1})
	var listed view.Page
	structured(t, res, &listed)
	// A full page that is the whole listing: the total says so, and there
	// is no next page to ask for.
	if listed.Count != 1 || listed.Total != 1 || listed.NextOffset != nil {
		t.Errorf("list: %+v", listed)
	}
	res = mustCall(t, cs, "mem_stats", nil)
	var stats view.Stats
	structured(t, res, &stats)
	if stats.Chunks != 1 || stats.Tags["ops"] != 1 || stats.Namespaces["default"] != 1 {
		t.Errorf("stats: %+v", stats)
	}
	res = mustCall(t, cs, "mem_status", nil)
	var status view.Status
	structured(t, res, &status)
	if status.Files != 1 || status.SchemaVersion == 0 {
		t.Errorf("status: %+v", status)
	}
}

// A retried add with the same idempotency key writes nothing twice.
func TestAddIdempotencyKey(t *testing.T) {
	cs, _ := newSession(t)
	args := map[string]any{"content": "retry-safe memory", "idempotency_key": "k-1"}
	var first, second view.Add
	structured(t, mustCall(t, cs, "mem_add", args), &first)
	structured(t, mustCall(t, cs, "mem_add", args), &second)
	if !first.Added || second.Added || first.EntryID != second.EntryID {
		t.Errorf("first %+v, second %+v", first, second)
	}
}

func TestIndexFolder(t *testing.T) {
	cs, home := newSession(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.md"), []byte("# Runbook\n\nRestart the quokka service with care.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The user allows the folder (what mm index PATH records).
	if _, err := sources.Open(home, filepath.Join(home, "memtomem.run")).Remember(context.Background(), sources.Source{Path: fspath.MustCanonical(dir), Dir: true, Recursive: true}); err != nil {
		t.Fatal(err)
	}
	res := mustCall(t, cs, "mem_index", map[string]any{"path": dir, "namespace": "notes"})
	var st view.Index
	structured(t, res, &st)
	if st.FilesIndexed != 1 || st.ChunksIndexed == 0 {
		t.Fatalf("index: %+v", st)
	}
	res = mustCall(t, cs, "mem_search", map[string]any{"query": "quokka", "namespace": "notes"})
	if !strings.Contains(text(res), "Restart the quokka") {
		t.Errorf("search after index: %s", text(res))
	}
}

// Bad input is a tool error (not a protocol error) that says what to fix.
func TestBadInputIsToolError(t *testing.T) {
	cs, _ := newSession(t)
	for _, tc := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"mem_search", map[string]any{"query": "  "}, "query is empty"},
		{"mem_search", map[string]any{"query": "x", "top_k": 0}, "top_k must be between 1 and 100 (got 0)"},
		{"mem_search", map[string]any{"query": "x", "top_k": 101}, "top_k must be between 1 and 100"},
		{"mem_search", map[string]any{"query": "x", "since": "last tuesday"}, "since: "},
		{"mem_search", map[string]any{"query": "x", "output_format": "xml"}, "use compact or structured"},
		{"mem_search", map[string]any{"query": "x", "namespace": "bad namespace"}, "namespace"},
		{"mem_search", map[string]any{}, "query"},
		{"mem_add", map[string]any{"content": ""}, "content is empty"},
		{"mem_add", map[string]any{"content": strings.Repeat("x", 100_001)}, "over the 100000"},
		{"mem_add", map[string]any{"content": "x", "namespace": "no spaces"}, "invalid character"},
		{"mem_add", map[string]any{"content": "x", "file": "/etc/passwd.md"}, "outside the memory directories"},
		{"mem_read", map[string]any{"chunk_id": "0123456789abcdef"}, "no chunk or entry with id"},
		{"mem_recall", map[string]any{"limit": 0}, "limit must be between 1 and 1000"},
		{"mem_index", map[string]any{"path": "/does/not/exist"}, "/does/not/exist"},
		{"mem_do", map[string]any{"action": "delte", "params": map[string]any{"chunk_id": "x"}}, `did you mean "delete"`},
		{"mem_do", map[string]any{"action": "edit", "params": map[string]any{}}, "give chunk_id"},
		{"mem_do", map[string]any{"action": "expand", "params": map[string]any{"chunk_id": "x", "window": "two"}}, "params.window must be integer"},
	} {
		mustFail(t, cs, tc.tool, tc.args, tc.want)
	}
}

// Arguments a tool does not take are reported, not silently dropped.
func TestUnknownArgumentNote(t *testing.T) {
	cs, _ := newSession(t)
	res := mustCall(t, cs, "mem_search", map[string]any{"query": "anything", "tags": "ops"})
	if !strings.Contains(text(res), "ignored unknown parameter(s) tags") {
		t.Errorf("no note about the unknown parameter: %s", text(res))
	}
	// The note is a block of its own: structured text stays valid JSON.
	res = mustCall(t, cs, "mem_search", map[string]any{"query": "anything", "output_format": "structured", "tags": "ops"})
	var out view.Search
	if err := json.Unmarshal([]byte(res.Content[0].(*mcp.TextContent).Text), &out); err != nil || len(res.Content) != 2 {
		t.Errorf("structured text with a note: %v, %d blocks", err, len(res.Content))
	}
}

// A panicking tool is a tool error, and the server keeps serving.
func TestPanicIsToolError(t *testing.T) {
	defer func(w io.Writer) { panicLog = w }(panicLog)
	panicLog = io.Discard
	s := New(storeAt(t.TempDir()))
	addTool(s, &mcp.Tool{Name: "boom"}, nil, func(*call, noArgs) (string, noArgs, error) { panic("kaboom") })
	cs := connect(t, s)
	mustFail(t, cs, "boom", nil, "internal error in boom")
	mustCall(t, cs, "mem_do", map[string]any{"action": "help"})
}

// Optional parameters accept null, which many models send for "not given".
func TestNullOptionalArguments(t *testing.T) {
	cs, _ := newSession(t)
	mustCall(t, cs, "mem_add", map[string]any{"content": "null-tolerant", "title": nil, "tags": nil, "namespace": nil})
	mustCall(t, cs, "mem_search", map[string]any{"query": "tolerant", "top_k": nil, "tag_filter": nil, "bm25_weight": nil})
	mustCall(t, cs, "mem_list", map[string]any{"limit": nil, "offset": nil})
	mustCall(t, cs, "mem_index", map[string]any{"recursive": nil, "force": nil, "path": nil})
	mustFail(t, cs, "mem_add", map[string]any{"content": nil}, "content")
}

// Optional parameters are declared with one plain type, so that a client
// which turns command-line strings into arguments by the schema's type (the
// MCP Inspector CLI: --tool-arg top_k=3) sends 3, not "3"; a list of types
// such as ["integer","null"] defeated that.
func TestOptionalParametersHavePlainTypes(t *testing.T) {
	cs, _ := newSession(t)
	tools, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, tool := range tools.Tools {
		b, _ := json.Marshal(tool.InputSchema)
		var schema struct {
			Properties map[string]map[string]any `json:"properties"`
		}
		if err := json.Unmarshal(b, &schema); err != nil {
			t.Fatal(err)
		}
		for name, p := range schema.Properties {
			if typ, ok := p["type"]; ok {
				s, plain := typ.(string)
				if !plain {
					t.Errorf("%s.%s: type %v, want one type", tool.Name, name, typ)
				}
				types[tool.Name+"."+name] = s
			}
			if strings.Contains(string(must(json.Marshal(p))), `"null"`) {
				t.Errorf("%s.%s declares null: %v", tool.Name, name, p)
			}
		}
	}
	for param, want := range map[string]string{"mem_search.top_k": "integer", "mem_recall.limit": "integer", "mem_list.offset": "integer",
		"mem_index.recursive": "boolean", "mem_index.force": "boolean", "mem_search.bm25_weight": "number", "mem_search.namespace": "string"} {
		if types[param] != want {
			t.Errorf("%s: type %q, want %q", param, types[param], want)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestStringList(t *testing.T) {
	for in, want := range map[string][]string{
		`"a, b,,c"`:       {"a", "b", "c"},
		`["a", "b,c"]`:    {"a", "b", "c"},
		`null`:            nil,
		`""`:              nil,
		`["x"]`:           {"x"},
		`"  single tag "`: {"single tag"},
	} {
		var l StringList
		if err := json.Unmarshal([]byte(in), &l); err != nil || !slices.Equal(l, want) {
			t.Errorf("%s: got %q, %v; want %q", in, l, err, want)
		}
	}
	var l StringList
	if err := json.Unmarshal([]byte(`3`), &l); err == nil {
		t.Error("a number was accepted as a list")
	}
}

// booleanSubschema returns the path of a property or items schema that is a
// bare true/false, or "".
func booleanSubschema(schema any, path string) string {
	b, _ := json.Marshal(schema)
	var v any
	_ = json.Unmarshal(b, &v)
	var walk func(v any, path string) string
	walk = func(v any, path string) string {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		if props, ok := m["properties"].(map[string]any); ok {
			for k, p := range props {
				if _, isBool := p.(bool); isBool {
					return path + ".properties." + k
				}
				if bad := walk(p, path+"."+k); bad != "" {
					return bad
				}
			}
		}
		for _, k := range []string{"items", "additionalProperties"} {
			if bad := walk(m[k], path+"."+k); bad != "" {
				return bad
			}
		}
		if alts, ok := m["anyOf"].([]any); ok {
			for _, a := range alts {
				if bad := walk(a, path+".anyOf"); bad != "" {
					return bad
				}
			}
		}
		return ""
	}
	return walk(v, path)
}
