package mcpserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/memtomem/memtomem"
)

// StringList is a list of strings that also accepts one comma-separated
// string: models send tags both ways, and memtomem's own skills pass
// tag_filter as "a,b".
type StringList []string

// UnmarshalJSON accepts ["a","b"], "a,b" and null.
func (l *StringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = splitList(one)
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("want a list of strings or one comma-separated string")
	}
	var out []string
	for _, s := range many {
		out = append(out, splitList(s)...)
	}
	*l = out
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// stringListSchema is what clients see for a StringList parameter.
var stringListSchema = &jsonschema.Schema{AnyOf: []*jsonschema.Schema{
	{Type: "array", Items: &jsonschema.Schema{Type: "string"}},
	{Type: "string", Description: "comma-separated"},
}}

// inputSchema derives a tool's input schema from its argument struct, then
// makes it forgiving: unknown parameters are not rejected (they are
// reported in the result instead, see unknownNote), so skills written for
// other memtomem versions keep working. Optional parameters are declared
// with their plain type ("integer", not ["integer","null"]): clients that
// turn command-line strings into arguments by the schema's type (the MCP
// Inspector CLI) cannot read a list of types, and could not pass top_k=3.
// The null many models send for "not given" is still accepted: it is
// dropped before validation (see nullArguments).
func inputSchema[In any](defaults map[string]any) *jsonschema.Schema {
	s, err := jsonschema.For[In](&jsonschema.ForOptions{TypeSchemas: map[reflect.Type]*jsonschema.Schema{
		reflect.TypeFor[StringList]():   stringListSchema,
		reflect.TypeFor[actionParams](): actionParamsSchema,
		reflect.TypeFor[optionalList](): stringListSchema,
		reflect.TypeFor[exportData]():   exportDataSchema,
	}})
	if err != nil {
		panic(fmt.Sprintf("mcpserver: input schema for %T: %v", *new(In), err))
	}
	s.AdditionalProperties = nil
	for name, p := range s.Properties {
		if v, ok := defaults[name]; ok {
			raw, err := json.Marshal(v)
			if err != nil {
				panic(err)
			}
			p.Default = raw
		}
		// jsonschema.For declares a pointer field (*int: optional, nil when
		// not given) as ["null","integer"].
		if types := slices.DeleteFunc(slices.Clone(p.Types), func(t string) bool { return t == "null" }); len(p.Types) > 0 {
			p.Types, p.Type = nil, ""
			if len(types) == 1 {
				p.Type = types[0]
			} else {
				p.Types = types
			}
		}
	}
	return s
}

// unknownNote names arguments the tool does not take, so an agent learns
// about a misspelt parameter instead of silently getting unfiltered results.
func unknownNote(raw json.RawMessage, s *jsonschema.Schema) string {
	var args map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &args) != nil {
		return ""
	}
	var unknown []string
	for k := range args {
		if _, ok := s.Properties[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return ""
	}
	slices.Sort(unknown)
	known := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		known = append(known, k)
	}
	slices.Sort(known)
	return fmt.Sprintf("note: ignored unknown parameter(s) %s; this tool takes %s", strings.Join(unknown, ", "), strings.Join(known, ", "))
}

func invalid(format string, args ...any) error {
	return &memtomem.Error{Kind: memtomem.KindInvalid, Err: fmt.Errorf(format, args...)}
}

// timeRange parses since/until the way the CLI does: a date, an RFC 3339
// time or an age such as 7d.
func timeRange(since, until string) (s, u time.Time, err error) {
	now := time.Now()
	if s, err = memtomem.ParseTime(since, now); err != nil {
		return s, u, invalid("since: %v", err)
	}
	if u, err = memtomem.ParseTime(until, now); err != nil {
		return s, u, invalid("until: %v", err)
	}
	return s, u, nil
}

// intArg resolves an optional integer parameter: absent or null means def;
// a given value must lie in [lo, hi].
func intArg(name string, v *int, def, lo, hi int) (int, error) {
	if v == nil {
		return def, nil
	}
	if *v < lo || *v > hi {
		return 0, invalid("%s must be between %d and %d (got %d)", name, lo, hi, *v)
	}
	return *v, nil
}

func boolArg(v *bool, def bool) bool {
	if v == nil {
		return def
	}
	return *v
}

// expandHome turns a leading ~ into the user's home directory: agents copy
// paths like ~/notes from conversations, and no shell expands them here.
func expandHome(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~"))
}
