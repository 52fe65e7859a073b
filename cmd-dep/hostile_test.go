package main

import (
	"path/filepath"
	"strings"
	"testing"
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
