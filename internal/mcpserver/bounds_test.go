package mcpserver

import (
	"fmt"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/view"
)

// Every list- or size-valued parameter of every tool has a bound, and going
// past it gives an error that names the limit; no input, however long,
// reaches SQLite as a statement it refuses ("too many SQL variables",
// "Expression tree is too large", "LIKE or GLOB pattern too complex").
func TestLongInputsGetClearErrors(t *testing.T) {
	cs, _ := newSession(t)
	mustCall(t, cs, "mem_add", map[string]any{"content": "a memory to find", "tags": []string{"t"}})
	res := mustCall(t, cs, "mem_search", map[string]any{"query": "memory"})
	var found view.Search
	structured(t, res, &found)
	chunkID := found.Results[0].ChunkID

	many := func(n int, f string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf(f, i)
		}
		return out
	}
	// Past SQLite's 32,766 bound variables once; elsewhere a list past the
	// limit is refused on its length the same way, and 100 is cheaper to
	// validate under -race.
	hugeTags := many(33_000, "t%d")
	tags := many(100, "t%d")
	nsList := strings.Join(many(40_000, "n%d"), ",")
	long := strings.Repeat("x", 100_000)
	items := make([]map[string]any, 501)
	for i := range items {
		items[i] = map[string]any{"content": fmt.Sprint("item ", i)}
	}
	memories := make([]map[string]any, 5001)
	for i := range memories {
		memories[i] = map[string]any{"content": fmt.Sprint("memory ", i), "namespace": "default"}
	}
	do := func(action string, params map[string]any) map[string]any {
		return map[string]any{"action": action, "params": params}
	}
	cases := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"mem_search", map[string]any{"query": long}, "limit"},
		{"mem_search", map[string]any{"query": "memory", "tag_filter": hugeTags}, "limit"},
		{"mem_search", map[string]any{"query": "memory", "namespace": nsList}, "limit"},
		{"mem_search", map[string]any{"query": "memory", "namespace": long}, "limit"},
		{"mem_search", map[string]any{"query": "memory", "source_filter": long}, "limit"},
		{"mem_search", map[string]any{"query": "memory", "top_k": 101}, "top_k"},
		{"mem_list", map[string]any{"tag_filter": tags}, "limit"},
		{"mem_list", map[string]any{"namespace": nsList}, "limit"},
		{"mem_list", map[string]any{"source_filter": long}, "limit"},
		{"mem_list", map[string]any{"limit": 1001}, "limit"},
		{"mem_list", map[string]any{"offset": -1}, "offset"},
		{"mem_recall", map[string]any{"tag_filter": tags}, "limit"},
		{"mem_recall", map[string]any{"namespace": nsList}, "limit"},
		{"mem_recall", map[string]any{"limit": 1001}, "limit"},
		{"mem_add", map[string]any{"content": "x", "tags": tags}, "32"},
		{"mem_add", map[string]any{"content": long + long}, "limit"},
		{"mem_add", map[string]any{"content": "x", "title": long}, "200"},
		{"mem_add", map[string]any{"content": "x", "namespace": long}, "namespace"},
		{"mem_add", map[string]any{"content": "x", "idempotency_key": long}, "256"},
		{"mem_do", do("edit", map[string]any{"chunk_id": chunkID, "tags": tags}), "32"},
		{"mem_do", do("expand", map[string]any{"chunk_id": chunkID, "window": 21}), "window"},
		{"mem_do", do("batch_add", map[string]any{"items": items}), "at most 500"},
		{"mem_do", do("import", map[string]any{"data": map[string]any{"version": 1, "memories": memories}}), "limit"},
		{"mem_do", do("export", map[string]any{"tag_filter": tags}), "limit"},
		{"mem_do", do("export", map[string]any{"namespace": nsList}), "limit"},
		{"mem_do", do("export", map[string]any{"limit": 5001}), "limit"},
		{"mem_do", do("tag_list", map[string]any{"limit": 1001}), "limit"},
		{"mem_do", do("ns_list", map[string]any{"offset": -1}), "offset"},
		{"mem_do", do("tag_rename", map[string]any{"old": "t", "new": long}), "64"},
		{"mem_do", do("ns_rename", map[string]any{"old": "default", "new": long}), "namespace"},
	}
	for _, c := range cases {
		res := callTool(t, cs, c.tool, c.args)
		msg := text(res)
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		name := c.tool
		if a, ok := c.args["action"]; ok {
			name += " " + a.(string)
		}
		switch {
		case !res.IsError:
			t.Errorf("%s: accepted an input past its limit: %s", name, msg)
		case !strings.Contains(msg, c.want):
			t.Errorf("%s: error does not name the limit (%q): %s", name, c.want, msg)
		case strings.Contains(msg, "SQL") || strings.Contains(msg, "sqlite") || strings.Contains(msg, "Expression tree") || strings.Contains(msg, "too complex"):
			t.Errorf("%s: a raw SQLite error leaked: %s", name, msg)
		case len(text(res)) > 2000:
			t.Errorf("%s: the error repeats the input (%d bytes)", name, len(text(res)))
		}
	}
	// Nothing stored was lost or added by the refused calls.
	res = mustCall(t, cs, "mem_list", map[string]any{})
	var listed view.Page
	structured(t, res, &listed)
	if listed.Total != 1 {
		t.Errorf("%d chunks after the refused calls, want the 1 added", listed.Total)
	}
}

