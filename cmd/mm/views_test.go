package main

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The CLI's --json output and the MCP tools' structuredContent are one
// shape (internal/view): the same result read through mm and through
// mm serve has the same fields, so a script written against one works
// against the other. In particular mm index --json says duration_ms and
// files_skipped {} as mem_index does (it used to say duration_ns and null).
func TestCLIAndMCPShareResultShapes(t *testing.T) {
	home := t.TempDir()
	srv := startServer(t, home)
	_, added := srv.mustCall("mem_add", map[string]any{"content": "The heron nests by the weir.", "title": "Herons", "tags": []string{"birds"}})
	chunkID := added["chunk_ids"].([]any)[0].(string)
	cliJSON := func(args ...string) map[string]any {
		t.Helper()
		out, err := mmCommand(t, home, append(args, "--json")...).Output()
		if err != nil {
			t.Fatalf("mm %s --json: %v", strings.Join(args, " "), err)
		}
		var v map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("mm %s --json: %v\n%s", strings.Join(args, " "), err, out)
		}
		return v
	}
	pairs := []struct {
		name     string
		cli, mcp map[string]any
	}{
		{"add", cliJSON("add", "The egret wades.", "--tags", "birds"), must(srv, "mem_add", map[string]any{"content": "The stork returns.", "tags": "birds"})},
		{"search", cliJSON("search", "heron"), must(srv, "mem_search", map[string]any{"query": "heron"})},
		{"read", cliJSON("read", chunkID), must(srv, "mem_read", map[string]any{"chunk_id": chunkID})},
		{"recall", cliJSON("recall"), must(srv, "mem_recall", nil)},
		{"list", cliJSON("list"), must(srv, "mem_list", nil)},
		{"index", cliJSON("index"), must(srv, "mem_index", nil)},
		{"status", cliJSON("status"), must(srv, "mem_status", nil)},
	}
	for _, p := range pairs {
		if c, m := fields(p.cli), fields(p.mcp); !reflect.DeepEqual(c, m) {
			t.Errorf("%s: mm --json has fields\n  %v\nthe MCP tool has\n  %v", p.name, c, m)
		}
	}
	idx := pairs[5].cli
	if _, ok := idx["duration_ms"]; !ok {
		t.Errorf("mm index --json lacks duration_ms: %v", idx)
	}
	if fs, ok := idx["files_skipped"].(map[string]any); !ok {
		t.Errorf("mm index --json files_skipped = %v, want an object", idx["files_skipped"])
	} else if fs == nil {
		t.Error("files_skipped is null")
	}
}

func must(s *server, tool string, args map[string]any) map[string]any {
	s.t.Helper()
	_, st := s.mustCall(tool, args)
	return st
}

// fields lists the field paths of a JSON object: top-level keys, and the
// keys of the first element of a list of objects ("results[].chunk_id").
func fields(v map[string]any) []string {
	var out []string
	for k, x := range v {
		out = append(out, k)
		if l, ok := x.([]any); ok && len(l) > 0 {
			if o, ok := l[0].(map[string]any); ok {
				for sub := range o {
					out = append(out, k+"[]."+sub)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}
