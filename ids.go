package memtomem

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/memtomem/memtomem/internal/store"
)

// resolveID finds what an id given by a user or an agent names. Chunk ids
// are tried first (they are what search, list and recall print), then entry
// ids (the "> id:" line a person sees in the markdown, which survives edits
// and rebuilds). An entry id names the entry's first chunk: Read shows that
// chunk (with entry_id, so mem_do expand or mm list --source show the rest),
// and Edit and Delete act on the whole entry it starts. An entry id found in
// more than one file (a copied file) is refused, naming the chunk ids to use
// instead, since acting on one of them would be a guess.
func (m *Memory) resolveID(ctx context.Context, id string) (store.Chunk, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return store.Chunk{}, invalidf("id is empty: give a chunk id (from search or list output) or an entry id (the \"> id:\" line in the markdown)")
	}
	c, err := m.store.Chunk(ctx, id)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return c, wrapStore(err)
	}
	chunks, err := m.store.ChunksByEntry(ctx, id)
	if err != nil {
		return store.Chunk{}, wrapStore(err)
	}
	if len(chunks) == 0 {
		return store.Chunk{}, newError(KindNotFound, "no chunk or entry with id %q: a chunk id changes when its text changes; search again, or use the entry id from the \"> id:\" line", id)
	}
	var files []string
	var first []string
	for _, c := range chunks {
		if len(files) == 0 || files[len(files)-1] != c.Source {
			files = append(files, c.Source)
			first = append(first, c.ID)
		}
	}
	if len(files) > 1 {
		var where []string
		for i := range files {
			where = append(where, fmt.Sprintf("%s (chunk %s)", files[i], first[i]))
		}
		return store.Chunk{}, invalidf("entry id %q is in %d files: %s; give the chunk id of the one you mean", id, len(files), strings.Join(where, ", "))
	}
	return chunks[0], nil
}
