package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/memtomem/memtomem/internal/coord"
)

// Location says where a store lives. Which fields matter is the backend's
// business: a file backend reads Path, a network backend URL.
type Location struct {
	// Backend is a registered backend's name ("sqlite").
	Backend string
	// Path is the database file of a file backend.
	Path string
	// URL is a network backend's connection string. It may hold a
	// password: never print it (a DB's Where does not).
	URL string
	// PasswordFile, when set, holds the network backend's password; the
	// backend refuses one that others than its owner can read.
	PasswordFile string
	// Host names this host to a store that several hosts share, whose
	// files are each host's own ("" for a store of one host).
	Host string
	// RunDir is this host's coordination directory (lock files), which a
	// backend may use for locks that only this host's processes share.
	RunDir string
}

// OpenOptions tune Open.
type OpenOptions struct {
	// Exclusive says the caller holds the store to itself (mm migrate), so
	// destructive schema steps may run.
	Exclusive bool
	// ReadOnly opens without ever writing: no schema steps, no setup.
	ReadOnly bool
}

// DB is an open store together with what the service needs to know about
// it.
type DB interface {
	Store
	// Where names the store in messages: a file path, a host and database.
	// It never holds a password.
	Where() string
	// Schema is the store's schema version once open.
	Schema() int
	// ReadOnlyReason says why writes are refused and what to do, or is ""
	// when the store takes writes.
	ReadOnlyReason() string
	// Verify is the cheap check, before every service call, that the
	// store at the location is still the one this handle opened
	// (ErrReplaced, wrapped, when it is not).
	Verify() error
}

// LocalDB is implemented by a DB whose data lives in files on this host:
// the service keeps those files out of the index and checks their disk for
// room before an add.
type LocalDB interface {
	DB
	// LocalFiles are the database file, first, and its side files.
	LocalFiles() []string
	// Fault is the disk's errno when the store was opened for reading only
	// because its disk refused writes (0 otherwise).
	Fault() syscall.Errno
}

// Backend opens and administers stores of one kind. Backends register
// themselves (Register, from an init function); the front ends import the
// backends they ship and the service opens stores through Open alone.
type Backend interface {
	// Open opens or creates the store at loc and brings its schema up to
	// date, refusing (ErrForeign, ErrSchemaTooNew, ErrNeedsExclusive) what
	// it must not touch.
	Open(ctx context.Context, loc Location, opts OpenOptions) (DB, error)
	// StoredVersion reads the store's schema version without changing
	// anything (0 when there is no store yet).
	StoredVersion(ctx context.Context, loc Location) (int, error)
	// Destroy deletes the store's data so it can be rebuilt from the
	// markdown (mm reset). It refuses a foreign location (ErrForeign) and
	// succeeds when there is nothing to delete.
	Destroy(ctx context.Context, loc Location) error
}

var (
	backendsMu sync.RWMutex
	backends   = map[string]Backend{}
)

// Register makes a backend available under name. Registering a name twice
// is a programming error and panics, as database/sql does.
func Register(name string, b Backend) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	if b == nil {
		panic("store: Register of a nil backend " + name)
	}
	if _, dup := backends[name]; dup {
		panic("store: Register called twice for backend " + name)
	}
	backends[name] = b
}

// Backends lists the registered backends' names, sorted.
func Backends() []string {
	backendsMu.RLock()
	defer backendsMu.RUnlock()
	names := make([]string, 0, len(backends))
	for n := range backends {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func backend(name string) (Backend, error) {
	backendsMu.RLock()
	b, ok := backends[name]
	backendsMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w %q (this mm has: %s): set storage.backend to one of them", ErrUnknownBackend, name, strings.Join(Backends(), ", "))
	}
	return b, nil
}

// Open opens the store at loc with its backend.
func Open(ctx context.Context, loc Location, opts OpenOptions) (DB, error) {
	b, err := backend(loc.Backend)
	if err != nil {
		return nil, err
	}
	return b.Open(ctx, loc, opts)
}

// StoredVersion reads the schema version of the store at loc.
func StoredVersion(ctx context.Context, loc Location) (int, error) {
	b, err := backend(loc.Backend)
	if err != nil {
		return 0, err
	}
	return b.StoredVersion(ctx, loc)
}

// Destroy deletes the store at loc (see Backend.Destroy).
func Destroy(ctx context.Context, loc Location) error {
	b, err := backend(loc.Backend)
	if err != nil {
		return err
	}
	return b.Destroy(ctx, loc)
}

// Coordinated is implemented by a backend whose stores are shared by
// processes on several hosts: lock files in one host's run directory
// cannot tell it who else has the store open, so the backend supplies the
// coordination (the registry, the lifecycle lock, roles) through the store
// itself.
type Coordinated interface {
	Backend
	Coordinator(ctx context.Context, loc Location) (coord.Coordinator, error)
}

// CoordinatorFor is how the processes sharing the store at loc coordinate:
// the backend's own when it has one, otherwise lock files in loc.RunDir.
func CoordinatorFor(ctx context.Context, loc Location) (coord.Coordinator, error) {
	b, err := backend(loc.Backend)
	if err != nil {
		return nil, err
	}
	if c, ok := b.(Coordinated); ok {
		return c.Coordinator(ctx, loc)
	}
	return coord.Local{RunDir: loc.RunDir}, nil
}
