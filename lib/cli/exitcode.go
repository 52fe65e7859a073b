package cli

import (
	"context"
	"errors"
	"io/fs"

	"longshore.dev/lib/fault"
)

// Exit codes: stable, documented in docs/exit-codes.md. Scripts may rely on them.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitNotFound    = 3
	ExitAuth        = 4
	ExitConflict    = 5
	ExitVerify      = 6
	ExitNetwork     = 7
	ExitPartial     = 8
	ExitInterrupted = 130
)

var exitCodes = map[fault.Kind]int{
	fault.Unknown:  ExitError,
	fault.Usage:    ExitUsage,
	fault.NotFound: ExitNotFound,
	fault.Auth:     ExitAuth,
	fault.Conflict: ExitConflict,
	fault.Verify:   ExitVerify,
	fault.Network:  ExitNetwork,
	fault.Partial:  ExitPartial,
}

// ExitCoder is an error that sets its own exit code: pkg-pull exec answers 127 for a
// command not found and 126 for one that cannot run, as shells and env(1) do.
type ExitCoder interface {
	error
	ExitCode() int
}

// ExitCode maps an error to the exit code a script can act on.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ec ExitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	if errors.Is(err, context.Canceled) {
		return ExitInterrupted
	}
	kind := fault.KindOf(err)
	if kind == fault.Unknown && errors.Is(err, fs.ErrNotExist) {
		kind = fault.NotFound
	}
	return exitCodes[kind]
}
