package store

import "errors"

// The errors of the store contract. Backends return them wrapped, with what
// they know added ("%w: …"), so callers classify with errors.Is whichever
// backend answered.
var (
	// ErrForeign: the location holds something that is not a memtomem
	// store; it is refused and never modified.
	ErrForeign = errors.New("not a memtomem database")
	// ErrSchemaTooNew: the store's schema is newer than this binary can
	// read.
	ErrSchemaTooNew = errors.New("database schema is newer than this mm can read")
	// ErrNeedsExclusive: the next schema step is destructive and must run
	// with the store to itself (mm migrate).
	ErrNeedsExclusive = errors.New("the database needs an upgrade step that must run with the store to itself")
	// ErrReadOnly: writes are refused because the schema is newer than this
	// binary can write; reads still work.
	ErrReadOnly = errors.New("store is read-only for this version of mm")
	// ErrBusy: other processes held the store's write lock for the whole
	// wait; the call can be retried.
	ErrBusy = errors.New("store busy: other memtomem processes held the database write lock; try again")
	// ErrCorrupt: the backend found its data damaged. The store is a cache
	// of the markdown, so the fix is always a rebuild.
	ErrCorrupt = errors.New("the index database is damaged: run `mm reset` to rebuild it from the markdown files (they are not affected)")
	// ErrReplaced: the store this process opened is no longer the one at its
	// location; the process must never write through its old handle.
	ErrReplaced = errors.New("the database file was replaced while this process had it open")
	// ErrUnknownBackend: no backend of that name is registered.
	ErrUnknownBackend = errors.New("unknown storage backend")
)
