package coord

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The lifecycle lock is the one store-scoped liveness lock. Every process that
// has the store open holds it shared for as long as it is open; destructive
// work (mm reset, incompatible migrations, restore) takes it exclusively. Being
// a shared flock, any number of sessions can hold it at once, which is the
// point: the predecessor's exclusive "one session only" lock is exactly what
// this design must never reintroduce.
const lifecycleLockName = "lifecycle.lock"

// DefaultJoinWait bounds how long Join waits for maintenance to finish.
// Maintenance (mm reset, a destructive migration) takes seconds; editors give
// up on a tool call after tens of seconds, so waiting longer than this would
// only turn a clear "try again" into an opaque timeout.
const DefaultJoinWait = 10 * time.Second

// Instance describes one process that has the store open.
type Instance struct {
	// Host is set by coordinators that span hosts; "" means this host.
	Host      string    `json:"host,omitempty"`
	PID       int       `json:"pid"`
	Version   string    `json:"version"`
	Transport string    `json:"transport"` // "stdio", "cli", "http", ...
	Started   time.Time `json:"started"`
	Command   string    `json:"command,omitempty"` // e.g. "mm serve"
	// Seen is the process's last heartbeat, set by coordinators whose
	// registry is a table that processes keep fresh (zero: not tracked).
	Seen time.Time `json:"seen,omitzero"`
}

// SilentAfter is how old a heartbeat must be before String says when the
// process was last heard from: it still holds the store (its connection is
// open) but has stopped answering, e.g. a stopped process or a host that
// is suspended or cut off.
const SilentAfter = 30 * time.Second

// String is the one-line form used when listing live instances to a user,
// e.g. "pid 1234, mm v0.1.0 (stdio), up 3m12s". It carries what a user needs
// to find the process: its pid, what it is and how long it has been running.
func (i Instance) String() string {
	var b strings.Builder
	if i.Host != "" {
		fmt.Fprintf(&b, "host %s, ", i.Host)
	}
	fmt.Fprintf(&b, "pid %d, mm", i.PID)
	if i.Version != "" {
		b.WriteString(" " + i.Version)
	} else {
		b.WriteString(" (version unknown)")
	}
	if i.Transport != "" {
		b.WriteString(" (" + i.Transport + ")")
	}
	if !i.Started.IsZero() {
		up := time.Since(i.Started).Round(time.Second)
		if up < 0 {
			// Clock steps or a clock skewed against another process
			// must not print a negative age.
			up = 0
		}
		fmt.Fprintf(&b, ", up %s", up)
	}
	if !i.Seen.IsZero() {
		if quiet := time.Since(i.Seen).Round(time.Second); quiet >= SilentAfter {
			fmt.Fprintf(&b, ", silent for %s (stopped, suspended or cut off?)", quiet)
		}
	}
	return b.String()
}

// ErrMaintenance: the lifecycle lock is held exclusively (reset/destructive
// migration running). It is transient: the caller should retry shortly.
var ErrMaintenance = errors.New("store busy: maintenance in progress (mm reset or a migration); try again shortly")

// ErrInUse is matched by errors.Is against any *InUseError, for callers that
// only need the category.
var ErrInUse = errors.New("store in use by other processes")

// InUseError refuses an exclusive operation because live instances hold the
// store. Instances may be empty when the holder is a process still starting
// up (it holds the lifecycle lock but has not registered yet) or shutting
// down.
type InUseError struct{ Instances []Instance }

// Error lists each instance on its own line and tells the user to close them.
// It deliberately offers no --force: overriding a held lock is what would let
// a reset pull the database out from under a live editor session.
func (e *InUseError) Error() string {
	var b strings.Builder
	if len(e.Instances) == 0 {
		b.WriteString("store is in use: another memtomem process holds it (starting up, shutting down or running maintenance); ")
		b.WriteString("close other editor sessions and memtomem processes using this store, then try again")
		return b.String()
	}
	if len(e.Instances) == 1 {
		b.WriteString("store is in use by 1 memtomem process:\n")
	} else {
		fmt.Fprintf(&b, "store is in use by %d memtomem processes:\n", len(e.Instances))
	}
	for _, in := range e.Instances {
		b.WriteString("  " + in.String() + "\n")
	}
	b.WriteString("close those editor sessions (or stop those processes) first, then try again")
	return b.String()
}

// Is makes errors.Is(err, ErrInUse) true for an *InUseError.
func (e *InUseError) Is(target error) bool { return target == ErrInUse }

