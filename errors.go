package memtomem

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/memtomem/memtomem/internal/coord"
)

// Kind classifies errors by what the user should do about them; front ends
// map it to exit codes (CLI) or tool errors (MCP).
type Kind int

const (
	// KindInternal is anything unexpected: I/O, database failures.
	KindInternal Kind = iota
	// KindInvalid is bad input: the message says what to change.
	KindInvalid
	// KindNotFound is an unknown id or path.
	KindNotFound
	// KindRefused is a request the store will not carry out in its state
	// (foreign database, schema too new, store in use).
	KindRefused
	// KindBusy is contention that outlasted the retry budget: try again.
	KindBusy
	// KindUnavailable is a write the disk refused (full, over quota,
	// read-only; see DiskError): reads still work, writes do once the
	// disk is fixed.
	KindUnavailable
)

// Error is a user-facing error with a kind.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func newError(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Err: fmt.Errorf(format, args...)}
}

func invalidf(format string, args ...any) error { return newError(KindInvalid, format, args...) }

// KindOf reports the kind of err (KindInternal when it carries none).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// A disk that refuses writes, as errors.Is tells it from any error a write
// returns for that reason (a *DiskError).
var (
	ErrDiskFull     = errors.New("disk full")
	ErrDiskQuota    = errors.New("disk quota exceeded")
	ErrDiskReadOnly = errors.New("disk mounted read-only")
)

// DiskError is a write the disk refused, classified by its errno (ENOSPC,
// EDQUOT, EROFS). Its message names the disk by the directory that holds
// what was being written, and says what to do.
type DiskError struct {
	Errno syscall.Errno
	// Dir is the directory whose disk refused ("" when unknown).
	Dir string
	// NothingWritten says the refused operation left no trace, so a retry
	// is all it takes.
	NothingWritten bool
	// Restart says this process opened the store for reading only, having
	// started on that disk: once the disk is fixed it must be restarted.
	Restart bool
	Err     error
}

func (e *DiskError) Error() string {
	dir := e.Dir
	if dir == "" {
		dir = "the store"
	}
	msg := coord.DiskAdvice(e.Errno, dir)
	if e.Restart {
		msg += ", then restart mm (close and reopen the editor session): it opened the store for reading only, having started on that disk"
	} else {
		msg += ", then retry"
	}
	if e.NothingWritten {
		msg += "; nothing was written"
	}
	if e.Err == nil {
		return msg
	}
	return msg + " (" + e.Err.Error() + ")"
}

func (e *DiskError) Unwrap() error { return e.Err }

// Is matches the sentinel of e's errno.
func (e *DiskError) Is(target error) bool {
	switch e.Errno {
	case syscall.ENOSPC:
		return target == ErrDiskFull
	case syscall.EDQUOT:
		return target == ErrDiskQuota
	case syscall.EROFS:
		return target == ErrDiskReadOnly
	}
	return false
}

// diskError classifies err as a disk fault, or returns nil. The disk is
// named by the directory of the path the failed call was about.
func diskError(err error) *DiskError {
	var de *DiskError
	if errors.As(err, &de) {
		return de
	}
	e := coord.DiskFault(err)
	if e == 0 {
		return nil
	}
	de = &DiskError{Errno: e, Err: err}
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		de.Dir = filepath.Dir(pe.Path)
	case errors.As(err, &le):
		de.Dir = filepath.Dir(le.New)
	}
	return de
}

// nothingWritten marks a disk fault of an operation that left no trace (a
// memory file write that failed before its rename).
func nothingWritten(err error) error {
	if de := diskError(err); de != nil {
		de.NothingWritten = true
		return &Error{Kind: KindUnavailable, Err: de}
	}
	return err
}
