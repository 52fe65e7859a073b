package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/index"
	"longshore.dev/lib/stream"
	"longshore.dev/lib/tap"
)

// writeTap writes pkgs as the entries of the directory tap dir, replacing what was there.
func writeTap(t *testing.T, dir string, pkgs ...index.Package) {
	t.Helper()
	old, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, f := range old {
		os.Remove(f)
	}
	for _, p := range pkgs {
		var buf bytes.Buffer
		if err := stream.WriteYAML(&buf, index.ToEntry(p)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p.Name+".yaml"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// versionsIn is "name version" per package of a lock document, in its order.
func versionsIn(t *testing.T, lockYAML string) string {
	t.Helper()
	docs, err := stream.Decode(strings.NewReader(lockYAML), "lock", api.Kinds)
	if err != nil || len(docs) != 1 {
		t.Fatalf("not one lock: %v\n%s", err, lockYAML)
	}
	var lines []string
	for _, p := range docs[0].Value.(*api.Lock).Packages {
		lines = append(lines, p.Name+" "+p.Version)
	}
	return strings.Join(lines, ", ")
}

// --update moves only the packages it names (and their dependencies when they cannot
// move alone), holds the rest, and says what changed.
func TestResolveUpdate(t *testing.T) {
	t.Parallel()
	home, dir := t.TempDir(), t.TempDir()
	env := map[string]string{"LONGSHORE_HOME": home, "HOME": t.TempDir(), "DOCKER_CONFIG": t.TempDir()}
	writeTap(t, dir,
		entry("hello", "1.0.0:libgreet@^1"),
		entry("libgreet", "1.0.0:zlib@^1"),
		entry("zlib", "1.3.0"),
		entry("tool", "3.1.0:zlib"),
	)
	if _, err := tap.Add(context.Background(), home, tap.Spec{Name: "main", Source: dir}, tap.Options{}); err != nil {
		t.Fatal(err)
	}
	lock := lockOf(t, env, "hello@^1", "tool@=3.1.0")
	if got, want := versionsIn(t, lock), "hello 1.0.0, libgreet 1.0.0, tool 3.1.0, zlib 1.3.0"; got != want {
		t.Fatalf("first lock: %s, want %s", got, want)
	}
	// New versions of everything; libgreet 1.2.0 needs a newer zlib, and tool 3.1.0,
	// which the lock pins exactly, is yanked.
	tool := entry("tool", "3.1.0:zlib", "3.2.0:zlib")
	tool.Versions[0].Yanked = true
	writeTap(t, dir,
		entry("hello", "1.0.0:libgreet@^1", "1.1.0:libgreet@^1"),
		entry("libgreet", "1.0.0:zlib@^1", "1.2.0:zlib@^1.4"),
		entry("zlib", "1.3.0", "1.4.0"),
		tool,
	)
	if _, err := tap.Update(context.Background(), home, nil, tap.Options{}); err != nil {
		t.Fatal(err)
	}

	r := mustRun(t, env, lock, "resolve", "-f", "-", "--update", "hello", "-o", "yaml")
	if got, want := versionsIn(t, r.Stdout), "hello 1.1.0, libgreet 1.0.0, tool 3.1.0, zlib 1.3.0"; got != want {
		t.Errorf("--update hello: %s, want %s", got, want)
	}
	// The pinned tool is yanked: said once, though two solves ran.
	const yanked = "Warning: selected tool 3.1.0, which its publisher yanked: only an exact pin selects a yanked version\n"
	if r.Stderr != yanked+"Updated hello 1.0.0 -> 1.1.0\n" {
		t.Errorf("--update hello said %q", r.Stderr)
	}
	// libgreet cannot move without zlib: zlib moves too, tool and hello stay. Only the
	// solve taken (the second) warns.
	r = mustRun(t, env, lock, "resolve", "-f", "-", "--update", "main/libgreet", "-o", "yaml")
	if got, want := versionsIn(t, r.Stdout), "hello 1.0.0, libgreet 1.2.0, tool 3.1.0, zlib 1.4.0"; got != want {
		t.Errorf("--update libgreet: %s, want %s", got, want)
	}
	if r.Stderr != yanked+"Updated libgreet 1.0.0 -> 1.2.0\nUpdated zlib 1.3.0 -> 1.4.0\n" {
		t.Errorf("--update libgreet said %q", r.Stderr)
	}
	// The lock's requests stay the lock's: the holds are not written into it.
	if !strings.Contains(r.Stdout, "requests:\n  - name: hello\n    version: ^1\n") || strings.Contains(r.Stdout, "=1.") {
		t.Errorf("--update changed the requests:\n%s", r.Stdout)
	}
	// Without --update, everything moves.
	r = mustRun(t, env, lock, "resolve", "-f", "-", "-o", "yaml")
	if got, want := versionsIn(t, r.Stdout), "hello 1.1.0, libgreet 1.2.0, tool 3.1.0, zlib 1.4.0"; got != want {
		t.Errorf("a full update: %s, want %s", got, want)
	}
	if r.Stderr != yanked+"Updated hello 1.0.0 -> 1.1.0\nUpdated libgreet 1.0.0 -> 1.2.0\nUpdated zlib 1.3.0 -> 1.4.0\n" {
		t.Errorf("a full update said %q", r.Stderr)
	}
	// A tighter request moves a package down: said so, not "Updated".
	down := strings.Replace(r.Stdout, "requests:\n  - name: hello\n    version: ^1\n", "requests:\n  - name: hello\n    version: =1.0.0\n", 1)
	if d := mustRun(t, env, down, "resolve", "-f", "-", "-o", "yaml"); !strings.Contains(d.Stderr, "Downgraded hello 1.1.0 -> 1.0.0\n") || strings.Contains(d.Stderr, "Updated hello") {
		t.Errorf("a downgrade said %q", d.Stderr)
	}
	if r := mustRun(t, env, r.Stdout, "resolve", "-f", "-", "--update", "zlib"); r.Stderr != yanked+"Lock unchanged: every package is at its locked version\n" {
		t.Errorf("an update with nothing newer said %q", r.Stderr)
	}

	// A hold the lock's own requests contradict (edited by hand): the hint names it.
	edited := strings.Replace(lock, "    version: =3.1.0\n", "    version: ^3.2\n", 1)
	r = pkgDep(t, env, edited, "resolve", "-f", "-", "--update", "hello")
	if r.Code != cli.ExitConflict || !strings.Contains(r.Stderr, "the lock holds") || !strings.Contains(r.Stderr, "(tool 3.1.0): name them with --update too") {
		t.Errorf("a conflicting hold: %s", r)
	}
	for _, tt := range []struct {
		args  []string
		code  int
		want  string
		stdin string
	}{
		{[]string{"resolve", "-f", "-", "--update", "nosuch"}, cli.ExitNotFound, "nosuch is not in the lock", lock},
		{[]string{"resolve", "-f", "-", "--update", "other/zlib"}, cli.ExitNotFound, "other/zlib is not in the lock: its zlib comes from tap main", lock},
		{[]string{"resolve", "hello", "--update", "hello"}, cli.ExitUsage, "--update moves packages of one lock", ""},
		{[]string{"resolve", "-f", "-", "tool", "--update", "hello"}, cli.ExitUsage, "--update moves packages of one lock", lock},
		// A locked version removed by hand: said as validate says it.
		{[]string{"resolve", "-f", "-", "--update", "hello"}, cli.ExitVerify, "the lock is not valid: ", strings.Replace(lock, "    version: 1.0.0\n", "", 1)},
	} {
		if r := pkgDep(t, env, tt.stdin, tt.args...); r.Code != tt.code || !strings.Contains(r.Stderr, tt.want) || r.Stdout != "" {
			t.Errorf("%v: %s\nwant exit %d and %q", tt.args, r, tt.code, tt.want)
		}
	}
}

// A lock holds its versions also once their publisher yanks them, as cargo's does:
// a range of the lock's requests or of a dependency does not select a yanked version,
// but what --update holds is selected whatever asks for it, so updating one package
// does not fail on another's yanked version.
func TestResolveUpdateHoldsYankedVersions(t *testing.T) {
	t.Parallel()
	home, dir := t.TempDir(), t.TempDir()
	env := map[string]string{"LONGSHORE_HOME": home, "HOME": t.TempDir(), "DOCKER_CONFIG": t.TempDir()}
	writeTap(t, dir, entry("hello", "1.0.0:libgreet@^1"), entry("libgreet", "1.0.0"), entry("tool", "1.0.0"))
	if _, err := tap.Add(context.Background(), home, tap.Spec{Name: "main", Source: dir}, tap.Options{}); err != nil {
		t.Fatal(err)
	}
	lock := lockOf(t, env, "hello@^1", "tool")
	// Every version the lock holds is yanked; hello and tool have newer ones, libgreet
	// a newer one hello could take.
	hello, libgreet, tool := entry("hello", "1.0.0:libgreet@^1", "1.1.0:libgreet@^1"), entry("libgreet", "1.0.0", "1.1.0"), entry("tool", "1.0.0", "1.1.0")
	hello.Versions[0].Yanked, libgreet.Versions[0].Yanked, tool.Versions[0].Yanked = true, true, true
	writeTap(t, dir, hello, libgreet, tool)
	if _, err := tap.Update(context.Background(), home, nil, tap.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ update, want string }{
		{"tool", "hello 1.0.0, libgreet 1.0.0, tool 1.1.0"},  // hello ^1 and its libgreet ^1 held
		{"hello", "hello 1.1.0, libgreet 1.0.0, tool 1.0.0"}, // tool, requested at any version, held
	} {
		r := pkgDep(t, env, lock, "resolve", "-f", "-", "--update", tc.update, "-o", "yaml")
		if r.Code != 0 {
			t.Errorf("--update %s: %s", tc.update, r)
			continue
		}
		if got := versionsIn(t, r.Stdout); got != tc.want {
			t.Errorf("--update %s: %s, want %s", tc.update, got, tc.want)
		}
		// Each yanked version kept is said once, as the lock's, with the way to move it.
		if tc.update == "hello" && !strings.Contains(r.Stderr, "Warning: the lock holds tool 1.0.0, which its publisher yanked: --update tool moves it\n") {
			t.Errorf("--update hello: no warning that the lock holds a yanked tool:\n%s", r.Stderr)
		}
		if strings.Contains(r.Stderr, "only an exact pin") {
			t.Errorf("--update %s: a held version is not an exact pin:\n%s", tc.update, r.Stderr)
		}
	}
}
