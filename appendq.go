package memtomem

import (
	"context"
	"errors"
	"sync"

	"github.com/memtomem/memtomem/internal/index"
	"github.com/memtomem/memtomem/internal/memfile"
)

// Group commit. An agent session often has several adds in flight, and
// every add to a file takes the file's lock, syncs the file, and commits
// to the database. The adds of one process to one file therefore queue
// here: one of them (the leader) takes the lock once for everything
// queued by then, appends all the entries with one write and one fsync,
// indexes them in one transaction, and hands each its own result. The
// next batch gets a leader of its own (the first add that queued for it),
// so no caller serves others' adds for longer than one batch.
//
// The append and its index happen under the file's lock, so the store
// sees a file's appends in the order they were written, and each append
// can be indexed alone (index.IndexAppend) instead of re-reading the file.

// maxGroup bounds one batch: beyond it, the wait for the batch costs its
// members more than the shared fsync saves.
const maxGroup = 64

// appendQueue holds the adds waiting for each file, by path and namespace.
type appendQueue struct {
	mu    sync.Mutex
	files map[groupKey]*fileGroup
}

type groupKey struct{ path, ns string }

// fileGroup is one file's queue; led is true while a leader runs a batch.
type fileGroup struct {
	waiting []*pendingAdd
	led     bool
}

// pendingAdd is one add in a batch, and where its result goes.
type pendingAdd struct {
	entry memfile.Entry
	key   groupKey
	group *fileGroup
	lead  chan struct{} // this add leads the next batch
	done  chan struct{} // closed when the fields below are set

	got      memfile.Entry
	added    bool
	writeErr error // nothing was written
	fr       index.FileResult
	indexErr error // written, but not indexed
}

// enqueueAdd queues entry for path (see above) without waiting; lead says
// the caller is to lead the batch (awaitAdd does).
func (m *Memory) enqueueAdd(path, ns string, entry memfile.Entry) (p *pendingAdd, lead bool) {
	p = &pendingAdd{entry: entry, lead: make(chan struct{}, 1), done: make(chan struct{})}
	p.key = groupKey{path, ns}
	q := &m.appends
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.files == nil {
		q.files = map[groupKey]*fileGroup{}
	}
	g := q.files[p.key]
	if g == nil {
		g = &fileGroup{}
		q.files[p.key] = g
	}
	p.group = g
	g.waiting = append(g.waiting, p)
	lead = !g.led
	g.led = true
	return p, lead
}

// awaitAdd returns once p is written and indexed (or has failed), leading
// its batch when it is its turn. Every wait here is bounded: the leader's
// lock waits and transaction are (coord.DefaultFileLockWait,
// sqlite.WriteWait).
func (m *Memory) awaitAdd(ctx context.Context, p *pendingAdd, lead bool) {
	if lead {
		m.leadBatch(ctx, p.key, p.group)
	}
	select {
	case <-p.done:
	case <-p.lead:
		m.leadBatch(ctx, p.key, p.group)
		<-p.done
	}
}

// leadBatch commits what is queued for the file, then passes the lead to
// the first add queued meanwhile, or leaves the file's queue. The batch is
// taken once the file's lock is held, so the adds queued while the leader
// waited for it go in with the leader's, not one lock turn later.
func (m *Memory) leadBatch(ctx context.Context, key groupKey, g *fileGroup) {
	q := &m.appends
	var batch []*pendingAdd
	take := func() []*pendingAdd {
		q.mu.Lock()
		defer q.mu.Unlock()
		n := min(len(g.waiting), maxGroup)
		batch = g.waiting[:n:n]
		g.waiting = g.waiting[n:]
		return batch
	}

	// The batch is others' adds too: one caller's cancellation must not
	// fail them. Nothing waits unboundedly (see appendAndIndex).
	m.commitBatch(context.WithoutCancel(ctx), key, take)

	q.mu.Lock()
	defer q.mu.Unlock()
	if len(g.waiting) > 0 {
		g.waiting[0].lead <- struct{}{}
		return
	}
	g.led = false
	delete(q.files, key)
}

// commitBatch appends the entries of the batch take returns (called once,
// under the file's lock, or after a failure to get it) in one write and
// indexes them under the file's lock, embeds them outside it, and sets
// every result.
func (m *Memory) commitBatch(ctx context.Context, key groupKey, take func() []*pendingAdd) {
	var batch []*pendingAdd
	taken := false
	entries := func() []memfile.Entry {
		batch, taken = take(), true
		es := make([]memfile.Entry, len(batch))
		for i, p := range batch {
			es[i] = p.entry
		}
		return es
	}
	opts := index.FileOptions{Namespace: key.ns, Written: true}
	var fr index.FileResult
	var indexErr error
	wrote, err := m.writer.AppendTaking(ctx, key.path, m.namespaceHeader(key.path, key.ns), entries, func(res memfile.AppendResult) {
		fr, indexErr = m.indexer.IndexAppend(ctx, key.path, res.Tail, opts)
	})
	if !taken {
		entries() // the lock was not had: the batch shares the failure
	}
	if err != nil && len(batch) > 1 && entryFault(err) {
		// One entry may be what the file cannot take: the others must
		// not fail with it.
		for _, p := range batch {
			m.commitBatch(ctx, key, func() []*pendingAdd { return []*pendingAdd{p} })
		}
		return
	}
	if err == nil && indexErr == nil && (fr.Diff.Indexed > 0 || len(fr.Chunks) > 0) {
		fr.EmbedErr = m.indexer.EmbedFile(ctx, key.path)
	}
	for i, p := range batch {
		if err != nil {
			p.writeErr = err
		} else {
			p.got, p.added = wrote.Got[i], wrote.Added[i]
			p.fr, p.indexErr = fr, indexErr
		}
		close(p.done)
	}
}

// entryFault reports a write refused because of what an entry holds,
// rather than because of the file or the disk.
func entryFault(err error) bool {
	return errors.Is(err, memfile.ErrFormat) || errors.Is(err, memfile.ErrEmpty) || errors.Is(err, memfile.ErrInvalidID)
}
