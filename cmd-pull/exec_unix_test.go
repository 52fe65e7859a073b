//go:build unix

package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lookPath answers as a shell does: 127 for a command that is nowhere, 126 for one
// that is there but cannot run, each said plainly.
func TestLookPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tool := write("tool", 0o755)
	write("plain", 0o644)
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	environ := []string{"PATH=" + filepath.Join(dir, "nowhere") + ":" + dir}
	if got, err := lookPath("tool", environ); err != nil || got != tool {
		t.Errorf("tool: %q, %v; want %q", got, err, tool)
	}
	for _, tc := range []struct {
		name string
		code int
		want string
	}{
		{"nosuch", 127, "nosuch: command not found on the composed PATH"},
		// A directory of the name is not the command, as in a shell.
		{"adir", 127, "adir: command not found on the composed PATH"},
		// bash says "Permission denied" (126) for it: the command is there.
		{"plain", 126, "plain: " + filepath.Join(dir, "plain") + " is not an executable file"},
		{filepath.Join(dir, "nosuch"), 127, filepath.Join(dir, "nosuch") + ": no such file"},
		{filepath.Join(dir, "plain"), 126, filepath.Join(dir, "plain") + ": not an executable file"},
		{filepath.Join(dir, "adir"), 126, filepath.Join(dir, "adir") + ": not an executable file (a directory)"},
	} {
		_, err := lookPath(tc.name, environ)
		var coded interface{ ExitCode() int }
		if !errors.As(err, &coded) || coded.ExitCode() != tc.code || err.Error() != tc.want {
			t.Errorf("%s: %v (exit %v); want %q, exit %d", tc.name, err, coded, tc.want, tc.code)
		}
	}
}

// A file that is there but whose interpreter is not fails in execve with ENOENT: the
// message says which is missing, not that the command file is.
func TestExecMissingInterpreter(t *testing.T) {
	t.Parallel()
	script := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(script, []byte("#!/no/such/interpreter\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := execCommand([]string{"script"}, []string{"PATH=/nowhere"}, map[string]string{"script": script})
	var coded interface{ ExitCode() int }
	if !errors.As(err, &coded) || coded.ExitCode() != 126 || !strings.Contains(err.Error(), "interpreter") {
		t.Errorf("%v (exit %v); want exit 126 naming the interpreter", err, coded)
	}
}
