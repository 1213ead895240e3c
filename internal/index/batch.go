package index

import (
	"context"
	"time"

	"github.com/memtomem/memtomem/internal/store"
)

// A walk writes its files several per write transaction: per transaction,
// SQLite and FTS5 pay a fixed cost (the write lock, the commit, the WAL
// frames of every page touched, an FTS5 segment) that dwarfed the chunks of
// a small file. A batch is bounded so that the write lock is still held
// for tens of milliseconds, not seconds, and the progress bar moves.
const (
	batchFiles  = 256
	batchChunks = 1000
	batchBytes  = 4 << 20
	// batchWait bounds how long a batch collects files while the
	// preparation is slower than the writer (big files, many secrets).
	batchWait = 250 * time.Millisecond
)

// walkBatch collects a walk's prepared files, in order, and writes them in
// one transaction (Store.ReplaceFiles); done gets each file's result, in
// order, once its batch is written.
type walkBatch struct {
	ix    *Indexer
	pr    *preparer
	opts  func(i int) FileOptions
	done  func(i int, res FileResult, err error)
	files []int
	pend  []*pendingFile
	// chunks and bytes are the batch's size; since is when it started.
	chunks int
	bytes  int64
	since  time.Time
}

// add puts file i in the batch and reports whether the batch is full.
func (b *walkBatch) add(i int, p *pendingFile) bool {
	if len(b.files) == 0 {
		b.since = time.Now()
	}
	b.files = append(b.files, i)
	b.pend = append(b.pend, p)
	if p.pre != nil {
		b.chunks += len(p.pre.chunks)
		b.bytes += p.pre.size
	} else if !p.done {
		b.chunks++
	}
	return len(b.files) >= batchFiles || b.chunks >= batchChunks || b.bytes >= batchBytes || time.Since(b.since) >= batchWait
}

// flush writes the batch and reports its files.
func (b *walkBatch) flush(ctx context.Context) {
	var builds []func() (store.File, []store.Chunk, error)
	mode := store.IfChanged
	for _, p := range b.pend {
		if !p.done {
			builds = append(builds, p.build)
			mode = p.mode // one walk, one mode: --force or not
		}
	}
	var written []store.Replaced
	var err error
	if len(builds) > 0 {
		written, err = b.ix.Store.ReplaceFiles(ctx, mode, builds)
	}
	k := 0
	for n, i := range b.files {
		p := b.pend[n]
		if p.done {
			b.done(i, p.res, p.err)
		} else {
			var r store.Replaced
			if err != nil {
				r.Err = err
			} else {
				r = written[k]
			}
			k++
			res, ferr := b.ix.finish(ctx, p, b.opts(i), r.Diff, r.Chunks, r.Err)
			b.done(i, res, ferr)
		}
		b.pr.release(i)
	}
	b.files, b.pend, b.chunks, b.bytes = b.files[:0], b.pend[:0], 0, 0
}
