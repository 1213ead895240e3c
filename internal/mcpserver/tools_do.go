package mcpserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memtomem/memtomem"
)

// mem_do is the gateway to everything beyond the core tools, so the tool
// list an agent reads on every session stays short. Each action is a small
// typed function; its parameter struct gives both the decoding and the help.

// action is one mem_do action.
type action struct {
	name    string
	summary string
	schema  *jsonschema.Schema // of its parameters, for help and validation
	noStore bool               // runs without opening the store
	writes  bool
	long    bool // stops between steps when cancelled (see call.longWork)
	run     func(c *call, m *memtomem.Memory, params json.RawMessage) (string, any, error)
}

// newAction builds an action whose parameters decode into P.
func newAction[P any](name, summary string, writes bool, defaults map[string]any,
	fn func(c *call, m *memtomem.Memory, p P) (string, any, error)) *action {
	schema := inputSchema[P](defaults)
	a := &action{name: name, summary: summary, schema: schema, writes: writes}
	a.run = func(c *call, m *memtomem.Memory, raw json.RawMessage) (string, any, error) {
		var p P
		if err := decodeParams(a, raw, &p); err != nil {
			return "", nil, err
		}
		return fn(c, m, p)
	}
	return a
}

// actions in help order; built once (see init) because help refers to it.
var actions []*action

// aliases map names agents guess to the real action.
var aliases = map[string]string{
	"update": "edit", "remove": "delete", "add_batch": "batch_add", "batch": "batch_add",
	"context": "expand", "tags": "tag_list", "list_tags": "tag_list", "rename_tag": "tag_rename",
	"delete_tag": "tag_delete", "namespaces": "ns_list", "namespace_list": "ns_list",
	"namespace_rename": "ns_rename", "namespace_delete": "ns_delete", "orphans": "cleanup_orphans",
	"compose": "context_compose",
}

func init() {
	actions = []*action{
		newAction("edit", "Change a memory entry (by any of its chunk ids): new content, title and/or tags. Only that entry's lines in its file change.", true, nil, doEdit),
		newAction("delete", "Delete the memory entry holding a chunk from its markdown file.", true, nil, doDelete),
		newAction("batch_add", "Add several memories at once; each item is independent and reports its own result or error.", true, nil, doBatchAdd),
		newAction("context_compose", "Compose a context for a task: pinned memories first, then the most relevant (or newest), each once, within max_tokens; with sources.", false, map[string]any{"max_tokens": memtomem.DefaultContextTokens}, doContextCompose),
		newAction("pin", "Pin a memory entry (its tag \"pinned\"), so context_compose always starts with it; unpin=true removes the pin.", true, nil, doPin),
		newAction("expand", "Show a chunk with its neighbours from the same file, in file order.", false, map[string]any{"window": 1}, doExpand),
		newAction("tag_list", "Count chunks per tag, a page at a time (by tag name; total and next_offset say what is left).", false, map[string]any{"limit": 100, "offset": 0}, doTagList),
		newAction("tag_rename", "Rename a tag on every memory entry that carries it.", true, nil, doTagRename),
		newAction("tag_delete", "Remove a tag from every memory entry (the entries stay).", true, nil, doTagDelete),
		newAction("ns_list", "Count chunks per namespace, a page at a time (by name; total and next_offset say what is left).", false, map[string]any{"limit": 100, "offset": 0}, doNsList),
		newAction("ns_rename", "Rename a namespace (its day files' frontmatter and the index).", true, nil, doNsRename),
		newAction("ns_delete", "Delete a namespace: its own day files are removed, other files in it are dropped from the index.", true, nil, doNsDelete),
		newAction("export", "Export memory entries (from the markdown) as a JSON object that import accepts.", false, nil, doExport),
		newAction("import", "Import an export object; entries already present (same id) are skipped.", true, nil, doImport),
		newAction("cleanup_orphans", "Drop index entries of files that no longer exist.", true, nil, doCleanupOrphans),
	}
	findAction("import").long = true
	help := newAction("help", "List every action with its parameters (params.action narrows it to one).", false, nil, doHelp)
	help.noStore = true
	actions = append(actions, help)
}

func findAction(name string) *action {
	name = strings.ToLower(strings.TrimSpace(name))
	if real, ok := aliases[name]; ok {
		name = real
	}
	for _, a := range actions {
		if a.name == name {
			return a
		}
	}
	return nil
}

type doArgs struct {
	Action string       `json:"action" jsonschema:"the action: edit, delete, batch_add, expand, tag_list, tag_rename, tag_delete, ns_list, ns_rename, ns_delete, export, import, cleanup_orphans, help"`
	Params actionParams `json:"params,omitempty" jsonschema:"the action's parameters as an object, e.g. {\"chunk_id\": \"...\"}; mem_do(action=\"help\") lists them"`
}

// actionParams is the params object. It also accepts the object encoded as
// a JSON string, which some clients send for nested objects.
type actionParams map[string]json.RawMessage

func (p *actionParams) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		if strings.TrimSpace(s) == "" {
			*p = nil
			return nil
		}
		b = []byte(s)
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &m); err != nil {
		return errors.New(`params must be an object, e.g. {"chunk_id": "..."}`)
	}
	*p = m
	return nil
}

var actionParamsSchema = &jsonschema.Schema{AnyOf: []*jsonschema.Schema{
	{Type: "object"},
	{Type: "string", Description: "the same object, JSON-encoded"},
}}