// Session is what an open process holds: the lifecycle lock shared and its
// registry entry (locked exclusively, so readers can tell it is alive).
//
// On a disk that refuses writes (full, over quota, read-only: see
// DiskFault) a process still opens the store to serve reads, so either may
// be missing: life is nil when the lock file could not be created, entry
// when the entry could not be written. Refresh tries again at every call,
// so a process becomes visible again as soon as the disk takes writes.
type Session struct {
	mu        sync.Mutex
	runDir    string
	info      Instance
	life      *Lock
	entry     *os.File
	entryPath string
	left      bool
}

// Join opens the store for this process. It waits up to wait (DefaultJoinWait
// when wait <= 0) while maintenance holds the lifecycle lock exclusively and
// then fails with an error wrapping ErrMaintenance; it never waits for, or is
// refused by, other sessions. Zero PID and Started in info are filled in with
// this process's pid and the current time.
//
// A process must not call Exclusive on the same runDir while it holds a
// Session: the Session's shared lock is a different open file, so it would
// conflict with it and report the process itself as in use.
func Join(ctx context.Context, runDir string, info Instance, wait time.Duration) (*Session, error) {
	if wait <= 0 {
		wait = DefaultJoinWait
	}
	if info.PID == 0 {
		info.PID = os.Getpid()
	}
	if info.Started.IsZero() {
		info.Started = time.Now()
	}
	lifePath := filepath.Join(runDir, lifecycleLockName)
	life, err := LockWait(ctx, lifePath, false, wait)
	switch {
	case err == nil:
	case errors.Is(err, ErrBusy):
		// Only an exclusive holder writes its pid into the file, and
		// only an exclusive holder makes this wait time out.
		return nil, fmt.Errorf("%w (waited %v; held by %s)", ErrMaintenance, wait, HolderOf(lifePath))
	case DiskFault(err) != 0:
		// The lock file is missing and the disk cannot take a new one.
		// Maintenance cannot run on a read-only disk either; on a full
		// one, a reset that removes the database under us is caught by
		// the database's own replaced-file check.
		life = nil
	default:
		return nil, fmt.Errorf("join store: %w", err)
	}
	// Register only after taking the lifecycle lock (and deregister before
	// releasing it): then an exclusive holder can be sure every entry it
	// sees is stale, and a live entry always means a live shared holder.
	var f *os.File
	var path string
	if life != nil {
		f, path, err = register(runDir, info)
		if err != nil && DiskFault(err) == 0 {
			_ = life.Unlock()
			return nil, err
		}
	}
	// Every process that starts sweeps up after crashed ones, so a kill -9
	// never leaves entries behind for long and nobody has to clean by hand.
	// A failed sweep costs nothing but a stale file, so its error is dropped.
	_, _ = Live(runDir)
	return &Session{runDir: runDir, info: info, life: life, entry: f, entryPath: path}, nil
}

// Instance is the description this session registered.
func (s *Session) Instance() Instance { return s.info }

// Leave removes the registry entry and releases the locks. It is idempotent.
// The entry is removed while its lock is still held, so no reader can mistake
// a leaving process for a crashed one and race it to delete the file; the
// lifecycle lock goes last so that an exclusive holder never finds a live
// entry.
func (s *Session) Leave() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.left = true
	var errs []error
	if s.entry != nil {
		if err := os.Remove(s.entryPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove registry entry: %w", err))
		}
		if err := s.entry.Close(); err != nil {
			errs = append(errs, fmt.Errorf("release registry entry: %w", err))
		}
		s.entry = nil
	}
	if s.life != nil {
		if err := s.life.Unlock(); err != nil {
			errs = append(errs, fmt.Errorf("release lifecycle lock: %w", err))
		}
		s.life = nil
	}
	return errors.Join(errs...)
}

// Exclusive takes the lifecycle lock exclusively for destructive work (mm
// reset, a destructive migration, restore). It never waits and has no force
// option: if any process holds the store it returns an *InUseError listing the
// live instances, and the user must close them. Release with Unlock.
//
// Refusing rather than waiting is deliberate: sessions hold the shared lock
// for hours, and a waiting exclusive request would have to either starve or
// block new sessions from starting, both of which are worse than a clear
// message.
func Exclusive(runDir string) (*Lock, error) {
	l, ok, err := TryLock(filepath.Join(runDir, lifecycleLockName), true)
	if err != nil {
		return nil, fmt.Errorf("lifecycle lock: %w", err)
	}
	if !ok {
		live, lerr := Live(runDir)
		if lerr != nil {
			// The refusal matters more than the listing; say who we
			// could not list rather than failing with a different error.
			live = nil
		}
		return nil, &InUseError{Instances: live}
	}
	// Nobody holds the shared lock, so every registry entry left is from a
	// crashed process: sweep them now so the store is left clean.
	_, _ = Live(runDir)
	return l, nil
}
