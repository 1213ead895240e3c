package memtomem

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/store/sqlite"
)

// Reset deletes the index (database) so it can be rebuilt from the markdown,
// which is never touched. It needs the store to itself: while any process
// has it open, Reset refuses at once, naming them. There is no force: a held
// lock means a live process, and a stale one (after kill -9) is free.
func Reset(ctx context.Context, cfg config.Config) error {
	runDir, err := coord.RunDir(cfg.Home)
	if err != nil {
		return err
	}
	lock, err := coord.Exclusive(runDir)
	if err != nil {
		if errors.Is(err, coord.ErrInUse) {
			return &Error{Kind: KindRefused, Err: err}
		}
		return err
	}
	defer lock.Unlock()
	if err := sqlite.Remove(cfg.DBPath()); err != nil {
		if errors.Is(err, sqlite.ErrForeign) {
			return &Error{Kind: KindRefused, Err: err}
		}
		return err
	}
	return nil
}

// Instances lists the live processes that have the store open.
func Instances(cfg config.Config) ([]coord.Instance, error) {
	runDir, err := coord.RunDir(cfg.Home)
	if err != nil {
		return nil, err
	}
	return coord.Live(runDir)
}

// Migrate runs the schema steps that need the store to itself (destructive
// ones; additive steps run online whenever any process opens the store).
// Like Reset it refuses at once, naming them, while other processes have
// the store open.
func Migrate(ctx context.Context, cfg config.Config) (from, to int, err error) {
	runDir, err := coord.RunDir(cfg.Home)
	if err != nil {
		return 0, 0, err
	}
	lock, err := coord.Exclusive(runDir)
	if err != nil {
		if errors.Is(err, coord.ErrInUse) {
			return 0, 0, &Error{Kind: KindRefused, Err: err}
		}
		return 0, 0, err
	}
	defer lock.Unlock()
	if from, err = sqlite.StoredVersion(ctx, cfg.DBPath()); err != nil {
		return 0, 0, err
	}
	db, err := sqlite.Open(ctx, cfg.DBPath(), sqlite.Options{Exclusive: true, WriteLock: filepath.Join(runDir, "db-write.lock")})
	if err != nil {
		if errors.Is(err, sqlite.ErrForeign) || errors.Is(err, sqlite.ErrSchemaTooNew) {
			return from, 0, &Error{Kind: KindRefused, Err: err}
		}
		return from, 0, err
	}
	to = db.Schema()
	return from, to, db.Close()
}
