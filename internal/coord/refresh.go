package coord

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// DefaultRefreshEvery is how often an open process checks, even when idle,
// that its coordination files are still in place (see Session.Refresh). A
// process that is serving calls also checks at the start of every call, so
// this bounds only how long an idle process can go unseen by mm reset and
// mm migrate after memtomem.run was removed: about two seconds, for the
// price of four stats.
const DefaultRefreshEvery = 2 * time.Second

// Refresh makes sure this session is still visible to the other processes,
// and re-creates what is missing. Someone may delete memtomem.run (it looks
// like clutter), or a sync tool may replace it: the lifecycle lock would
// then be held on a file nobody else can see, so mm reset or mm migrate
// would take the new lock file exclusively and pull the store out from
// under this process. Refresh compares the lifecycle lock file and the
// registry entry with the files this session holds (device and inode: a
// couple of stats); if either was removed or replaced it takes the shared
// lock on the current lock file (waiting, like Join, up to DefaultJoinWait
// while maintenance holds it exclusively, then failing with ErrMaintenance)
// and registers a new entry. It is cheap enough to run before every call.
func (s *Session) Refresh(ctx context.Context) error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.left {
		return nil
	}
	lifeOK := s.life != nil && s.life.stillAt()
	entryOK := s.entry != nil && sameFile(s.entry, s.entryPath)
	if lifeOK && entryOK {
		return nil
	}
	if !lifeOK {
		life, err := LockWait(ctx, filepath.Join(s.runDir, lifecycleLockName), false, DefaultJoinWait)
		switch {
		case err == nil:
		case errors.Is(err, ErrBusy):
			return fmt.Errorf("%w (waited %v to re-join after %s was removed or replaced)", ErrMaintenance, DefaultJoinWait, s.runDir)
		case DiskFault(err) != 0:
			// A disk that takes no writes must not stop reads: carry on
			// as we are, and try again at the next call (see Session).
			return nil
		default:
			return fmt.Errorf("re-join store: %w", err)
		}
		_ = s.life.Unlock() // held on a file no one else can see
		s.life = life
	}
	f, path, err := register(s.runDir, s.info)
	if err != nil {
		if DiskFault(err) != 0 {
			return nil
		}
		return fmt.Errorf("re-register: %w", err)
	}
	if s.entry != nil {
		removeIfSame(s.entryPath, s.entry)
		_ = s.entry.Close()
	}
	s.entry, s.entryPath = f, path
	return nil
}

// sameFile reports whether path still names the open file f.
func sameFile(f *os.File, path string) bool {
	held, err := fdID(f)
	if err != nil {
		return true // cannot tell: do not churn
	}
	cur, err := pathID(path)
	return err == nil && cur == held
}
