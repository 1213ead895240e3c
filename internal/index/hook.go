package index

import "context"

// beforeFile, when set, runs before each file a walk indexes. Process tests
// use it to hold a walk at a known point (a cancelled or shut-down index must
// stop there), instead of racing a real walk with a big corpus.
var beforeFile func(ctx context.Context, path string)

// SetBeforeFileHookForTest installs f as the hook run before each file of a
// walk (nil removes it). For tests only; not safe to call during a walk.
func SetBeforeFileHookForTest(f func(ctx context.Context, path string)) { beforeFile = f }
