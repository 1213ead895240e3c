package index

import (
	"context"
	"runtime"
	"sync"
)

// How far the preparing goroutines may run ahead of the files written:
// their files are held (content chunked) until their batch is written, so
// the bound is in files and in bytes. Each is above the batch's own bound
// (batchFiles, batchBytes in walk.go), so a batch always fills.
const (
	aheadFiles = 2 * batchFiles
	aheadBytes = 2 * batchBytes
)

// preparer prepares a walk's files (see Indexer.prepare: read, unchanged
// check, chunking, secret scan) on other cores, in order, ahead of the
// loop that writes them: the preparation is the larger part of indexing a
// file, and needs neither the write lock nor the writer's core. What is
// stored is still read inside the write transaction (build): a file that
// changed after it was prepared is simply chunked again there.
type preparer struct {
	mu      sync.Mutex
	cond    *sync.Cond
	next    int   // the next file to hand out
	held    int   // files handed out and not yet released
	bytes   int64 // content the held files keep
	stopped bool
	slots   []slot
	wg      sync.WaitGroup
}

type slot struct {
	ready chan struct{} // closed once p is set
	p     *pendingFile
}

// prepareAhead starts preparing files[i] with opts(i). Call wait(i) for
// each file in order, release(i) once it is written, and stop at the end.
func (ix *Indexer) prepareAhead(ctx context.Context, files []string, opts func(i int) FileOptions) *preparer {
	pr := &preparer{slots: make([]slot, len(files))}
	pr.cond = sync.NewCond(&pr.mu)
	for i := range pr.slots {
		pr.slots[i].ready = make(chan struct{})
	}
	// One core stays with the writer; on one core the preparation still
	// overlaps the writer's waits.
	for range max(1, runtime.GOMAXPROCS(0)-1) {
		pr.wg.Add(1)
		go func() {
			defer pr.wg.Done()
			for {
				i, ok := pr.take()
				if !ok {
					return
				}
				p := ix.prepare(ctx, files[i], opts(i))
				pr.mu.Lock()
				if p.pre != nil {
					pr.bytes += p.pre.size
				}
				pr.mu.Unlock()
				pr.slots[i].p = p
				close(pr.slots[i].ready)
			}
		}()
	}
	return pr
}

// take hands out the next file once the bounds allow.
func (pr *preparer) take() (int, bool) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for !pr.stopped && pr.next < len(pr.slots) && (pr.held >= aheadFiles || pr.bytes >= aheadBytes) {
		pr.cond.Wait()
	}
	if pr.stopped || pr.next >= len(pr.slots) {
		return 0, false
	}
	pr.held++
	pr.next++
	return pr.next - 1, true
}

// wait returns file i prepared. The files before it that are not released
// yet are all in the writer's batch, below the batch bounds, so file i is
// always handed out.
func (pr *preparer) wait(i int) *pendingFile {
	<-pr.slots[i].ready
	return pr.slots[i].p
}

// release lets the preparers go one file further, and drops what file i held.
func (pr *preparer) release(i int) {
	p := pr.slots[i].p
	pr.slots[i].p = nil
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.held--
	if p != nil && p.pre != nil {
		pr.bytes -= p.pre.size
	}
	pr.cond.Broadcast()
}

// stop ends the goroutines (each finishes the file it is preparing).
func (pr *preparer) stop() {
	pr.mu.Lock()
	pr.stopped = true
	pr.cond.Broadcast()
	pr.mu.Unlock()
	pr.wg.Wait()
}
