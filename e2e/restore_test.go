package e2e

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// exportHome writes what `pkg-pull list -o yaml` prints in home to a file and returns
// the file and what it holds.
func exportHome(t *testing.T, opt runOpts) (file, exported string) {
	t.Helper()
	exported = runOK(t, opt, "pkg-pull", "list", "-o", "yaml").Stdout
	file = filepath.Join(t.TempDir(), "installed.yaml")
	if err := os.WriteFile(file, []byte(exported), 0o644); err != nil {
		t.Fatal(err)
	}
	return file, exported
}

// sameRecords fails unless home lists what another home exported, but for where each
// home is.
func sameRecords(t *testing.T, opt runOpts, home, fromHome, exported string) {
	t.Helper()
	got := runOK(t, opt, "pkg-pull", "list", "-o", "yaml").Stdout
	if strings.ReplaceAll(got, home, fromHome) != exported {
		t.Errorf("the restored home lists\n%s\nwant what the exported one did\n%s", got, exported)
	}
}

// TestRestoreExportedHome: the packages of one home — through a tap, with a
// dependency, a constraint and several platforms, and one installed by reference — are
// exported with `pkg-pull list -o yaml` and restored with `pkg-pull -f` into a fresh
// home with no tap, from the real registry: the same records, entry points that run.
// Restored for another platform, the multi-platform package is that platform's build.
// pkg-gc --keep -f of the same file keeps what it restored once it is removed.
func TestRestoreExportedHome(t *testing.T) {
	t.Parallel()
	from := t.TempDir()
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + from}}
	index := registryAddr + "/e2e/restore/index"
	publishDep(t, opt, "rs-lib", "1.0.0", index)
	publishDep(t, opt, "rs-app", "1.0.0", index, `{name: rs-lib, version: "^1"}`)
	cross := writePkg(t, "rs-cross", "1.0.0", "  platforms:\n    linux/amd64: amd64\n    linux/arm64: arm64\n", map[string]string{
		"amd64/which": "amd64", "arm64/which": "arm64",
	})
	add := opt
	add.Stdin = pushPkg(t, cross, registryAddr+"/e2e/restore/rs-cross").raw
	runOK(t, add, "pkg-tap", "index", "add", "-f", "-", "--to", index)
	tool := registryAddr + "/e2e/restore/rs-tool"
	runOK(t, opt, "pkg-push", newPackage(t, "rs-tool", "1.0.0"), "--to", tool)
	runOK(t, opt, "pkg-tap", "add", "rs", index)
	runOK(t, opt, "pkg-pull", "add", "rs-app@^1", "rs-cross")
	runOK(t, opt, "pkg-pull", tool+":1.0.0")
	file, exported := exportHome(t, opt)
	for _, want := range []string{"reason: explicit\nconstraint: ^1\n", "reason: dependency\n", "tap: rs\n", "source: " + tool + ":1.0.0@sha256:"} {
		if !strings.Contains(exported, want) {
			t.Fatalf("the exported home has no %q:\n%s", want, exported)
		}
	}

	to := t.TempDir()
	topt := runOpts{Env: []string{"LONGSHORE_HOME=" + to}}
	res := runOK(t, topt, "pkg-pull", "-f", file, "-o", "name")
	if got := strings.Count(res.Stdout, "\n"); got != 4 || !strings.Contains(res.Stdout, "installed/rs-lib@1.0.0\ninstalled/rs-app@1.0.0\n") {
		t.Errorf("pkg-pull -f of the exported records:\n%s", res)
	}
	sameRecords(t, topt, to, from, exported)
	for _, entry := range []string{"rs-app", "rs-lib", "rs-tool"} {
		if out := runOK(t, topt, filepath.Join(to, "bin", entry)).Stdout; out != "hello from "+entry+" 1.0.0\n" {
			t.Errorf("the restored bin/%s printed %q", entry, out)
		}
	}

	// On another platform: that platform's build of rs-cross, from its index.
	other := "linux/arm64"
	if runtime.GOARCH == "arm64" {
		other = "linux/amd64"
	}
	elsewhere := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
	for _, d := range decodeStream(t, runOK(t, elsewhere, "pkg-pull", "-f", file, "--platform", other, "-o", "yaml").Stdout) {
		if d.Name != "rs-cross" {
			continue
		}
		if d.Platform != other {
			t.Errorf("rs-cross restored for %s is the %s build", other, d.Platform)
		}
		if data, _ := os.ReadFile(filepath.Join(d.Path, "which")); string(data) != strings.TrimPrefix(other, "linux/") {
			t.Errorf("rs-cross restored for %s holds %q", other, data)
		}
	}
	if res := run(t, runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}, "pkg-pull", "-f", file, "--platform", "windows/amd64"); res.Code != 3 || !strings.Contains(res.Stderr, "has no windows/amd64 build; it has: linux/amd64, linux/arm64") {
		t.Errorf("restored for a platform rs-cross has no build for:\n%s", res)
	}

	// The same file keeps what it restored: removed, the trees stay with --keep.
	runOK(t, topt, "pkg-pull", "remove", "rs-app", "rs-cross", "rs-tool")
	if r := decodeReport(t, runOK(t, topt, "pkg-gc", "--dry-run", "-o", "yaml").Stdout); r.count("tree") != 4 {
		t.Errorf("pkg-gc --dry-run after the removal: %d trees to remove, want 4", r.count("tree"))
	}
	if r := decodeReport(t, runOK(t, topt, "pkg-gc", "--keep", "-f", file, "--dry-run", "-o", "yaml").Stdout); r.count("tree") != 0 {
		t.Errorf("pkg-gc --keep -f of the exported records: %d trees to remove, want none", r.count("tree"))
	}
}

