package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
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
	// On a terminal, or with -o table, the plan is the Lock's table, in install order.
	table := runOK(t, opt, "pkg-pull", "upgrade", "--dry-run", "-o", "table").Stdout
	if !regexp.MustCompile(`^NAME +VERSION +REASON +FROM +DIGEST\nup-lib +1\.1\.0 +dependency +tap up +sha256:[0-9a-f]{12}\nup-app +1\.1\.0 +requested +tap up +sha256:[0-9a-f]{12}\n$`).MatchString(table) {
		t.Errorf("upgrade --dry-run -o table:\n%s", table)
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
	// A version that no longer needs up-lib: the dependency nothing needs goes, its link
	// with it (brew's autoremove).
	publishDep(t, opt, "up-app", "3.0.0", index)
	res = runOK(t, opt, "pkg-pull", "upgrade", "-o", "name")
	if res.Stdout != "installed/up-app@3.0.0\n" || !strings.Contains(res.Stderr, "Removed up-lib 1.2.0: a dependency nothing installed needs any more") {
		t.Errorf("upgrade to a version without the dependency:\n%s", res)
	}
	if list := runOK(t, opt, "pkg-pull", "list", "-o", "name").Stdout; list != "installed/up-app@3.0.0\n" {
		t.Errorf("after the upgrade, installed:\n%s", list)
	}
	if _, err := os.Lstat(filepath.Join(home, "bin", "up-lib")); !os.IsNotExist(err) {
		t.Errorf("the removed dependency's entry point is still linked: %v", err)
	}
}

// TestUpgradeKeepsThePlatform: a package added with --platform for another machine
// is upgraded to that platform's build of the new version, not this machine's; and
// installs made for two platforms are upgraded apart, as the error says.
func TestUpgradeKeepsThePlatform(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}
	index := registryAddr + "/e2e/upgrade/platform/index"
	other := "linux/arm64"
	if runtime.GOARCH == "arm64" {
		other = "linux/amd64"
	}
	publish := func(name, version string) {
		t.Helper()
		dir := writePkg(t, name, version, "  platforms:\n    linux/amd64: amd64\n    linux/arm64: arm64\n", map[string]string{
			"amd64/which": "amd64 " + version, "arm64/which": "arm64 " + version,
		})
		add := opt
		add.Stdin = pushPkg(t, dir, registryAddr+"/e2e/upgrade/platform/"+name).raw
		runOK(t, add, "pkg-tap", "index", "add", "-f", "-", "--to", index)
	}
	publish("cross", "1.0.0")
	publish("native", "1.0.0")
	runOK(t, opt, "pkg-tap", "add", "plat", index)
	runOK(t, opt, "pkg-pull", "add", "cross", "--platform", other)
	runOK(t, opt, "pkg-pull", "add", "native")
	publish("cross", "1.1.0")
	publish("native", "1.1.0")

	res := run(t, opt, "pkg-pull", "upgrade")
	if res.Code != 2 || !strings.Contains(res.Stderr, "installed for different platforms") || !strings.Contains(res.Stderr, "`pkg-pull upgrade cross`") {
		t.Errorf("upgrade of installs made for two platforms: want exit 2 naming them\n%s", res)
	}
	docs := decodeStream(t, runOK(t, opt, "pkg-pull", "upgrade", "cross", "-o", "yaml").Stdout)
	if len(docs) != 1 || docs[0].Version != "1.1.0" || docs[0].Platform != other {
		t.Fatalf("upgrade cross: want 1.1.0 for %s, got %+v", other, docs)
	}
	want := strings.TrimPrefix(other, "linux/") + " 1.1.0"
	if data, _ := os.ReadFile(filepath.Join(docs[0].Path, "which")); string(data) != want {
		t.Errorf("upgrade cross installed %q, want %q", data, want)
	}
	docs = decodeStream(t, runOK(t, opt, "pkg-pull", "upgrade", "native", "-o", "yaml").Stdout)
	if len(docs) != 1 || docs[0].Version != "1.1.0" || docs[0].Platform != "linux/"+runtime.GOARCH {
		t.Errorf("upgrade native: want 1.1.0 for this machine, got %+v", docs)
	}
}

// TestUpgradeInstalledByReference: a package installed as `pkg-pull REPO:TAG` is
// upgraded through its repository's tags. The lock names it by its repository and
// installed.yaml by its own name, and upgrade says so in the package's terms: "Would
// upgrade hello 1.0.0 -> 1.0.2" under every -o, and once there, "Everything is up to
// date" without going through an install.
func TestUpgradeInstalledByReference(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}
	repo := registryAddr + "/e2e/upgrade/byref/hello"
	runOK(t, opt, "pkg-push", newPackage(t, "hello", "1.0.0"), "--to", repo)
	runOK(t, opt, "pkg-push", newPackage(t, "hello", "1.0.2"), "--to", repo)
	runOK(t, opt, "pkg-pull", repo+":1.0.0")

	for _, format := range []string{"yaml", "json", "name", "table"} {
		res := runOK(t, opt, "pkg-pull", "upgrade", "--dry-run", "-o", format)
		if res.Stderr != "Would upgrade hello 1.0.0 -> 1.0.2\n" {
			t.Errorf("upgrade --dry-run -o %s:\n%s", format, res)
		}
	}
	if list := runOK(t, opt, "pkg-pull", "list", "-o", "name").Stdout; list != "installed/hello@1.0.0\n" {
		t.Errorf("--dry-run installed something:\n%s", list)
	}
	res := runOK(t, opt, "pkg-pull", "upgrade", "-o", "name")
	if res.Stdout != "installed/hello@1.0.2\n" || !strings.Contains(res.Stderr, "Installed hello 1.0.2 (any), was 1.0.0") || strings.Contains(res.Stderr, "Warning") {
		t.Errorf("upgrade:\n%s", res)
	}
	if out := runOK(t, opt, filepath.Join(home, "bin", "hello")).Stdout; out != "hello from hello 1.0.2\n" {
		t.Errorf("the upgraded entry point printed %q", out)
	}
	if res := runOK(t, opt, "pkg-pull", "upgrade", "--dry-run", "-o", "name"); res.Stderr != "Everything is up to date: 1 package checked\n" {
		t.Errorf("upgrade --dry-run once up to date:\n%s", res)
	}
	if res := runOK(t, opt, "pkg-pull", "upgrade", "-o", "name"); res.Stdout != "" || res.Stderr != "Everything is up to date: 1 package checked\n" {
		t.Errorf("upgrade once up to date (no install, no \"Up to date: hello\"):\n%s", res)
	}
}
