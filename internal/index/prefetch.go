package index

import (
	"runtime"
	"sync"

	"github.com/memtomem/memtomem/internal/fspath"
)

// prefetchAhead bounds how many files, per scanning goroutine, are read and
// scanned ahead of the file being written. It keeps their findings well
// inside the scan cache (scanCacheSize) and the memory held small.
const prefetchAhead = 4

// prefetch scans the walk's files for credentials on other cores, ahead of
// the loop that writes them one transaction at a time: the scan is the
// larger half of indexing a file, and it needs neither the store nor the
// write lock. It only fills the scan cache; what is stored is still read
// and checked by IndexFile inside the file's own transaction, so a file
// that changes after it was scanned here is simply scanned again there.
// The reads go through the walk's root, like IndexFile's.
//
// Call next(i) before file i is written; stop ends the goroutines.
func (ix *Indexer) prefetch(files []string, under []*fspath.Beneath) (next func(i int), stop func()) {
	if ix.noSecretScan || len(files) < 2 {
		return func(int) {}, func() {}
	}
	// One core stays with the writer; on one core the scan still overlaps
	// the writer's waits.
	workers := max(1, runtime.GOMAXPROCS(0)-1)
	jobs := make(chan int)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				ix.scanEarly(under[i], files[i])
			}
		}()
	}
	// window holds a token per file handed out and not yet written.
	window := make(chan struct{}, workers*prefetchAhead)
	go func() {
		defer close(jobs)
		for i := range files {
			select {
			case window <- struct{}{}:
			case <-done:
				return
			}
			select {
			case jobs <- i:
			case <-done:
				return
			}
		}
	}()
	next = func(i int) {
		if i > 0 {
			select {
			case <-window: // file i-1 is written: one more may go ahead
			default:
			}
		}
	}
	stop = func() {
		close(done)
		wg.Wait()
	}
	return next, stop
}

// scanEarly reads one file beneath its root and scans its chunks into the
// cache; any failure is left for IndexFile to meet and report.
func (ix *Indexer) scanEarly(root *fspath.Beneath, path string) {
	if root == nil {
		return
	}
	f, err := root.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() || (ix.MaxFileBytes > 0 && info.Size() > ix.MaxFileBytes) {
		return
	}
	content := make([]byte, info.Size())
	if n, err := f.ReadAt(content, 0); err != nil && n != len(content) {
		return
	}
	if looksBinary(content) || looksSecret(content) {
		return
	}
	ix.scanAhead(path, content)
}