// TestRestoreFromALayout: a home installed from ocidir:// layouts (a reference, and a
// repository added at a constraint) restores into a fresh home from the same layouts,
// pinned: the same records. Resolved afresh instead — pkg-dep resolve -f and pkg-pull
// add -f of the same file — each moves to the newest version its constraint allows
// since.
func TestRestoreFromALayout(t *testing.T) {
	t.Parallel()
	layouts := t.TempDir()
	hello := "ocidir://" + filepath.Join(layouts, "hello")
	greet := "ocidir://" + filepath.Join(layouts, "greet")
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
	from := opt.Env[0][len("LONGSHORE_HOME="):]
	runOK(t, opt, "pkg-push", newPackage(t, "hello", "1.0.0"), "--to", hello)
	runOK(t, opt, "pkg-push", newPackage(t, "greet", "1.0.0"), "--to", greet)
	runOK(t, opt, "pkg-pull", hello+":1.0.0")
	runOK(t, opt, "pkg-pull", "add", greet+"@^1")
	file, exported := exportHome(t, opt)

	to := t.TempDir()
	topt := runOpts{Env: []string{"LONGSHORE_HOME=" + to}}
	if res := runOK(t, topt, "pkg-pull", "-f", file, "-o", "name"); res.Stdout != "installed/greet@1.0.0\ninstalled/hello@1.0.0\n" {
		t.Errorf("pkg-pull -f of the exported records:\n%s", res)
	}
	sameRecords(t, topt, to, from, exported)
	if out := runOK(t, topt, filepath.Join(to, "bin", "hello")).Stdout; out != "hello from hello 1.0.0\n" {
		t.Errorf("the restored bin/hello printed %q", out)
	}

	runOK(t, opt, "pkg-push", newPackage(t, "hello", "1.0.1"), "--to", hello)
	runOK(t, opt, "pkg-push", newPackage(t, "greet", "1.1.0"), "--to", greet)
	runOK(t, opt, "pkg-push", newPackage(t, "greet", "2.0.0"), "--to", greet)
	lock := decodeLock(t, runOK(t, topt, "pkg-dep", "resolve", "-f", file, "-o", "yaml").Stdout)
	versions := map[string]string{}
	for _, p := range lock.Packages {
		versions[p.Name] = p.Version
	}
	if versions[hello] != "1.0.1" || versions[greet] != "1.1.0" {
		t.Errorf("pkg-dep resolve -f of the records: %v, want hello at its newest and greet within ^1", versions)
	}
	if res := runOK(t, topt, "pkg-pull", "add", "-f", file, "-o", "name"); res.Stdout != "installed/greet@1.1.0\ninstalled/hello@1.0.1\n" {
		t.Errorf("pkg-pull add -f of the records:\n%s", res)
	}
}
