// Package wait holds the one cancellable sleep that retry and settle loops
// share, so every wait in memtomem ends when its context does.
package wait

import (
	"context"
	"time"
)

// Sleep waits for d, or until ctx ends (then it returns ctx.Err()).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
