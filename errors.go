package memtomem

import (
	"errors"
	"fmt"
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
