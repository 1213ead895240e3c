package memtomem

import (
	"context"
	"errors"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/store"
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
	loc := location(cfg, runDir)
	co, err := store.CoordinatorFor(ctx, loc)
	if err != nil {
		return wrapOpen(err)
	}
	lock, err := co.Exclusive(ctx)
	if err != nil {
		if errors.Is(err, coord.ErrInUse) {
			return &Error{Kind: KindRefused, Err: err}
		}
		return err
	}
	defer lock.Unlock()
	if err := store.Destroy(ctx, loc); err != nil {
		return wrapOpen(err)
	}
	return nil
}

// StoreWhere names the store cfg describes, for messages: the database file,
// or for a shared store its connection string with the password masked.
func StoreWhere(cfg config.Config) string {
	if cfg.Storage.Backend == "postgres" {
		return "the shared PostgreSQL store " + config.RedactDSN(cfg.Storage.URL) + " (every host's index)"
	}
	return cfg.DBPath()
}

// Instances lists the live processes that have the store open.
func Instances(ctx context.Context, cfg config.Config) ([]coord.Instance, error) {
	runDir, err := coord.RunDir(cfg.Home)
	if err != nil {
		return nil, err
	}
	co, err := store.CoordinatorFor(ctx, location(cfg, runDir))
	if err != nil {
		return nil, wrapOpen(err)
	}
	return co.Live(ctx)
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
	loc := location(cfg, runDir)
	co, err := store.CoordinatorFor(ctx, loc)
	if err != nil {
		return 0, 0, wrapOpen(err)
	}
	lock, err := co.Exclusive(ctx)
	if err != nil {
		if errors.Is(err, coord.ErrInUse) {
			return 0, 0, &Error{Kind: KindRefused, Err: err}
		}
		return 0, 0, err
	}
	defer lock.Unlock()
	if from, err = store.StoredVersion(ctx, loc); err != nil {
		return 0, 0, wrapOpen(err)
	}
	db, err := store.Open(ctx, loc, store.OpenOptions{Exclusive: true})
	if err != nil {
		return from, 0, wrapOpen(err)
	}
	to = db.Schema()
	return from, to, db.Close()
}
