package e2e

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestUpgrade publishes two versions of a package and its dependency to the real
// registry, and upgrades an install of the first: --dry-run says what would move and
// installs nothing, upgrade moves both and runs the new entry point, and a second
// upgrade finds nothing to do. Through the real kubectl too.
func TestUpgrade(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}
	index := registryAddr + "/e2e/upgrade/index"
	publishDep(t, opt, "up-lib", "1.0.0", index)
	publishDep(t, opt, "up-app", "1.0.0", index, `{name: up-lib, version: "^1"}`)
	runOK(t, opt, "pkg-tap", "add", "up", index)
	runOK(t, opt, "pkg-pull", "add", "up-app")

	if res := runOK(t, opt, "pkg-pull", "upgrade"); !strings.Contains(res.Stderr, "Everything is up to date: 2 packages checked") {
		t.Errorf("upgrade with nothing newer:\n%s", res)
	}
	// 1.1.0 of the app needs the new lib.
	publishDep(t, opt, "up-lib", "1.1.0", index)
	publishDep(t, opt, "up-app", "1.1.0", index, `{name: up-lib, version: "^1.1"}`)

	res := runOK(t, opt, "pkg-pull", "upgrade", "--dry-run", "-o", "yaml")
	if !strings.Contains(res.Stderr, "Would upgrade up-lib 1.0.0 -> 1.1.0\nWould upgrade up-app 1.0.0 -> 1.1.0\n") {
		t.Errorf("upgrade --dry-run:\n%s", res)
	}
	if lock := decodeLock(t, res.Stdout); len(lock.Packages) != 2 {
		t.Errorf("upgrade --dry-run -o yaml: want the Lock of both\n%s", res.Stdout)
	}
	if list := runOK(t, opt, "pkg-pull", "list", "-o", "name").Stdout; list != "installed/up-app@1.0.0\ninstalled/up-lib@1.0.0\n" {
		t.Errorf("--dry-run installed something:\n%s", list)
	}

	res = runOK(t, opt, "kubectl", "pkg", "upgrade", "-o", "name")
	if res.Stdout != "installed/up-lib@1.1.0\ninstalled/up-app@1.1.0\n" || !strings.Contains(res.Stderr, "was 1.0.0") {
		t.Errorf("kubectl pkg upgrade:\n%s", res)
	}
	if out := runOK(t, opt, filepath.Join(home, "bin", "up-app")).Stdout; out != "hello from up-app 1.1.0\n" {
		t.Errorf("the upgraded entry point printed %q", out)
	}
	// The dependency stays a dependency; naming it is refused with the fix.
	if res := run(t, opt, "pkg-pull", "upgrade", "up-lib"); res.Code != 2 || !strings.Contains(res.Stderr, "up-lib is installed as a dependency, not explicitly: it moves with up-app") {
		t.Errorf("upgrade of a dependency:\n%s", res)
	}
	if res := runOK(t, opt, "pkg-pull", "upgrade", "up-app"); !strings.Contains(res.Stderr, "Everything is up to date") {
		t.Errorf("a second upgrade:\n%s", res)
	}

	// A constraint given to add is recorded and kept: 2.0.0 is out of ^1.
	runOK(t, opt, "pkg-pull", "add", "up-app@^1")
	publishDep(t, opt, "up-app", "2.0.0", index, `{name: up-lib, version: "^1.1"}`)
	if res := runOK(t, opt, "pkg-pull", "upgrade"); !strings.Contains(res.Stderr, "Everything is up to date") {
		t.Errorf("upgrade of up-app added as ^1, with 2.0.0 out:\n%s", res)
	}
	if out := runOK(t, opt, "pkg-pull", "list", "-o", "yaml").Stdout; !strings.Contains(out, "reason: explicit\nconstraint: ^1\n") {
		t.Errorf("installed.yaml does not record the constraint:\n%s", out)
	}
	if out := runOK(t, opt, "pkg-dep", "outdated", "-o", "table").Stdout; !regexp.MustCompile(`up-app\s+1\.1\.0\s+1\.1\.0\s+2\.0\.0`).MatchString(out) {
		t.Errorf("outdated: want up-app WANTED 1.1.0 (its ^1), LATEST 2.0.0:\n%s", out)
	}
	// Asked for again without one, it moves to the newest, and the record forgets ^1.
	if res := runOK(t, opt, "pkg-pull", "add", "up-app", "-o", "name"); !strings.Contains(res.Stdout, "installed/up-app@2.0.0") {
		t.Errorf("add without a constraint:\n%s", res)
	}
	if out := runOK(t, opt, "pkg-pull", "list", "-o", "yaml").Stdout; strings.Contains(out, "constraint:") {
		t.Errorf("add without a constraint kept the old one:\n%s", out)
	}
	// Only what moved is printed; what was only checked is said on stderr.
	publishDep(t, opt, "up-lib", "1.2.0", index)
	if res := runOK(t, opt, "pkg-pull", "upgrade", "-o", "name"); res.Stdout != "installed/up-lib@1.2.0\n" || !strings.Contains(res.Stderr, "Up to date: up-app 2.0.0") {
		t.Errorf("upgrade of the dependency alone:\n%s", res)
	}
}
