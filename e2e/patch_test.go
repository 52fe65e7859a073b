package e2e

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestPatchPublish publishes a patch descriptor to the real registry and reads it back
// over the distribution API, as any OCI client would.
func TestPatchPublish(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "hello-patches.yaml")
	os.WriteFile(file, []byte(`apiVersion: longshore.dev/v1alpha1
kind: PatchDescriptor
rules:
  - match: {name: hello, version: ">=1.0", platform: "linux/*"}
    companions:
      - {name: corp/ca-bundle, version: "^1"}
`), 0o644)
	root := registryAddr + "/e2e/patches"
	first := runOK(t, runOpts{}, "pkg-push", "patch", file, "--for", "hello", "--to", root)
	if !strings.Contains(first.Stdout, "\nkind: PatchPublished\ndescriptor: hello\nrepository: "+root+"/hello\ntag: patches\ndigest: sha256:") {
		t.Fatalf("stdout: %q", first.Stdout)
	}
	again := runOK(t, runOpts{}, "pkg-push", "patch", file, "--for", "hello", "--to", root)
	if again.Stdout != first.Stdout || !strings.Contains(again.Stderr, "already holds these rules") {
		t.Errorf("republishing the same rules: %q / %q", again.Stdout, again.Stderr)
	}
	m := fetchManifest(t, root+"/hello", "patches")
	if m.ArtifactType != "application/vnd.longshore.patches.v1" || m.Config.MediaType != "application/vnd.longshore.patches.config.v1+json" {
		t.Errorf("manifest as served: %+v", m)
	}

	// Rules for any package live where the repository grammar allows them.
	global := filepath.Join(dir, "global.yaml")
	os.WriteFile(global, []byte("apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\nrules:\n  - match: {name: \"lib*\"}\n    companions: [{name: corp/ca-bundle}]\n"), 0o644)
	g := runOK(t, runOpts{}, "pkg-push", "patch", global, "--for", "_global", "--to", root)
	if name := runOK(t, runOpts{}, "pkg-push", "patch", global, "--for", "_global", "--to", root, "-o", "name").Stdout; !strings.Contains(g.Stdout, "\nrepository: "+root+"/global/rules\n") ||
		name != "patchpublished/"+root+"/global/rules:patches\n" {
		t.Errorf("global descriptor: %q, -o name %q", g.Stdout, name)
	}

	// A rule that can never apply to the package it is published for is refused.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\nrules:\n  - match: {name: world}\n    companions: [{name: x}]\n"), 0o644)
	res := run(t, runOpts{}, "pkg-push", "patch", bad, "--for", "hello", "--to", root)
	if res.Code != 2 || !strings.Contains(res.Stderr, `never matches "hello"`) {
		t.Errorf("bad descriptor: exit %d, %s", res.Code, res.Stderr)
	}
}

