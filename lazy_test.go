package memtomem_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
)

// A store that cannot open fails the Get that needed it, and once the cause
// is fixed the next Get opens it; concurrent first Gets open it once, and it
// is kept until Close, after which Get refuses.
func TestLazyOpensOnceRetriesFailuresRefusesAfterClose(t *testing.T) {
	home := t.TempDir()
	dbPath := filepath.Join(home, "memtomem.db")
	if err := os.Mkdir(dbPath, 0o755); err != nil { // a directory where the database goes
		t.Fatal(err)
	}
	var opens atomic.Int32
	lazy := memtomem.NewLazy(func(ctx context.Context) (*memtomem.Memory, error) {
		opens.Add(1)
		return memtomem.Open(ctx, config.Default(home))
	})
	if _, err := lazy.Get(t.Context()); err == nil {
		t.Fatal("Get opened a store whose database path is a directory")
	}
	if err := os.Remove(dbPath); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	got := make([]*memtomem.Memory, 4)
	for i := range got {
		wg.Go(func() {
			m, err := lazy.Get(t.Context())
			if err != nil {
				t.Errorf("Get after the fix: %v", err)
			}
			got[i] = m
		})
	}
	wg.Wait()
	for _, m := range got[1:] {
		if m != got[0] {
			t.Fatal("concurrent Gets returned different stores")
		}
	}
	if n := opens.Load(); n != 2 {
		t.Errorf("opened %d times, want 2 (one failure, then one success kept)", n)
	}
	if _, err := got[0].Add(t.Context(), memtomem.AddRequest{Content: "kept open between calls"}); err != nil {
		t.Fatal(err)
	}
	if err := lazy.Close(); err != nil {
		t.Fatal(err)
	}
	if err := lazy.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := lazy.Get(t.Context()); !errors.Is(err, memtomem.ErrClosed) || memtomem.KindOf(err) != memtomem.KindRefused {
		t.Errorf("Get after Close: %v", err)
	}
	if n := opens.Load(); n != 2 {
		t.Errorf("Get after Close opened the store again")
	}
}
