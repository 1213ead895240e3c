package coord

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultRolePoll is how often a process that is not leading retries a role,
// and how often a leader refreshes its heartbeat. It is also about how long
// a role stays unfilled after its leader dies: the work behind roles (file
// watching, reconcile scans) tolerates a gap of a couple of seconds, and
// polling a flock is cheap.
const DefaultRolePoll = 2 * time.Second

// DefaultRoleStale is how long a candidate must see a leader's heartbeat
// unchanged before it takes the role over. A leader that is alive but
// stopped (SIGSTOP, a debugger, a suspended terminal job) keeps its flock,
// so the kernel never hands the role over; the heartbeat is what shows it
// stopped making progress. Five missed heartbeats is far beyond scheduling
// noise, and a role left unfilled for ten seconds costs only a later index.
// Staleness is measured on the candidate's own monotonic clock (how long it
// has watched the heartbeat not change), never by comparing timestamps, so
// clock steps and a machine waking from sleep, where every heartbeat looks
// hours old at once, do not cause a take-over. A role thus moves away from a
// stopped leader within DefaultRoleStale plus one poll (about 12 s).
const DefaultRoleStale = 10 * time.Second

// roleStale is DefaultRoleStale, shortened by tests.
var roleStale = DefaultRoleStale

// Campaign competes for the machine-wide role name (e.g. "indexer") among all
// processes sharing runDir, for as long as ctx lives, and returns when ctx is
// done. Whenever this process wins, it calls lead with a context that is
// cancelled when ctx is, or when this process is fenced off (see below);
// when lead returns the role is released and, if ctx is still live, this
// process campaigns again like everyone else. lead must return promptly once
// its context is cancelled, because the role stays held until it does.
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
// A leader that is stopped keeps its lock, so the leader also writes a
// heartbeat (its pid and a counter) into the lock file every poll. A
// candidate that sees the heartbeat unchanged for DefaultRoleStale fences the
// old leader: it locks a fresh file and renames it over the role file, so
// the role file's name now belongs to a new inode that the candidate holds,
// and every later campaigner contends for that one. The old leader checks
// before every heartbeat that the role file is still the inode it locked; when
// it resumes and finds it is not (or the file is gone, say memtomem.run was
// removed), it cancels lead and campaigns again. Until it notices (at most
// one poll after resuming) two leaders may overlap. That is harmless for the
// indexer: indexing reads the files on disk and replaces a file's rows in one
// transaction keyed by its path, so indexing a file twice, or from two
// processes, gives the same result as once.
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
	path := rolePath(runDir, name)
	var watch staleWatch
	for ctx.Err() == nil {
		l, ok, err := TryLock(path, true)
		switch {
		case err == nil && ok:
			runLeader(ctx, l, poll, lead)
			watch = staleWatch{}
		case err == nil && watch.stale(path, roleStale):
			if l := takeOver(path, watch.key); l != nil {
				runLeader(ctx, l, poll, lead)
			}
			watch = staleWatch{}
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

// staleWatch is a candidate's view of the current leader's heartbeat: what
// it last read and since when (monotonic) it has read the same.
type staleWatch struct {
	key   string
	since time.Time
}

// stale reads the role file's identity and heartbeat and reports whether they
// have stayed the same for at least d of this process's own time.
func (w *staleWatch) stale(path string, d time.Duration) bool {
	key, err := heartbeatKey(path)
	if err != nil {
		*w = staleWatch{}
		return false
	}
	if key != w.key {
		*w = staleWatch{key: key, since: time.Now()}
		return false
	}
	return time.Since(w.since) >= d
}

// heartbeatKey is the role file's device, inode and content: it changes when
// the leader beats or the file is replaced.
func heartbeatKey(path string) (string, error) {
	id, err := pathID(path)
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d:%d:%s", id.dev, id.ino, data), nil
}

// takeOver fences a stale leader by renaming a freshly locked file over the
// role file, unless the role file changed since it was judged stale (the
// leader resumed, or another candidate took over first). Two candidates
// racing here both rename; the one renamed over notices at its first
// heartbeat and steps down, so the role still ends with one leader.
func takeOver(path, staleKey string) *Lock {
	if key, err := heartbeatKey(path); err != nil || key != staleKey {
		return nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".takeover-*")
	if err != nil {
		return nil
	}
	if err := flockNB(f, true); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil
	}
	l := &Lock{path: path, f: f}
	l.beat(0)
	if err := os.Rename(f.Name(), path); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil
	}
	return l
}

// runLeader runs lead while holding the role lock and beating its heartbeat,
// releasing the lock however lead ends (including a panic, which is then
// re-raised). lead's context is cancelled if the role file stops being the
// file this process locked: another process fenced it off.
func runLeader(ctx context.Context, l *Lock, poll time.Duration, lead func(ctx context.Context)) {
	defer l.Unlock()
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	beating := make(chan struct{})
	go func() {
		defer close(beating)
		t := time.NewTicker(poll)
		defer t.Stop()
		for n := uint64(1); ; n++ {
			select {
			case <-lctx.Done():
				return
			case <-t.C:
			}
			if !l.stillAt() {
				cancel()
				return
			}
			l.beat(n)
		}
	}()
	defer func() { cancel(); <-beating }()
	lead(lctx)
}

// beat writes the holder's pid and a counter into the lock file through the
// held descriptor, so a replaced file's new owner is never overwritten. The
// counter is fixed-width, so every beat overwrites the previous one exactly.
func (l *Lock) beat(n uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return
	}
	_, _ = l.f.WriteAt([]byte(fmt.Sprintf("%d %020d\n", os.Getpid(), n)), 0)
}

// jitter spreads d by ±10%.
func jitter(d time.Duration) time.Duration {
	spread := d / 5
	if spread <= 0 {
		return d
	}
	return d - spread/2 + rand.N(spread)
}
