package sqlite

import (
	"context"
	"path/filepath"

	"github.com/memtomem/memtomem/internal/store"
)

// Name is the backend's name in storage.backend.
const Name = "sqlite"

func init() { store.Register(Name, backend{}) }

// backend is the SQLite backend as the store package sees it: a location's
// Path is the database file, and writers of this host queue on a lock file
// in its RunDir.
type backend struct{}

func (backend) Open(ctx context.Context, loc store.Location, opts store.OpenOptions) (store.DB, error) {
	o := Options{ReadOnly: opts.ReadOnly, Exclusive: opts.Exclusive}
	if loc.RunDir != "" {
		o.WriteLock = writeLockPath(loc.RunDir)
	}
	db, err := Open(ctx, loc.Path, o)
	if err != nil {
		return nil, err // not a nil *DB in a non-nil interface
	}
	return db, nil
}

func (backend) StoredVersion(ctx context.Context, loc store.Location) (int, error) {
	return StoredVersion(ctx, loc.Path)
}

func (backend) Destroy(_ context.Context, loc store.Location) error { return Remove(loc.Path) }

// Where is the database file.
func (db *DB) Where() string { return db.path }

// KeywordScale: scores are FTS5's bm25(), negated to be higher-is-better.
func (db *DB) KeywordScale() string { return store.ScaleBM25 }

// LocalFiles are the database file and the side files SQLite keeps beside
// it.
func (db *DB) LocalFiles() []string { return sideFiles(db.path) }

var _ store.LocalDB = (*DB)(nil)

// writeLockPath is the lock file this host's writers queue on.
func writeLockPath(runDir string) string { return filepath.Join(runDir, "db-write.lock") }

// sideFiles are the database file and what SQLite keeps beside it.
func sideFiles(path string) []string {
	return []string{path, path + "-wal", path + "-shm", path + "-journal"}
}
