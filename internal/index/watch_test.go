package index

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/store"
)

func TestWatchIndexesChanges(t *testing.T) {
	ix := newIndexer(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "before.md"), "# Before\n\nwritten before watching")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var errs []error
	done := make(chan struct{})
	go func() {
		defer close(done)
		ix.Watch(ctx, []string{dir}, WatchOptions{Debounce: 50 * time.Millisecond, Reconcile: time.Hour,
			OnError: func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }})
	}()
	find := func(word string) int {
		hits, _ := ix.Store.KeywordSearch(context.Background(), store.KeywordQuery{Phrases: []store.Phrase{{Words: []string{word}}}, Limit: 5})
		return len(hits)
	}
	eventually := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	eventually("the start-up reconcile", func() bool { return find("before") == 1 })
	write(t, filepath.Join(dir, "new.md"), "# New\n\nzeppelin arrives")
	eventually("a new file", func() bool { return find("zeppelin") == 1 })
	write(t, filepath.Join(dir, "sub", "deep.md"), "# Deep\n\nsubmarine below")
	eventually("a file in a new folder", func() bool { return find("submarine") == 1 })
	write(t, filepath.Join(dir, "new.md"), "# New\n\nairship instead")
	eventually("an edit", func() bool { return find("airship") == 1 && find("zeppelin") == 0 })
	os.Remove(filepath.Join(dir, "new.md"))
	eventually("a removal", func() bool { return find("airship") == 0 })
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(errs) > 0 {
		t.Errorf("watch errors: %v", errs)
	}
}
