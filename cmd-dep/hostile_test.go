package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
)

// TestLockTextEscaped: tree and why draw a lock's names and versions, and patch why a
// descriptor's globs, on the terminal; a hand-edited lock or a hostile patch registry
// must not get an escape sequence through them, as tables do not.
func TestLockTextEscaped(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	lock := lockOf(t, env, "hello")
	hostile := strings.Replace(lock, "    version: 1.1.0\n", "    version: \"1.1.0\\e]0;pwned\\a\"\n", 1)
	if hostile == lock {
		t.Fatalf("hello's version is not in the lock:\n%s", lock)
	}
	for _, args := range [][]string{{"tree", "-f", "-"}, {"why", "zlib", "-f", "-", "-o", "table"}} {
		r := mustRun(t, env, hostile, args...)
		if strings.ContainsAny(r.Stdout, "\x1b\a") || !strings.Contains(r.Stdout, `hello 1.1.0\x1b]0;pwned\x07`) {
			t.Errorf("%s: %q", strings.Join(args, " "), r.Stdout)
		}
	}

	// A global rule whose name glob holds an escape, and still matches hello.
	registry := "ocidir://" + filepath.Join(t.TempDir(), "patches")
	publishDescriptor(t, registry, "_global", "  - match: {name: \"h[e\\e]llo\"}\n    companions: [{name: certs}]\n")
	mustRun(t, env, "", "patch", "registry", registry)
	writeInstalled(t, env, "main/hello 1.1.0 explicit", "main/libgreet 1.2.0 dependency", "main/zlib 1.3.0 dependency")
	mustRun(t, env, "", "patch", "sync", "-o", "yaml")
	r := mustRun(t, env, "", "patch", "why", "certs", "-o", "table")
	if strings.Contains(r.Stdout, "\x1b") || !strings.Contains(r.Stdout, `(name=h[e\x1b]llo)`) {
		t.Errorf("patch why certs: %q", r.Stdout)
	}
}

// TestTreeOfALongChain: the drawing of a chain thousands deep takes memory in
// proportion to the chain, not to its square (a prefix string per level took
// gigabytes for a hand-made lock of 50,000). Not parallel: it counts the process's
// allocations.
func TestTreeOfALongChain(t *testing.T) {
	const n = 10000
	lock := api.NewLock()
	for i := range n {
		p := api.LockedPackage{Name: fmt.Sprintf("p%05d", i), Version: "1.0.0", Reason: api.ReasonDependency}
		if i > 0 {
			p.Dependencies = []string{fmt.Sprintf("p%05d", i-1)}
		}
		lock.Packages = append(lock.Packages, p)
		lock.Order = append(lock.Order, p.Name)
	}
	lock.Packages[n-1].Reason = api.ReasonRequested
	lock.Requests = []api.LockRequest{{Name: lock.Packages[n-1].Name}}
	var out countingWriter
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	writeTree(&out, lock, 0)
	runtime.ReadMemStats(&after)
	if out.lines != n {
		t.Errorf("drew %d lines, want %d", out.lines, n)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 40<<20 {
		t.Errorf("drawing a chain of %d allocated %d MiB", n, alloc>>20)
	}
}

type countingWriter struct{ lines int }

func (w *countingWriter) Write(b []byte) (int, error) {
	w.lines += bytes.Count(b, []byte("\n"))
	return len(b), nil
}

// TestOneLockAndNothingElse: the verbs that read one Lock refuse a document of another
// kind beside it, naming it, rather than drop it without a word.
func TestOneLockAndNothingElse(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	in := lockOf(t, env, "hello") + "---\napiVersion: longshore.dev/v1alpha1\nkind: PackageRef\nname: tool\n"
	for _, args := range [][]string{{"why", "hello"}, {"validate"}, {"outdated"}, {"patch", "list"}, {"patch", "why", "hello"}} {
		r := pkgDep(t, env, in, append(args, "-f", "-")...)
		if r.Code != cli.ExitUsage || r.Stdout != "" || !strings.Contains(r.Stderr, `kind "PackageRef" is not read here; expected one of: Lock`) {
			t.Errorf("%v of a Lock and a PackageRef: %s", args, r)
		}
	}
}

// TestTreeOfTwoLocks: two Locks are said to be one too many, as why and validate say
// it, not "a Lock or packages, not both" when no package was given.
func TestTreeOfTwoLocks(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	lock := lockOf(t, env, "hello")
	r := pkgDep(t, env, lock+lock, "tree", "-f", "-")
	if r.Code != cli.ExitUsage || r.Stdout != "" || !strings.Contains(r.Stderr, "Error: -f: expected one Lock document, found 2 (pkg-dep resolve writes one)\n") {
		t.Errorf("tree of two locks: %s", r)
	}
	if r := pkgDep(t, env, lock, "tree", "hello", "-f", "-"); r.Code != cli.ExitUsage || !strings.Contains(r.Stderr, "not both") {
		t.Errorf("tree of a lock and a package: %s", r)
	}
}
