package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
)

// A schema written by a newer binary: the floors it records decide whether
// this binary writes, goes read-only, or refuses without touching anything.
func testSchemaGate(t *testing.T, h Harness) {
	if h.SetSchema == nil {
		t.Skip("the backend gives no way to fake a newer schema")
	}
	ctx := context.Background()
	// setup makes a store and closes it, returning its schema version.
	setup := func(t *testing.T) (store.Location, int) {
		db, loc := h.open(t)
		current := db.Schema()
		db.Close()
		return loc, current
	}
	write := func(db store.DB) error {
		_, _, err := Replace(db, store.File{Path: "/x", Namespace: "default"}, Chunk("x"))
		return err
	}
	t.Run("newer but compatible", func(t *testing.T) {
		loc, current := setup(t)
		h.SetSchema(t, loc, current+1, 1, 1)
		db := h.reopen(t, loc)
		if why := db.ReadOnlyReason(); why != "" {
			t.Errorf("should be writable, is read-only: %s", why)
		}
		if err := write(db); err != nil {
			t.Error(err)
		}
	})
	t.Run("readable only", func(t *testing.T) {
		loc, current := setup(t)
		h.SetSchema(t, loc, current+1, 1, current+1)
		db := h.reopen(t, loc)
		if why := db.ReadOnlyReason(); !strings.Contains(why, "upgrade mm") {
			t.Errorf("want read-only with advice to upgrade, got %q", why)
		}
		if err := write(db); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("write on a read-only store: %v, want ErrReadOnly", err)
		}
		if _, err := db.KeywordSearch(ctx, store.KeywordQuery{Phrases: Words("x"), Limit: 1}); err != nil {
			t.Errorf("search on a read-only store: %v", err)
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		loc, current := setup(t)
		h.SetSchema(t, loc, current+2, current+2, current+2)
		var before string
		if h.Snapshot != nil {
			before = h.Snapshot(t, loc)
		}
		db, err := store.Open(ctx, loc, store.OpenOptions{})
		if err == nil {
			db.Close()
		}
		if !errors.Is(err, store.ErrSchemaTooNew) || !strings.Contains(err.Error(), "upgrade mm") {
			t.Fatalf("want ErrSchemaTooNew with advice to upgrade, got %v", err)
		}
		if h.Snapshot != nil && h.Snapshot(t, loc) != before {
			t.Error("the store changed although it was refused")
		}
	})
}
