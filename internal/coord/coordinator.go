package coord

import (
	"context"
	"path/filepath"
	"time"
)

// Coordinator is what the processes sharing one store agree through: who
// has it open (the instance registry), the lifecycle lock that mm reset and
// destructive migrations take to have the store to themselves, and roles
// only one process holds at a time (the indexer). Local implements it with
// lock files in a run directory, which is enough when every process is on
// one host (SQLite); a backend whose stores span hosts supplies its own
// (store.Coordinated), e.g. advisory locks and a registry table.
//
// What stays per host whatever the backend: the order of writers to one
// markdown file (FileLocks), since the files are this host's.
type Coordinator interface {
	// Join registers this process as a user of the store until Leave. It
	// never waits for other users; it waits a bounded while (then fails
	// with an error wrapping ErrMaintenance) when maintenance holds the
	// store.
	Join(ctx context.Context, info Instance) (Member, error)
	// Exclusive takes the store for maintenance. It never waits: while any
	// process has the store open it fails with an *InUseError naming them.
	Exclusive(ctx context.Context) (Releaser, error)
	// Live lists the processes that have the store open.
	Live(ctx context.Context) ([]Instance, error)
	// Campaign runs lead whenever this process holds the named role, until
	// ctx ends (see the package function Campaign for the guarantees).
	Campaign(ctx context.Context, role string, poll time.Duration, lead func(ctx context.Context))
	// Leader is the live process holding the named role (ok false when
	// none is known to).
	Leader(ctx context.Context, role string) (in Instance, ok bool, err error)
}

// Member is this process's registration with a store.
type Member interface {
	Instance() Instance
	// Refresh re-registers the process if its registration was lost (its
	// entry or lock removed); it is cheap enough to run on every call.
	Refresh(ctx context.Context) error
	// Leave ends the registration; it is safe to call more than once.
	Leave() error
}

// Releaser ends what Exclusive took.
type Releaser interface{ Unlock() error }

// Local coordinates the processes of one host through the lock files and
// registry entries of a run directory.
type Local struct{ RunDir string }

var _ Coordinator = Local{}

func (l Local) Join(ctx context.Context, info Instance) (Member, error) {
	s, err := Join(ctx, l.RunDir, info, 0)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (l Local) Exclusive(context.Context) (Releaser, error) {
	lock, err := Exclusive(l.RunDir)
	if err != nil {
		return nil, err
	}
	return lock, nil
}

func (l Local) Live(context.Context) ([]Instance, error) { return Live(l.RunDir) }

func (l Local) Campaign(ctx context.Context, role string, poll time.Duration, lead func(ctx context.Context)) {
	Campaign(ctx, l.RunDir, role, poll, lead)
}

// Leader matches the pid recorded in the role's lock file against the live
// instances, so a pid left by a crashed holder is not reported.
func (l Local) Leader(_ context.Context, role string) (Instance, bool, error) {
	pid := RoleHolderPID(l.RunDir, role)
	if pid == 0 {
		return Instance{}, false, nil
	}
	live, err := Live(l.RunDir)
	if err != nil {
		return Instance{}, false, err
	}
	for _, in := range live {
		if in.PID == pid {
			return in, true, nil
		}
	}
	return Instance{}, false, nil
}

// RoleHolderPID is the pid last recorded by the holder of the named role in
// runDir (0 when none is): informative only, see HolderPID.
func RoleHolderPID(runDir, role string) int { return HolderPID(rolePath(runDir, role)) }

// rolePath is the lock file of a role.
func rolePath(runDir, role string) string { return filepath.Join(runDir, "role-"+role+".lock") }
