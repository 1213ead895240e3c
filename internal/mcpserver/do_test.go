package mcpserver

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/view"
)

// help lists every action with its parameters, and needs no store.
func TestDoHelp(t *testing.T) {
	cs := connect(t, New(func(context.Context) (*memtomem.Memory, error) {
		t.Error("help opened the store")
		return nil, os.ErrInvalid
	}))
	res := mustCall(t, cs, "mem_do", map[string]any{"action": "help"})
	for _, a := range actions {
		if !strings.Contains(text(res), "\n"+a.name+": ") {
			t.Errorf("help does not list %s:\n%s", a.name, text(res))
		}
	}
	for _, p := range []string{"chunk_id", "items", "window", "old", "new", "tag_filter", "data"} {
		if !strings.Contains(text(res), "  - "+p+" (") {
			t.Errorf("help does not describe parameter %s", p)
		}
	}
	var out struct {
		Action string `json:"action"`
		Result struct {
			Actions []ActionHelp `json:"actions"`
		} `json:"result"`
	}
	structured(t, res, &out)
	if out.Action != "help" || len(out.Result.Actions) != len(actions) {
		t.Errorf("structured help: %+v", out)
	}
	res = mustCall(t, cs, "mem_do", map[string]any{"action": "help", "params": map[string]any{"action": "expand"}})
	if !strings.Contains(text(res), "window (integer, optional, default 1)") || strings.Contains(text(res), "\nedit: ") {
		t.Errorf("help for expand:\n%s", text(res))
	}
	mustFail(t, cs, "mem_do", map[string]any{"action": "hepl"}, `did you mean "help"`)
	mustFail(t, cs, "mem_do", map[string]any{"action": "frobnicate"}, "unknown action")
	mustFail(t, cs, "mem_do", map[string]any{"action": ""}, `mem_do(action="help")`)
}