// A call whose arguments are JSON null is a call without arguments, not a
// crash: the SDK used to panic applying the tool's defaults to it.
func TestNullArgumentsAreNoArguments(t *testing.T) {
	cs, _ := newSession(t)
	for _, tool := range []string{"mem_list", "mem_recall", "mem_status"} {
		res := mustCall(t, cs, tool, nil)
		if text(res) == "" {
			t.Errorf("%s with null arguments: empty answer", tool)
		}
	}
}

// tag_list, ns_list and export answer a page at a time: the default page,
// the total, and a next_offset that leads through the rest and stops.
func TestListingsArePaged(t *testing.T) {
	cs, _ := newSession(t)
	items := make([]map[string]any, 5)
	for i := range items {
		tags := make([]string, 32)
		for j := range tags {
			tags[j] = fmt.Sprintf("tag%d-%02d", i, j)
		}
		items[i] = map[string]any{"content": fmt.Sprint("paged memory ", i), "tags": tags, "namespace": fmt.Sprint("ns", i)}
	}
	mustCall(t, cs, "mem_do", map[string]any{"action": "batch_add", "params": map[string]any{"items": items}})

	type page struct {
		Tags       map[string]int `json:"tags"`
		Namespaces map[string]int `json:"namespaces"`
		Memories   []any          `json:"memories"`
		Total      int            `json:"total"`
		NextOffset *int           `json:"next_offset"`
	}
	get := func(action string, params map[string]any) (page, string) {
		res := mustCall(t, cs, "mem_do", map[string]any{"action": action, "params": params})
		var out struct {
			Result page `json:"result"`
		}
		structured(t, res, &out)
		return out.Result, text(res)
	}
	first, txt := get("tag_list", map[string]any{})
	if len(first.Tags) != 100 || first.Total != 160 || first.NextOffset == nil || *first.NextOffset != 100 || !strings.Contains(txt, "offset=100") {
		t.Fatalf("tag_list first page: %d tags, total %d, next %v\n%s", len(first.Tags), first.Total, first.NextOffset, txt)
	}
	rest, _ := get("tag_list", map[string]any{"offset": 100})
	if len(rest.Tags) != 60 || rest.NextOffset != nil {
		t.Fatalf("tag_list second page: %d tags, next %v", len(rest.Tags), rest.NextOffset)
	}
	for tag := range rest.Tags {
		if _, dup := first.Tags[tag]; dup {
			t.Errorf("tag %s is on both pages", tag)
		}
	}
	ns, _ := get("ns_list", map[string]any{"limit": 2, "offset": 4})
	if len(ns.Namespaces) != 1 || ns.Total != 5 || ns.NextOffset != nil || ns.Namespaces["ns4"] != 1 {
		t.Errorf("ns_list last page: %+v", ns)
	}
	exp, _ := get("export", map[string]any{"limit": 2, "offset": 2})
	if len(exp.Memories) != 2 || exp.Total != 5 || exp.NextOffset == nil || *exp.NextOffset != 4 {
		t.Errorf("export middle page: %d memories, total %d, next %v", len(exp.Memories), exp.Total, exp.NextOffset)
	}
}
