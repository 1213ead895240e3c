package mcpserver

import (
	"os"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/view"
)

// The entry id an agent or a person sees in the markdown ("> id:") works
// wherever a chunk id does: mem_read, mem_do edit, expand and delete, given
// as entry_id or under chunk_id. Edits keep the entry id.
func TestEntryIDsAcceptedByTools(t *testing.T) {
	cs, _ := newSession(t)
	var added view.Add
	structured(t, mustCall(t, cs, "mem_add", map[string]any{"content": "The build cache lives in /var/cache/ci.", "title": "CI cache"}), &added)
	disk, err := os.ReadFile(added.File)
	if err != nil || !strings.Contains(string(disk), "> id: "+added.EntryID) {
		t.Fatalf("entry id %s not in the file (%v):\n%s", added.EntryID, err, disk)
	}

	for _, args := range []map[string]any{{"entry_id": added.EntryID}, {"chunk_id": added.EntryID}} {
		var got view.Chunk
		structured(t, mustCall(t, cs, "mem_read", args), &got)
		if got.ChunkID != added.ChunkIDs[0] || !strings.Contains(got.Content, "/var/cache/ci") {
			t.Errorf("mem_read(%v) = %+v, want chunk %s", args, got, added.ChunkIDs[0])
		}
	}

	res := mustCall(t, cs, "mem_do", map[string]any{"action": "edit", "params": map[string]any{"entry_id": added.EntryID, "content": "The build cache moved to /srv/ci-cache."}})
	if !strings.Contains(text(res), "entry_id "+added.EntryID) {
		t.Errorf("edit reply does not give the kept entry id:\n%s", text(res))
	}
	var got view.Chunk
	structured(t, mustCall(t, cs, "mem_read", map[string]any{"entry_id": added.EntryID}), &got)
	if !strings.Contains(got.Content, "/srv/ci-cache") || got.EntryID != added.EntryID {
		t.Errorf("after edit, mem_read(entry_id) = %+v; want the new text under the same entry id", got)
	}
	res = mustCall(t, cs, "mem_do", map[string]any{"action": "expand", "params": map[string]any{"entry_id": added.EntryID}})
	if !strings.Contains(text(res), ">> ") || !strings.Contains(text(res), "/srv/ci-cache") {
		t.Errorf("expand(entry_id):\n%s", text(res))
	}
	mustFail(t, cs, "mem_read", map[string]any{"chunk_id": got.ChunkID, "entry_id": "other"}, "not both")

	res = mustCall(t, cs, "mem_do", map[string]any{"action": "delete", "params": map[string]any{"chunk_id": added.EntryID}})
	if !strings.Contains(text(res), `Deleted "CI cache"`) {
		t.Errorf("delete(entry id): %s", text(res))
	}
	mustFail(t, cs, "mem_read", map[string]any{"entry_id": added.EntryID}, "no chunk or entry with id")
	if disk, _ := os.ReadFile(added.File); strings.Contains(string(disk), "ci-cache") {
		t.Errorf("the entry is still in the file:\n%s", disk)
	}
}
