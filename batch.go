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
	if err := m.writable(); err != nil {
		return nil, err
	}
	out := make([]BatchItem, len(reqs))
	for start := 0; start < len(reqs); {
		start += m.batchRun(ctx, reqs[start:], out[start:])
	}
	return out, nil
}

// batchRunBytes bounds the text of one run of a batch. A run's items are
// queued together, so their files are chosen before any of them is
// written: the bound keeps a day file from running far past its roll-over
// size (DayFileRollBytes) on one batch.
const batchRunBytes = 256 << 10

// batchRun adds a leading run of items: each is checked and given its file
// in order, then all are queued at once, so they share writes and index
// transactions with each other (group commit, appendq.go) and land in
// the file in the batch's order. It returns how many items it took.
func (m *Memory) batchRun(ctx context.Context, reqs []AddRequest, out []BatchItem) int {
	type queued struct {
		i    int
		a    preparedAdd
		p    *pendingAdd
		lead bool
	}
	var run []queued
	n, size := 0, 0
	for n < len(reqs) && n < maxGroup && (n == 0 || size+len(reqs[n].Content) <= batchRunBytes) {
		size += len(reqs[n].Content)
		i := n
		n++
		if err := ctx.Err(); err != nil {
			out[i].Error = "not stored: the batch was cancelled before this item (" + err.Error() + ")"
			continue
		}
		a, err := m.prepareAdd(ctx, reqs[i])
		if err != nil || a.answered {
			out[i].Result, out[i].Stored = a.res, a.res.EntryID != ""
			if err != nil {
				out[i].Error = err.Error()
			}
			continue
		}
		run = append(run, queued{i: i, a: a})
	}
	for k := range run {
		run[k].p, run[k].lead = m.enqueueAdd(run[k].a.path, run[k].a.ns, run[k].a.entry)
	}
	for _, q := range run {
		m.awaitAdd(ctx, q.p, q.lead)
		res, err := m.finishAdd(ctx, q.a, q.p)
		out[q.i].Result, out[q.i].Stored = res, res.EntryID != ""
		if err != nil {
			out[q.i].Error = err.Error()
		}
	}
	return n
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
