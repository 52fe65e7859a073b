//go:build !unix

package main

import (
	"errors"

	"longshore.dev/lib/fault"
)

// execCommand needs execve, which this system does not have.
func execCommand(argv, environ []string, entry map[string]string) error {
	return fault.New(fault.Usage, errors.New("pkg-pull exec replaces the process, which this system cannot do"),
		"print the environment with pkg-pull env and run the command in it")
}
