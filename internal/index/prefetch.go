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
// Call next(i) before file i is written (in order, each once); it waits
// for that file's scan. stop ends the goroutines.
func (ix *Indexer) prefetch(files []string, under []*fspath.Beneath) (next func(i int), stop func()) {
	if ix.noSecretScan || len(files) < 2 {
		return func(int) {}, func() {}
	}
	// One core stays with the writer; on one core the scan still overlaps
	// the writer's waits.
	workers := max(1, runtime.GOMAXPROCS(0)-1)
	jobs := make(chan int)
	stopped := make(chan struct{})
	// scanned[i] closes when file i's scan is done (or was given up): the
	// writer waits for it rather than scan the same file a second time
	// when the scanners fall behind (on a busy machine they do).
	scanned := make([]chan struct{}, len(files))
	for i := range scanned {
		scanned[i] = make(chan struct{})
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				ix.scanEarly(under[i], files[i])
				close(scanned[i])
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
			case <-stopped:
				return
			}
			select {
			case jobs <- i:
			case <-stopped:
				return
			}
		}
	}()
	next = func(i int) {
		if i > 0 {
			<-window // file i-1 is written: one more may go ahead
		}
		// File i was handed out: the window (at least one file) lets the
		// hand-out run ahead of the writer.
		<-scanned[i]
	}
	stop = func() {
		close(stopped)
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
