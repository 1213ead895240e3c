package memtomem

import (
	"context"
	"errors"

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