// DoOutput is mem_do's structured result: the action that ran and its
// action-specific result.
type DoOutput struct {
	Action string `json:"action"`
	Result any    `json:"result"`
}

func (s *Server) addDoTool() {
	var list []string
	for _, a := range actions {
		list = append(list, a.name)
	}
	t := &mcp.Tool{
		Name:        "mem_do",
		Annotations: &mcp.ToolAnnotations{DestructiveHint: ptr(true), OpenWorldHint: ptr(false)},
		Description: "Run a maintenance action on memories: " + strings.Join(list, ", ") + `.
Call mem_do(action="help") for every action's parameters. Example: mem_do(action="delete", params={"chunk_id": "..."}).`,
		// Written out because the derived schema of an `any` field is the
		// boolean schema true, which some clients (the TypeScript SDK)
		// reject as a property schema. Every action's result is an object.
		OutputSchema: &jsonschema.Schema{
			Type: "object",
			Properties: map[string]*jsonschema.Schema{
				"action": {Type: "string", Description: "the action that ran"},
				"result": {Type: "object", Description: "the action's result"},
			},
			Required: []string{"action", "result"},
		},
	}
	addTool(s, t, nil, s.memDo)
}

func (s *Server) memDo(c *call, in doArgs) (string, DoOutput, error) {
	a := findAction(in.Action)
	if a == nil {
		return "", DoOutput{}, unknownAction(in.Action)
	}
	params, err := mergeParams(in.Params, c.args)
	if err != nil {
		return "", DoOutput{}, err
	}
	c.argsUsed = true
	var m *memtomem.Memory
	if !a.noStore {
		if m, err = c.store(); err != nil {
			return "", DoOutput{}, err
		}
	}
	switch {
	case a.long:
		c.longWork()
	case a.writes:
		c.writes()
	}
	text, result, err := a.run(c, m, params)
	if err != nil {
		return "", DoOutput{}, err
	}
	if note := unknownNote(params, a.schema); note != "" {
		text += "\n\n" + note
	}
	return text, DoOutput{Action: a.name, Result: result}, nil
}

// mergeParams returns the action's parameters as one JSON object. Keys
// given next to action instead of inside params (a common slip) are taken
// too; params wins when both name a key.
func mergeParams(params actionParams, args json.RawMessage) (json.RawMessage, error) {
	merged := map[string]json.RawMessage{}
	var top map[string]json.RawMessage
	if len(args) > 0 && json.Unmarshal(args, &top) == nil {
		for k, v := range top {
			if k != "action" && k != "params" {
				merged[k] = v
			}
		}
	}
	maps.Copy(merged, params)
	return json.Marshal(merged)
}

// decodeParams checks required parameters and types, with messages that
// name the action and the parameter.
func decodeParams(a *action, raw json.RawMessage, into any) error {
	var present map[string]json.RawMessage
	_ = json.Unmarshal(raw, &present)
	for _, req := range a.schema.Required {
		if v, ok := present[req]; !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return invalid("action %s needs params.%s (%s)", a.name, req, paramList(a))
		}
	}
	if err := json.Unmarshal(raw, into); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return invalid("action %s: params.%s must be %s, not %s (%s)", a.name, te.Field, typeName(a.schema.Properties[strings.Split(te.Field, ".")[0]]), te.Value, paramList(a))
		}
		return invalid("action %s: bad params: %v (%s)", a.name, err, paramList(a))
	}
	return nil
}

// unknownAction suggests the closest action name.
func unknownAction(name string) error {
	if strings.TrimSpace(name) == "" {
		return invalid(`action is empty: call mem_do(action="help") to list the actions`)
	}
	best, bestD := "", 1<<30
	for _, a := range actions {
		if d := editDistance(strings.ToLower(name), a.name); d < bestD {
			best, bestD = a.name, d
		}
	}
	names := make([]string, len(actions))
	for i, a := range actions {
		names[i] = a.name
	}
	if bestD <= max(2, len(name)/3) {
		return invalid("unknown action %q: did you mean %q? (actions: %s)", name, best, strings.Join(names, ", "))
	}
	return invalid("unknown action %q (actions: %s; mem_do(action=\"help\") describes them)", name, strings.Join(names, ", "))
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// paramList renders an action's parameters on one line, for error messages.
func paramList(a *action) string {
	if len(a.schema.PropertyOrder) == 0 {
		return a.name + " takes no params"
	}
	parts := make([]string, 0, len(a.schema.PropertyOrder))
	for _, name := range a.schema.PropertyOrder {
		if !slices.Contains(a.schema.Required, name) {
			name += "?"
		}
		parts = append(parts, name)
	}
	return a.name + " takes " + strings.Join(parts, ", ")
}

// typeName describes a parameter's JSON type for people.
func typeName(p *jsonschema.Schema) string {
	if p == nil {
		return "a value"
	}
	var types []string
	switch {
	case p.Type != "":
		types = []string{p.Type}
	case len(p.Types) > 0:
		types = p.Types
	default:
		for _, alt := range p.AnyOf {
			types = append(types, typeName(alt))
		}
	}
	// "null" (optional) and empty names (a null alternative) say nothing.
	types = slices.DeleteFunc(slices.Clone(types), func(t string) bool { return t == "null" || t == "" })
	for i, t := range types {
		if t == "array" && p.Items != nil && p.Items.Type != "" {
			types[i] = "list of " + p.Items.Type + "s"
		}
	}
	return strings.Join(types, " or ")
}
