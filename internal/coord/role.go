package coord

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"
)

// DefaultRolePoll is how often a process that is not leading retries a role.
// It is also about how long a role stays unfilled after its leader dies: the
// work behind roles (file watching, reconcile scans) tolerates a gap of a
// couple of seconds, and polling a flock is cheap.
const DefaultRolePoll = 2 * time.Second

// Campaign competes for the machine-wide role name (e.g. "indexer") among all
// processes sharing runDir, for as long as ctx lives, and returns when ctx is
// done. Whenever this process wins, it calls lead with a context that is
// cancelled when ctx is; when lead returns the role is released and, if ctx is
// still live, this process campaigns again like everyone else. lead must
// return promptly once its context is cancelled, because the role stays held
// until it does.
//
// The role is an exclusive flock on runDir/role-<name>.lock taken with
// LOCK_NB and retried every poll (DefaultRolePoll when poll <= 0), with
// jitter so campaigners do not retry in lockstep. Polling rather than
// blocking in flock(2) keeps Campaign cancellable. The kernel drops the lock
// when the leader dies, even by kill -9, so another process takes over within
// about one poll without any cleanup; and since the lock is on an open file
// description, two Campaigns for one name in the same process also exclude
// each other.
//
// Errors taking the lock (say, the run directory became unwritable) are
// treated as losing the election and retried at the next poll: a process that
// cannot lead still serves its session.
func Campaign(ctx context.Context, runDir, name string, poll time.Duration, lead func(ctx context.Context)) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		// A programming error, not a runtime condition: role names are
		// constants in the code.
		panic(fmt.Sprintf("coord.Campaign: invalid role name %q", name))
	}
	if poll <= 0 {
		poll = DefaultRolePoll
	}
	path := filepath.Join(runDir, "role-"+name+".lock")
	for ctx.Err() == nil {
		l, ok, err := TryLock(path, true)
		if err == nil && ok {
			runLeader(ctx, l, lead)
		}
		// After leading too, wait a poll before trying again: a lead
		// that returned early (say, it failed) gives the others a fair
		// chance instead of being retried by the same process at once.
		t := time.NewTimer(jitter(poll))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// runLeader runs lead while holding the role lock, releasing the lock however
// lead ends (including a panic, which is then re-raised).
func runLeader(ctx context.Context, l *Lock, lead func(ctx context.Context)) {
	defer l.Unlock()
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lead(lctx)
}

// jitter spreads d by ±10%.
func jitter(d time.Duration) time.Duration {
	spread := d / 5
	if spread <= 0 {
		return d
	}
	return d - spread/2 + rand.N(spread)
}
