// Package fault classifies failures into the few kinds a user (or a script) acts on
// differently: fix the input, log in, retry later, investigate a tampered artifact.
// The library returns faults; lib/cli turns each kind into an exit code and a hint.
package fault

import (
	"errors"
	"fmt"
)

// Kind is what went wrong, in terms of what to do about it.
type Kind int

const (
	// Unknown is any failure not classified below.
	Unknown Kind = iota
	// Usage: the command line is wrong (unknown flag, missing argument, bad reference).
	Usage
	// NotFound: a named thing (tag, repository, package, file) does not exist.
	NotFound
	// Auth: the registry refused the credentials, or none were given.
	Auth
	// Conflict: the operation would overwrite or contradict something that exists.
	Conflict
	// Verify: content failed verification (digest mismatch, hostile archive, invalid package).
	Verify
	// Network: a retryable transport failure (unreachable, timeout, 429, 5xx).
	Network
	// Partial: some items succeeded and some failed; the output says which.
	Partial
)

var kindNames = map[Kind]string{
	Unknown:  "error",
	Usage:    "usage",
	NotFound: "not found",
	Auth:     "auth",
	Conflict: "conflict",
	Verify:   "verification failed",
	Network:  "network",
	Partial:  "partial",
}

func (k Kind) String() string { return kindNames[k] }

// Error is a failure with a kind and an optional hint: one sentence telling the user
// what to try next.
type Error struct {
	Kind Kind
	Err  error
	Hint string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// New wraps err as a fault of the given kind.
func New(kind Kind, err error, hint string) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: kind, Err: err, Hint: hint}
}

// Errorf formats a fault of the given kind with no hint.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Err: fmt.Errorf(format, args...)}
}

// Hinted attaches a hint to err, keeping its kind.
func Hinted(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: KindOf(err), Err: err, Hint: hint}
}

// KindOf returns the kind of the outermost fault in err's chain, or Unknown.
func KindOf(err error) Kind {
	var f *Error
	for e := err; errors.As(e, &f); e = f.Err {
		if f.Kind != Unknown {
			return f.Kind
		}
	}
	return Unknown
}

// HintOf returns the outermost hint in err's chain, or "".
func HintOf(err error) string {
	var f *Error
	for e := err; errors.As(e, &f); e = f.Err {
		if f.Hint != "" {
			return f.Hint
		}
	}
	return ""
}
