package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// maxAncestors bounds how far up ancestors looks: a shell, then perhaps git and a
// dispatcher between it and pkg-pull.
const maxAncestors = 4

// ancestors names the processes above this one, nearest first (pkg-pull env's guess of
// the shell that runs it): from /proc on Linux, else from ps(1). Whatever cannot be
// read ends the list; none is no answer, not an error.
func ancestors() []string {
	var names []string
	pid := os.Getppid()
	for len(names) < maxAncestors && pid > 1 {
		name, ppid, ok := processInfo(pid)
		if !ok {
			break
		}
		names = append(names, name)
		pid = ppid
	}
	return names
}

// processInfo is the command name and parent of process pid.
func processInfo(pid int) (name string, ppid int, ok bool) {
	if runtime.GOOS == "linux" {
		// "PID (COMM) STATE PPID …": COMM may hold spaces and parentheses, so it
		// ends at the last ')'.
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return "", 0, false
		}
		open, end := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
		if open < 0 || end < open {
			return "", 0, false
		}
		fields := strings.Fields(string(data[end+1:]))
		if len(fields) < 2 {
			return "", 0, false
		}
		ppid, err := strconv.Atoi(fields[1])
		name := string(data[open+1 : end])
		// COMM is the file execve ran: for a script run by its #! line, the script's
		// ("deploy.sh"), not the shell's. argv[0] is the interpreter's then, and the
		// shell's own otherwise ("-bash" for a login shell).
		if cmdline, cerr := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); cerr == nil {
			if argv0, _, _ := bytes.Cut(cmdline, []byte{0}); len(argv0) > 0 {
				name = filepath.Base(string(argv0))
			}
		}
		return name, ppid, err == nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ps", "-o", "ppid=", "-o", "comm=", "-p", strconv.Itoa(pid)).Output()
	if err != nil {
		return "", 0, false
	}
	ppidField, comm, found := strings.Cut(strings.TrimSpace(string(out)), " ")
	ppid, err = strconv.Atoi(ppidField)
	if !found || err != nil {
		return "", 0, false
	}
	return strings.TrimSpace(comm), ppid, true
}
