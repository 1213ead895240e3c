package memtomem

import (
	"context"
	"sort"

	"github.com/memtomem/memtomem/internal/store"
)

// MaxBatch bounds one batch_add.
const MaxBatch = 500

// BatchItem is the outcome of one item of a batch: a result or an error
// message. One bad item does not stop the others. Stored says whether the
// item's memory is on disk (written now or by an earlier attempt), which is
// true of some failed items too: saved, but not indexed.
type BatchItem struct {
	Result AddResult `json:"result"`
	Error  string    `json:"error,omitempty"`
	Stored bool      `json:"stored"`
}

// BatchAdd adds several memories; each item is independent (and idempotent
// when it has a key). It always reports every item: if ctx ends midway, the
// items not reached say so and were not stored.
func (m *Memory) BatchAdd(ctx context.Context, reqs []AddRequest) ([]BatchItem, error) {
	if err := m.guard(ctx); err != nil {
		return nil, err
	}
	if len(reqs) == 0 {
		return nil, invalidf("items is empty: give at least one memory to add")
	}
	if len(reqs) > MaxBatch {
		return nil, invalidf("%d items in one batch; send at most %d", len(reqs), MaxBatch)
	}
	out := make([]BatchItem, len(reqs))
	for i, r := range reqs {
		if err := ctx.Err(); err != nil {
			out[i].Error = "not stored: the batch was cancelled before this item (" + err.Error() + ")"
			continue
		}
		res, err := m.Add(ctx, r)
		out[i].Result, out[i].Stored = res, res.EntryID != ""
		if err != nil {
			out[i].Error = err.Error()
		}
	}
	return out, nil
}

// Expand returns a chunk with up to window neighbours on each side from
// the same file, in file order: the context around a search hit.
func (m *Memory) Expand(ctx context.Context, chunkID string, window int) ([]store.Chunk, error) {
	if err := m.guard(ctx); err != nil {
		return nil, err
	}
	if window < 0 || window > 20 {
		return nil, invalidf("window must be between 0 and 20 (got %d)", window)
	}
	c, err := m.Read(ctx, chunkID)
	if err != nil {
		return nil, err
	}
	all, err := m.fileChunks(ctx, c.Source)
	if err != nil {
		return nil, wrapStore(err)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].StartLine < all[j].StartLine })
	at := 0
	for i, x := range all {
		if x.ID == c.ID {
			at = i
		}
	}
	return all[max(0, at-window):min(len(all), at+window+1)], nil
}
