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
// pkg-tap index add would list them.
func addTap(t *testing.T, env map[string]string, name string, versions ...*publish.Result) {
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
	dir := t.TempDir()
	for _, n := range order {
		var buf bytes.Buffer
		if err := stream.WriteYAML(&buf, index.ToEntry(*byName[n])); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n+".yaml"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tap.Add(context.Background(), env["LONGSHORE_HOME"], tap.Spec{Name: name, Source: dir}, tap.Options{}); err != nil {
		t.Fatal(err)
	}
}

// greetUniverse publishes app 1.0.0 (depends on lib ^1) and lib 1.0.0 and 1.1.0, and
// returns them in that order.
func greetUniverse(t *testing.T) (app, lib1, lib11 *publish.Result) {
	t.Helper()
	reg := t.TempDir()
	res := publishTo(t, reg,
		pkg{"app", "1.0.0", "  bin: [bin/app]\n  dependencies:\n    - {name: lib, version: ^1}\n", map[string]string{"bin/app": "#!/bin/sh\n"}},
		pkg{"lib", "1.0.0", "  bin: [bin/lib]\n", map[string]string{"bin/lib": "#!/bin/sh\necho 1.0.0\n"}},
		pkg{"lib", "1.1.0", "  bin: [bin/lib]\n", map[string]string{"bin/lib": "#!/bin/sh\necho 1.1.0\n"}},
	)
	return res[0], res[1], res[2]
}

// TestAddInstalledDocuments: pkg-pull add -f reads what pkg-pull list -o yaml printed
// elsewhere and resolves its explicit installs afresh, through their tap within their
// constraints, where pkg-pull -f installs the same records at their digests: with lib
// 1.1.0 out since, add takes it and -f keeps 1.0.0.
func TestAddInstalledDocuments(t *testing.T) {
	t.Parallel()
	app, lib1, lib11 := greetUniverse(t)
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