// TestPatchCompanionsOfAnyPackages runs an operator's day with the real binaries:
// platform-independent packages (installed as platform any) patched by a global
// `platform: OS/*` rule keep their companion through the documented refresh (patch
// sync | pkg-pull -f -) and a re-add, and a companion a changed rule drops is named
// with the command that removes it.
func TestPatchCompanionsOfAnyPackages(t *testing.T) {
	t.Parallel()
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
	root := registryAddr + "/e2e/anypatch"
	for _, name := range []string{"hello", "tool", "cabundle", "proxyconfig"} {
		published := runOK(t, opt, "pkg-push", newPackage(t, name, "1.0.0"), "--to", root+"/"+name, "-o", "yaml")
		if name != "proxyconfig" {
			add := opt
			add.Stdin = published.Stdout
			runOK(t, add, "pkg-tap", "index", "add", "-f", "-", "--to", root+"/index")
		}
	}
	runOK(t, opt, "pkg-tap", "add", "demo", root+"/index")
	proxy := root + "/proxyconfig"
	global := filepath.Join(t.TempDir(), "global.yaml")
	rules := "apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\nrules:\n" +
		"  - match: {platform: \"" + runtime.GOOS + "/*\"}\n    companions: [{ref: " + proxy + "}]\n"
	os.WriteFile(global, []byte(rules+"  - match: {name: hello}\n    companions: [{name: demo/cabundle}]\n"), 0o644)
	runOK(t, opt, "pkg-push", "patch", global, "--for", "_global", "--to", root+"/patches")
	runOK(t, opt, "pkg-dep", "patch", "registry", root+"/patches")

	listed := func() string { return runOK(t, opt, "pkg-pull", "list", "-o", "table").Stdout }
	hasCompanion := func(step, list, name string) {
		t.Helper()
		for _, line := range strings.Split(list, "\n") {
			if f := strings.Fields(line); len(f) > 3 && f[0] == name && f[2] == "any" && f[3] == "patch" {
				return
			}
		}
		t.Errorf("%s: %s is not installed as a patch companion:\n%s", step, name, list)
	}
	runOK(t, opt, "pkg-pull", "add", "hello@^1", "tool")
	hasCompanion("pkg-pull add hello tool", listed(), "proxyconfig")

	sync := runOK(t, opt, "pkg-dep", "patch", "sync", "-o", "yaml")
	if !strings.Contains(sync.Stdout, "name: "+proxy+"\n") {
		t.Errorf("patch sync dropped proxyconfig:\n%s", sync)
	}
	apply := opt
	apply.Stdin = sync.Stdout
	if res := runOK(t, apply, "pkg-pull", "-f", "-"); strings.Contains(res.Stderr, "Warning:") {
		t.Errorf("applying the sync lock: %s", res)
	}
	hasCompanion("after patch sync | pkg-pull -f -", listed(), "proxyconfig")
	if res := runOK(t, opt, "pkg-pull", "add", "hello@^1", "-o", "yaml"); !strings.Contains(res.Stdout, "name: proxyconfig\n") {
		t.Errorf("pkg-pull add hello again left proxyconfig out of its lock:\n%s", res)
	}
	if list := runOK(t, opt, "pkg-dep", "patch", "list", "-o", "table").Stdout; !strings.Contains(list, "\nhello ") || !strings.Contains(list, "\ntool ") || strings.Contains(list, "\nproxyconfig ") {
		t.Errorf("patch list:\n%s", list)
	}
	if why := runOK(t, opt, "pkg-dep", "why", "proxyconfig", "-o", "table").Stdout; !strings.Contains(why, "hello 1.0.0 -(patch)-> "+proxy+" 1.0.0\n") {
		t.Errorf("why proxyconfig:\n%s", why)
	}

	// The site drops the cabundle rule: sync and the install name it, and it stays
	// installed until removed.
	os.WriteFile(global, []byte(rules), 0o644)
	runOK(t, opt, "pkg-push", "patch", global, "--for", "_global", "--to", root+"/patches")
	sync = runOK(t, opt, "pkg-dep", "patch", "sync", "-o", "yaml")
	if !strings.Contains(sync.Stderr, "Warning: cabundle is a patch companion no rule adds any more, so once this lock is installed nothing needs it: pkg-pull remove cabundle\n") {
		t.Errorf("patch sync after the rule changed: %s", sync)
	}
	apply.Stdin = sync.Stdout
	if res := runOK(t, apply, "pkg-pull", "-f", "-"); !strings.Contains(res.Stderr, "Warning: cabundle is a patch companion no installed package needs any more: pkg-pull remove cabundle\n") {
		t.Errorf("applying the sync lock without cabundle: %s", res)
	}
	hasCompanion("after the rule changed", listed(), "cabundle")
	runOK(t, opt, "pkg-pull", "remove", "cabundle")
	if res := runOK(t, apply, "pkg-pull", "-f", "-"); strings.Contains(res.Stderr, "Warning:") || strings.Contains(listed(), "cabundle") {
		t.Errorf("after removing cabundle: %s", res)
	}
}
