package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

func chunk(content string) store.Chunk {
	return store.Chunk{Content: content, ContentHash: content, Namespace: "default"}
}

// replace stores chunks as the whole content of file f.
func replace(db *DB, f store.File, chunks ...store.Chunk) (store.Diff, []store.Chunk, error) {
	return db.ReplaceFile(context.Background(), store.Always, func() (store.File, []store.Chunk, error) { return f, chunks, nil })
}

func TestReplaceFileKeepsIDs(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	f := store.File{Path: "/notes/a.md", Namespace: "default", SHA256: "1"}
	d, in, err := replace(db, f, chunk("alpha"), chunk("beta"), chunk("beta"))
	if err != nil || d != (store.Diff{Indexed: 3}) {
		t.Fatalf("first replace: %+v %v", d, err)
	}
	ids := []string{in[0].ID, in[1].ID, in[2].ID}
	if ids[1] == ids[2] {
		t.Fatal("identical chunks must get distinct ids")
	}
	d, next, err := replace(db, f, chunk("beta"), chunk("gamma"), chunk("alpha"))
	if err != nil || d != (store.Diff{Indexed: 1, Unchanged: 2, Deleted: 1}) {
		t.Fatalf("second replace: %+v %v", d, err)
	}
	if next[0].ID != ids[1] || next[2].ID != ids[0] {
		t.Errorf("unchanged chunks changed ids: %v -> %v", ids, []string{next[0].ID, next[2].ID})
	}
	hits, err := db.KeywordSearch(ctx, store.KeywordQuery{Match: `"gamma"`, Limit: 5})
	if err != nil || len(hits) != 1 || hits[0].ID != next[1].ID {
		t.Errorf("search gamma: %+v %v", hits, err)
	}
	// A failing build aborts the whole transaction.
	boom := errors.New("unreadable")
	if _, _, err := db.ReplaceFile(ctx, store.Always, func() (store.File, []store.Chunk, error) { return f, nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("build error not returned: %v", err)
	}
	if hits, _ := db.KeywordSearch(ctx, store.KeywordQuery{Match: `"gamma"`, Limit: 5}); len(hits) != 1 {
		t.Error("a failed build changed the stored chunks")
	}
	if err := db.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// Schema written by a newer binary: the floors it records decide whether an
// older binary writes, goes read-only, or refuses without touching the file.
func TestSchemaGate(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T, version, readFloor, writeFloor int) string {
		db, path := openTemp(t)
		db.Close()
		raw, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		for _, s := range []string{
			"PRAGMA user_version = " + itoa(version),
			"UPDATE meta SET value = '" + itoa(readFloor) + "' WHERE key = 'read_floor'",
			"UPDATE meta SET value = '" + itoa(writeFloor) + "' WHERE key = 'write_floor'",
		} {
			if _, err := raw.Exec(s); err != nil {
				t.Fatal(err)
			}
		}
		return path
	}
	t.Run("newer but compatible", func(t *testing.T) {
		path := setup(t, SchemaVersion+1, 1, 1)
		db, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if db.ReadOnly() {
			t.Error("should be writable")
		}
		if _, _, err := replace(db, store.File{Path: "/x"}, chunk("x")); err != nil {
			t.Error(err)
		}
	})
	t.Run("readable only", func(t *testing.T) {
		path := setup(t, SchemaVersion+1, 1, SchemaVersion+1)
		db, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if !db.ReadOnly() || !strings.Contains(db.ReadOnlyReason(), "upgrade mm") {
			t.Errorf("want read-only with advice, got %q", db.ReadOnlyReason())
		}
		_, _, err = replace(db, store.File{Path: "/x"}, chunk("x"))
		if !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("write on read-only store: %v", err)
		}
		if _, err := db.KeywordSearch(ctx, store.KeywordQuery{Match: `"x"`, Limit: 1}); err != nil {
			t.Errorf("search on read-only store: %v", err)
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		path := setup(t, SchemaVersion+2, SchemaVersion+2, SchemaVersion+2)
		before := snapshot(t, path)
		_, err := Open(ctx, path, Options{})
		if !errors.Is(err, store.ErrSchemaTooNew) || !strings.Contains(err.Error(), "upgrade mm") {
			t.Fatalf("want store.ErrSchemaTooNew, got %v", err)
		}
		if after := snapshot(t, path); after != before {
			t.Error("database changed although it was refused")
		}
	})
}

func snapshot(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
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
