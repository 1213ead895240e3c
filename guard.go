package memtomem

import (
	"context"
	"errors"
	"time"

	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/store"
)

// guard runs at the start of every Service call. It re-registers this
// process if its coordination folder (memtomem.run, its registry entry, its
// lifecycle lock file) was removed or replaced, so mm reset and mm migrate
// still see it, and refuses the call if the database file was replaced under
// the process, which must then never write through its old handle. Its cost
// is a handful of stats.
func (m *Memory) guard(ctx context.Context) error {
	if err := m.session.Refresh(ctx); err != nil {
		if errors.Is(err, coord.ErrMaintenance) {
			return &Error{Kind: KindBusy, Err: err}
		}
		return err
	}
	if err := m.store.Verify(); err != nil {
		if errors.Is(err, store.ErrReplaced) {
			return &Error{Kind: KindRefused, Err: err}
		}
		return err
	}
	return nil
}

// startRefresh keeps an idle process registered: between calls, nothing
// else would notice memtomem.run being removed (see coord.DefaultRefreshEvery).
func (m *Memory) startRefresh() {
	ctx, cancel := context.WithCancel(context.Background())
	m.stopRefresh, m.refreshDone = cancel, make(chan struct{})
	go func() {
		defer close(m.refreshDone)
		t := time.NewTicker(coord.DefaultRefreshEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				// A failure (maintenance holding the new lock) is
				// retried at the next tick or call.
				_ = m.session.Refresh(ctx)
			}
		}
	}()
}
