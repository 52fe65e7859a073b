//go:build unix

package main

import (
	"bytes"
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
	if _, serr := os.Stat(path); serr == nil && errors.Is(err, syscall.ENOENT) {
		// path is there: what execve did not find is what runs it.
		if interp := interpreter(path); interp != "" {
			err = fmt.Errorf("its interpreter %s (the #! line) is not there", interp)
		} else {
			err = fmt.Errorf("the interpreter or dynamic loader it needs is not there (%w)", err)
		}
	}
	return commandError{fault.New(fault.Unknown, fmt.Errorf("running %s: %w", path, err), ""), exitCannotRun}
}

// interpreter returns what the #! line of the script at path names, if it has one.
func interpreter(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, 256)
	n, _ := f.Read(head)
	line, _, _ := bytes.Cut(head[:n], []byte("\n"))
	rest, ok := bytes.CutPrefix(line, []byte("#!"))
	if fields := strings.Fields(string(rest)); ok && len(fields) > 0 {
		return fields[0]
	}
	return ""
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

// lookPath finds name on the PATH of environ (not of this process), as a shell would:
// the first executable file of the name; failing that, a file of the name that is not
// executable is 126, not "not found".
func lookPath(name string, environ []string) (string, error) {
	if strings.Contains(name, "/") {
		if err := executable(name); err != nil {
			return "", err
		}
		return name, nil
	}
	var pathVar string
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathVar = v
		}
	}
	denied := ""
	for _, dir := range filepath.SplitList(pathVar) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		info, err := os.Stat(p)
		switch {
		case err != nil || info.IsDir():
		case info.Mode()&0o111 != 0:
			return p, nil
		case denied == "":
			denied = p
		}
	}
	if denied != "" {
		return "", commandError{fault.New(fault.NotFound, fmt.Errorf("%s: %s is not an executable file", name, denied),
			"make it executable (chmod +x), or run it with its interpreter (sh "+denied+" for a shell script)"), exitCannotRun}
	}
	return "", commandError{fault.New(fault.NotFound, fmt.Errorf("%s: command not found on the composed PATH", name),
		"check the package's bin and env entries: pkg-pull env PKG prints the PATH it gets"), exitNotFound}
}

// executable checks that the file at p can run; its error carries the code a shell
// would exit with.
func executable(p string) error {
	info, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return commandError{fault.New(fault.NotFound, fmt.Errorf("%s: no such file", p), ""), exitNotFound}
	case err != nil:
		return commandError{fault.New(fault.NotFound, err, ""), exitCannotRun}
	case info.IsDir():
		return commandError{fault.New(fault.NotFound, fmt.Errorf("%s: not an executable file (a directory)", p), ""), exitCannotRun}
	case info.Mode()&0o111 == 0:
		return commandError{fault.New(fault.NotFound, fmt.Errorf("%s: not an executable file", p),
			"make it executable (chmod +x), or run it with its interpreter (sh "+p+" for a shell script)"), exitCannotRun}
	}
	return nil
}
