package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
)

// The service reaches SQLite only by name: open, read the version, destroy.
func TestBackendByName(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	loc := store.Location{Backend: Name, Path: filepath.Join(dir, "m.db"), RunDir: dir}
	if v, err := store.StoredVersion(ctx, loc); err != nil || v != 0 {
		t.Fatalf("StoredVersion before creation = %d, %v; want 0, nil", v, err)
	}
	db, err := store.Open(ctx, loc, store.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if db.Where() != loc.Path || db.Schema() != SchemaVersion || db.ReadOnlyReason() != "" || db.Verify() != nil {
		t.Fatalf("opened store: where %q schema %d read-only %q verify %v", db.Where(), db.Schema(), db.ReadOnlyReason(), db.Verify())
	}
	local, ok := db.(store.LocalDB)
	if !ok || local.LocalFiles()[0] != loc.Path {
		t.Fatalf("a SQLite store is local, its first file the database: %v", ok)
	}
	db.Close()
	if v, err := store.StoredVersion(ctx, loc); err != nil || v != SchemaVersion {
		t.Fatalf("StoredVersion = %d, %v; want %d", v, err, SchemaVersion)
	}
	if err := store.Destroy(ctx, loc); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(loc.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the database is still there after Destroy: %v", err)
	}

	// A file that is not ours is refused and left alone.
	foreign := store.Location{Backend: Name, Path: filepath.Join(dir, "notes.db")}
	if err := os.WriteFile(foreign.Path, []byte("SQLite format 3\x00 but someone else's"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := store.Destroy(ctx, foreign); !errors.Is(err, store.ErrForeign) {
		t.Fatalf("Destroy of a foreign file = %v, want ErrForeign", err)
	}
	if _, err := os.Stat(foreign.Path); err != nil {
		t.Fatalf("the foreign file was touched: %v", err)
	}
}

func TestUnknownBackendSaysWhatExists(t *testing.T) {
	_, err := store.Open(context.Background(), store.Location{Backend: "oracle"}, store.OpenOptions{})
	if !errors.Is(err, store.ErrUnknownBackend) || !strings.Contains(err.Error(), `"oracle"`) || !strings.Contains(err.Error(), Name) {
		t.Fatalf("err = %v; want ErrUnknownBackend naming the backend asked for and the ones there are", err)
	}
}