func TestDoActions(t *testing.T) {
	cs, _ := newSession(t)
	add := func(content string, args map[string]any) view.Add {
		t.Helper()
		a := map[string]any{"content": content}
		for k, v := range args {
			a[k] = v
		}
		var out view.Add
		structured(t, mustCall(t, cs, "mem_add", a), &out)
		return out
	}
	first := add("The staging database is postgres 16.", map[string]any{"title": "Staging DB", "tags": []string{"infra"}})
	add("Release notes go in CHANGES.md.", map[string]any{"title": "Releases", "tags": "process", "namespace": "team"})

	// batch_add: one bad item does not stop the others.
	res := mustCall(t, cs, "mem_do", map[string]any{"action": "batch_add", "params": map[string]any{"items": []map[string]any{
		{"content": "Batch memory one about otters", "tags": "batch"},
		{"content": ""},
		{"content": "Batch memory two about otters", "namespace": "team"},
	}}})
	if !strings.HasPrefix(text(res), "Added 2 of 3 (1 failed; 2 stored on disk in all)") || !strings.Contains(text(res), "[1] not stored: error: content is empty") {
		t.Errorf("batch_add:\n%s", text(res))
	}
	var batch struct {
		Result struct {
			Items []BatchResult `json:"items"`
		} `json:"result"`
	}
	structured(t, res, &batch)
	if it := batch.Result.Items; len(it) != 3 || !it[0].Stored || it[1].Stored || !it[2].Stored {
		t.Errorf("batch_add items do not say which were stored: %+v", it)
	}

	// edit: params may also be given next to action, and as a JSON string.
	res = mustCall(t, cs, "mem_do", map[string]any{"action": "edit", "chunk_id": first.ChunkIDs[0], "params": `{"content": "The staging database is postgres 17."}`})
	var edited struct {
		Result memtomem.EditResult `json:"result"`
	}
	structured(t, res, &edited)
	if len(edited.Result.ChunkIDs) != 1 {
		t.Fatalf("edit: %s", text(res))
	}
	res = mustCall(t, cs, "mem_search", map[string]any{"query": "postgres"})
	if !strings.Contains(text(res), "postgres 17") || strings.Contains(text(res), "postgres 16") {
		t.Errorf("search after edit:\n%s", text(res))
	}

	res = mustCall(t, cs, "mem_do", map[string]any{"action": "expand", "params": map[string]any{"chunk_id": edited.Result.ChunkIDs[0]}})
	if !strings.Contains(text(res), ">> ") {
		t.Errorf("expand does not mark the chunk:\n%s", text(res))
	}

	res = mustCall(t, cs, "mem_do", map[string]any{"action": "tag_list"})
	if !strings.Contains(text(res), "infra (1)") {
		t.Errorf("tag_list: %s", text(res))
	}
	mustCall(t, cs, "mem_do", map[string]any{"action": "tag_rename", "params": map[string]any{"old": "infra", "new": "infrastructure"}})
	res = mustCall(t, cs, "mem_search", map[string]any{"query": "postgres", "tag_filter": "infrastructure"})
	if !strings.Contains(text(res), "postgres 17") {
		t.Errorf("search by renamed tag:\n%s", text(res))
	}
	mustCall(t, cs, "mem_do", map[string]any{"action": "tag_delete", "params": map[string]any{"tag": "batch"}})

	res = mustCall(t, cs, "mem_do", map[string]any{"action": "namespaces"}) // an alias of ns_list
	if !strings.Contains(text(res), "team (2)") {
		t.Errorf("ns_list: %s", text(res))
	}

	// export → delete the namespace → import brings it back.
	res = mustCall(t, cs, "mem_do", map[string]any{"action": "export", "params": map[string]any{"namespace": "team"}})
	var exp memtomem.Export
	if err := json.Unmarshal([]byte(text(res)), &exp); err != nil || len(exp.Memories) != 2 {
		t.Fatalf("export (%v):\n%s", err, text(res))
	}
	mustCall(t, cs, "mem_do", map[string]any{"action": "ns_rename", "params": map[string]any{"old": "team", "new": "crew"}})
	mustCall(t, cs, "mem_do", map[string]any{"action": "ns_delete", "params": map[string]any{"namespace": "crew"}})
	mustFail(t, cs, "mem_do", map[string]any{"action": "ns_delete", "params": map[string]any{"namespace": "crew"}}, "has nothing in it")
	res = mustCall(t, cs, "mem_do", map[string]any{"action": "import", "params": map[string]any{"data": exp}})
	if !strings.HasPrefix(text(res), "Imported 2 memories; 0 already") {
		t.Errorf("import: %s", text(res))
	}
	res = mustCall(t, cs, "mem_do", map[string]any{"action": "import", "params": map[string]any{"data": text(mustCall(t, cs, "mem_do", map[string]any{"action": "export"}))}})
	if !strings.HasPrefix(text(res), "Imported 0 memories; 4 already") {
		t.Errorf("import again: %s", text(res))
	}
	res = mustCall(t, cs, "mem_search", map[string]any{"query": "release notes", "namespace": "team"})
	if !strings.Contains(text(res), "CHANGES.md") {
		t.Errorf("search after import:\n%s", text(res))
	}
	mustFail(t, cs, "mem_do", map[string]any{"action": "import", "params": map[string]any{"data": "not an export"}}, "data must be the object")

	// delete, then cleanup_orphans after a file vanished.
	res = mustCall(t, cs, "mem_do", map[string]any{"action": "delete", "params": map[string]any{"chunk_id": edited.Result.ChunkIDs[0]}})
	if !strings.Contains(text(res), `Deleted "Staging DB"`) {
		t.Errorf("delete: %s", text(res))
	}
	mustFail(t, cs, "mem_read", map[string]any{"chunk_id": edited.Result.ChunkIDs[0]}, "no chunk or entry with id")
	if err := os.Remove(first.File); err != nil {
		t.Fatal(err)
	}
	res = mustCall(t, cs, "mem_do", map[string]any{"action": "cleanup_orphans"})
	if !strings.Contains(text(res), ": 1 files") {
		t.Errorf("cleanup_orphans: %s", text(res))
	}
}
