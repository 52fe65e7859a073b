//go:build unix

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"longshore.dev/lib/fault"
)

// execCommand replaces this process with argv[0] run in environ: the exit code and
// signals are the command's own. A name among entry (the packages' entry points) is
// run from its package; anything else is looked up on the composed PATH.
func execCommand(argv, environ []string, entry map[string]string) error {
	path, ok := entry[argv[0]]
	if !ok {
		var err error
		if path, err = lookPath(argv[0], environ); err != nil {
			return err
		}
	}
	err := syscall.Exec(path, argv, environ)
	return commandError{fault.New(fault.Unknown, fmt.Errorf("running %s: %w", path, err), ""), exitCannotRun}
}

// Like a shell, exec exits 127 when the command is not found and 126 when it is found
// but cannot run, so a script tells them from the command's own failures.
const (
	exitCannotRun = 126
	exitNotFound  = 127
)

type commandError struct {
	error
	code int
}

func (e commandError) ExitCode() int { return e.code }
func (e commandError) Unwrap() error { return e.error }

// lookPath finds name on the PATH of environ (not of this process), as a shell would.
func lookPath(name string, environ []string) (string, error) {
	if strings.Contains(name, "/") {
		if err := executable(name); err != nil {
			code := exitCannotRun
			if errors.Is(err, fs.ErrNotExist) {
				code = exitNotFound
			}
			return "", commandError{fault.New(fault.NotFound, fmt.Errorf("%s: %w", name, err), ""), code}
		}
		return name, nil
	}
	var pathVar string
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathVar = v
		}
	}
	for _, dir := range filepath.SplitList(pathVar) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", commandError{fault.New(fault.NotFound, fmt.Errorf("%s: command not found on the composed PATH", name),
		"check the package's bin and env entries: pkg-pull env PKG prints the PATH it gets"), exitNotFound}
}

func executable(p string) error {
	info, err := os.Stat(p)
	if err != nil {
		return err
	}
	if info.IsDir() || info.Mode()&0o111 == 0 {
		return fmt.Errorf("not an executable file")
	}
	return nil
}
