package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRemoveDryRun: remove --dry-run prints the records remove would take out — what
// was named (and with --cascade its dependents), then what nothing needs any more —
// says "Would remove" for each, fails as remove would, and removes nothing.
func TestRemoveDryRun(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	mustPull(t, env, toolboxLock(t), "-f", "-")
	before := mustPull(t, env, "", "list", "-o", "yaml").Stdout

	r := mustPull(t, env, "", "remove", "app", "--dry-run", "-o", "name")
	const would = "installed/app@2.0.0\ninstalled/ca@1.0.0\ninstalled/lib@1.0.0\n"
	if r.Stdout != would || r.Stderr != "Would remove app 2.0.0\nWould remove ca 1.0.0 (a patch nothing installed needs any more)\nWould remove lib 1.0.0 (a dependency nothing installed needs any more)\n" {
		t.Errorf("remove app --dry-run:\n%s", r)
	}
	if r := pkgPull(t, env, "", "remove", "lib", "--dry-run"); r.Code != 5 || !strings.Contains(r.Stderr, "Error: app 2.0.0 depends on lib: removing lib would break it") {
		t.Errorf("remove lib --dry-run, which remove refuses:\n%s", r)
	}
	if r := mustPull(t, env, "", "remove", "lib", "--cascade", "--dry-run", "-o", "name"); r.Stdout != "installed/app@2.0.0\ninstalled/lib@1.0.0\ninstalled/ca@1.0.0\n" {
		t.Errorf("remove lib --cascade --dry-run:\n%s", r)
	}
	if r := pkgPull(t, env, "", "remove", "nope", "--dry-run"); r.Code != 3 || !strings.Contains(r.Stderr, "nope is not installed") {
		t.Errorf("remove --dry-run of what is not installed:\n%s", r)
	}
	if after := mustPull(t, env, "", "list", "-o", "yaml").Stdout; after != before {
		t.Errorf("remove --dry-run changed the records:\n%s\nwere\n%s", after, before)
	}
	if _, err := os.Lstat(filepath.Join(env["LONGSHORE_HOME"], "bin", "app")); err != nil {
		t.Errorf("remove --dry-run took bin/app: %v", err)
	}
	if r := mustPull(t, env, "", "remove", "app", "-o", "name"); r.Stdout != would {
		t.Errorf("remove app after its dry run said %q:\n%s", would, r)
	}
}
