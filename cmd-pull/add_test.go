package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/index"
	"longshore.dev/lib/publish"
	"longshore.dev/lib/stream"
	"longshore.dev/lib/tap"
)

// addTap adds to env's home a directory tap name listing the published versions, as
// pkg-tap index add would list them, and returns its directory (writeTap it again and
// pkg-tap update, or upgrade, reads the new versions).
func addTap(t *testing.T, env map[string]string, name string, versions ...*publish.Result) string {
	t.Helper()
	dir := t.TempDir()
	writeTap(t, dir, versions...)
	if _, err := tap.Add(context.Background(), env["LONGSHORE_HOME"], tap.Spec{Name: name, Source: dir}, tap.Options{}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeTap writes an IndexEntry file per package of versions into dir.
func writeTap(t *testing.T, dir string, versions ...*publish.Result) {
	t.Helper()
	byName := map[string]*index.Package{}
	var order []string
	for _, v := range versions {
		change := index.FromPublished(v.Published)
		merged := index.Merge(byName[change.Name], change)
		if byName[change.Name] == nil {
			order = append(order, change.Name)
		}
		byName[change.Name] = &merged
	}
	for _, n := range order {
		var buf bytes.Buffer
		if err := stream.WriteYAML(&buf, index.ToEntry(*byName[n])); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n+".yaml"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// greetUniverse publishes app 1.0.0 (depends on lib ^1), lib 1.0.0 and 1.1.0, and app
// 2.0.0 (depends on nothing), and returns them in that order.
func greetUniverse(t *testing.T) (app, lib1, lib11, app2 *publish.Result) {
	t.Helper()
	reg := t.TempDir()
	res := publishTo(t, reg,
		pkg{"app", "1.0.0", "  bin: [bin/app]\n  dependencies:\n    - {name: lib, version: ^1}\n", map[string]string{"bin/app": "#!/bin/sh\n"}},
		pkg{"lib", "1.0.0", "  bin: [bin/lib]\n", map[string]string{"bin/lib": "#!/bin/sh\necho 1.0.0\n"}},
		pkg{"lib", "1.1.0", "  bin: [bin/lib]\n", map[string]string{"bin/lib": "#!/bin/sh\necho 1.1.0\n"}},
		pkg{"app", "2.0.0", "  bin: [bin/app]\n", map[string]string{"bin/app": "#!/bin/sh\n"}},
	)
	return res[0], res[1], res[2], res[3]
}

// TestAddInstalledDocuments: pkg-pull add -f reads what pkg-pull list -o yaml printed
// elsewhere and resolves its explicit installs afresh, through their tap within their
// constraints, where pkg-pull -f installs the same records at their digests: with lib
// 1.1.0 out since, add takes it and -f keeps 1.0.0.
func TestAddInstalledDocuments(t *testing.T) {
	t.Parallel()
	app, lib1, lib11, _ := greetUniverse(t)
	from := newEnv(t)
	addTap(t, from, "demo", app, lib1)
	mustPull(t, from, "", "add", "app@^1")
	exported := mustPull(t, from, "", "list", "-o", "yaml").Stdout
	if !strings.Contains(exported, "name: lib\nversion: 1.0.0\n") || !strings.Contains(exported, "constraint: ^1\n") {
		t.Fatalf("the home to export:\n%s", exported)
	}

	fresh := newEnv(t)
	addTap(t, fresh, "demo", app, lib1, lib11)
	if r := mustPull(t, fresh, exported, "add", "-f", "-", "-o", "name"); r.Stdout != "installed/lib@1.1.0\ninstalled/app@1.0.0\n" {
		t.Errorf("add -f of the records: want lib at its newest\n%s", r)
	}
	if list := mustPull(t, fresh, "", "list", "-o", "yaml").Stdout; !strings.Contains(list, "name: app\nversion: 1.0.0\n") || !strings.Contains(list, "reason: explicit\nconstraint: ^1\n") || !strings.Contains(list, "reason: dependency\n") {
		t.Errorf("after add -f, app is explicit within ^1 and lib a dependency:\n%s", list)
	}
	pinned := newEnv(t)
	addTap(t, pinned, "demo", app, lib1, lib11)
	if r := mustPull(t, pinned, exported, "-f", "-", "-o", "name"); r.Stdout != "installed/lib@1.0.0\ninstalled/app@1.0.0\n" {
		t.Errorf("-f of the records: want lib as it was\n%s", r)
	}
}

// TestAddDryRun: add --dry-run resolves as add does, says what would change — each
// package to install or move, a dependency that would become explicit, one that would
// go with nothing needing it — prints the Lock it would install, as upgrade --dry-run
// does, and installs and downloads nothing.
func TestAddDryRun(t *testing.T) {
	t.Parallel()
	app, lib1, lib11, app2 := greetUniverse(t)
	env := newEnv(t)
	addTap(t, env, "demo", app, lib1, lib11, app2)
	home := env["LONGSHORE_HOME"]

	r := mustPull(t, env, "", "add", "app@^1", "--dry-run", "-o", "yaml")
	if r.Stderr != "Would install lib 1.1.0\nWould install app 1.0.0\n" || !strings.Contains(r.Stdout, "kind: Lock\n") {
		t.Errorf("add --dry-run:\n%s", r)
	}
	if name := mustPull(t, env, "", "add", "app@^1", "--dry-run", "-o", "name").Stdout; name != "lock/app@1.0.0\n" {
		t.Errorf("add --dry-run -o name: %q", name)
	}
	for _, dir := range []string{"pkgs", "store/blobs/sha256", "bin"} {
		if ents, _ := os.ReadDir(filepath.Join(home, dir)); len(ents) != 0 {
			t.Errorf("add --dry-run left %d entries in %s", len(ents), dir)
		}
	}
	if list := mustPull(t, env, "", "list", "-o", "name").Stdout; list != "" {
		t.Errorf("add --dry-run installed:\n%s", list)
	}

	mustPull(t, env, "", "add", "app@^1")
	if r := mustPull(t, env, "", "add", "app@^1", "--dry-run", "-o", "name"); r.Stderr != "Nothing would change: every package of the lock is installed as it says (2 packages checked)\n" {
		t.Errorf("add --dry-run of what is installed:\n%s", r)
	}
	if r := mustPull(t, env, "", "add", "lib", "--dry-run", "-o", "name"); r.Stderr != "Would record lib as installed explicitly, not as a dependency\n" {
		t.Errorf("add --dry-run of a dependency:\n%s", r)
	}
	// app 2.0.0 needs no lib: the install would be followed by lib's removal.
	r = mustPull(t, env, "", "add", "app@^2", "--dry-run", "-o", "name")
	if r.Stderr != "Would upgrade app 1.0.0 -> 2.0.0\nWould remove lib 1.1.0: a dependency nothing installed needs any more\n" {
		t.Errorf("add --dry-run that drops a dependency:\n%s", r)
	}
	if r := mustPull(t, env, "", "add", "app@^2", "-o", "name"); !strings.Contains(r.Stderr, "Removed lib 1.1.0: a dependency nothing installed needs any more") {
		t.Errorf("the add --dry-run said lib would go:\n%s", r)
	}
}

// TestDryRunWarnsOfTheUsersFile: a file of the user's in bin/ where an entry point of
// a package that would move goes is what the install refuses once everything is
// downloaded; upgrade --dry-run and add --dry-run say so first, naming the file and
// both ways out, and not with --force, which replaces it.
func TestDryRunWarnsOfTheUsersFile(t *testing.T) {
	t.Parallel()
	app, lib1, lib11, _ := greetUniverse(t)
	env := newEnv(t)
	dir := addTap(t, env, "demo", app, lib1)
	mustPull(t, env, "", "add", "app@^1")
	bin := filepath.Join(env["LONGSHORE_HOME"], "bin")
	mine := filepath.Join(bin, "lib")
	if err := os.Remove(mine); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mine, []byte("#!/bin/sh\necho mine\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Nothing moves: the user's file stays, and nothing is said of it.
	if r := mustPull(t, env, "", "upgrade", "--dry-run", "-o", "name"); strings.Contains(r.Stderr, "Warning") {
		t.Errorf("upgrade --dry-run with nothing to move:\n%s", r)
	}
	writeTap(t, dir, app, lib1, lib11)
	warning := func(verb string) string {
		return "Warning: " + mine + " is a file, not a link pkg-pull made, and lib 1.1.0 links its entry point there: installing would replace it, so the " + verb +
			" would be refused: move it out of " + bin + " and run the command again, or run it with --force to replace it\n"
	}
	check := func(when string) {
		t.Helper()
		r := mustPull(t, env, "", "upgrade", "--dry-run", "-o", "name")
		if !strings.Contains(r.Stderr, "Would upgrade lib 1.0.0 -> 1.1.0\n") || !strings.Contains(r.Stderr, warning("upgrade")) {
			t.Errorf("upgrade --dry-run %s:\n%s\nwant the warning %q", when, r, warning("upgrade"))
		}
		if r := mustPull(t, env, "", "add", "lib@^1.1", "--dry-run", "-o", "name"); !strings.Contains(r.Stderr, warning("add")) {
			t.Errorf("add --dry-run %s:\n%s", when, r)
		}
		if r := mustPull(t, env, "", "upgrade", "--dry-run", "--force", "-o", "name"); strings.Contains(r.Stderr, "Warning") {
			t.Errorf("upgrade --dry-run --force %s:\n%s", when, r)
		}
	}
	// Judged by the entry points of the version installed: 1.1.0 is not in the store.
	check("before 1.1.0 is downloaded")
	r := pkgPull(t, env, "", "upgrade")
	if r.Code != 5 || !strings.Contains(r.Stderr, "Error: "+mine+" is a file, not a link pkg-pull made, and lib 1.1.0 links its entry point there") {
		t.Fatalf("the upgrade the dry run warned of:\n%s", r)
	}
	// The refused upgrade left 1.1.0's tree and config in the store: read from there.
	check("with 1.1.0 in the store")
	if data, _ := os.ReadFile(mine); string(data) != "#!/bin/sh\necho mine\n" {
		t.Errorf("bin/lib is now %q", data)
	}
}
