package sqlite

import (
	"context"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
)

func openTemp(t testing.TB) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func itoa(n int) string { return strconv.Itoa(n) }

// Many connections writing at once (as many processes would) all succeed:
// nobody sees "database is locked".
func TestConcurrentWritersRetry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(ctx, path, Options{}) // each its own writer connection
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			for i := range 25 {
				f := store.File{Path: "/w" + itoa(w) + "/" + itoa(i), Namespace: "default"}
				if _, _, err := replace(db, f, chunk("c"+itoa(w)+itoa(i))); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	db, _ := Open(ctx, path, Options{})
	defer db.Close()
	st, err := db.Stats(ctx)
	if err != nil || st.Chunks != 200 || st.Files != 200 {
		t.Errorf("stats after concurrent writes: %+v %v", st, err)
	}
}
