package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"longshore.dev/lib/api"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/publish"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/store"
	"longshore.dev/lib/stream"
)

// publishLayout pushes a package without platforms (platform any) to the layout repo,
// tagged with its version, and returns its digest.
func publishLayout(t *testing.T, repo, name, version string) string {
	t.Helper()
	dir := t.TempDir()
	yaml := "apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata:\n  name: " + name + "\n  version: " + version + "\n"
	if err := os.WriteFile(filepath.Join(dir, "package.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := pkgspec.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := publish.Build(dir, spec, publish.Options{Created: time.Unix(1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	r, err := ref.ParseArtifact(repo)
	if err != nil {
		t.Fatal(err)
	}
	target, err := oci.Open(context.Background(), r, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	res, err := publish.Push(context.Background(), target, a, publish.PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Published.Digest
}

// anyHome is a home with platform-independent hello and tool installed (platform
// any), each patched by proxyconfig, which a global rule for this machine's OS
// (`platform: OS/*`, as a site writes `linux/*`) names by repository. It returns the
// environment and proxyconfig's repository.
func anyHome(t *testing.T) (map[string]string, string) {
	t.Helper()
	env := newHome(t)
	home := env["LONGSHORE_HOME"]
	proxy := "ocidir://" + filepath.Join(t.TempDir(), "demo", "proxyconfig")
	digest := publishLayout(t, proxy, "proxyconfig", "2.1.0")
	registry := "ocidir://" + filepath.Join(t.TempDir(), "patches")
	goos, _, _ := strings.Cut(store.HostPlatform(), "/")
	publishDescriptor(t, registry, "_global", "  - match: {platform: \""+goos+"/*\"}\n    companions: [{ref: \""+proxy+"\"}]\n")
	mustRun(t, env, "", "patch", "registry", registry)

	var records []any
	for _, name := range []string{"hello", "tool", "proxyconfig"} {
		inst := api.NewInstalled()
		inst.Name, inst.Platform = name, "any"
		switch name {
		case "proxyconfig":
			inst.Version, inst.Reason, inst.Source = "2.1.0", api.ReasonPatch, proxy+":2.1.0@"+digest
		default:
			inst.Version, inst.Reason, inst.Tap = "1.1.0", api.ReasonExplicit, "main"
			if name == "tool" {
				inst.Version = "3.1.0"
			}
			inst.Source = "registry.example/" + name + "@" + fakeDigest(name+inst.Version)
			inst.Patches = []string{"proxyconfig"}
		}
		inst.Digest = fakeDigest(inst.Source)
		inst.Path = "pkgs/sha256/" + strings.TrimPrefix(inst.Digest, "sha256:")
		records = append(records, inst)
	}
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, records...); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "installed.yaml"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return env, proxy
}

// Installed as `any`, hello and tool are still matched on this machine's platform:
// patch sync keeps proxyconfig, patch list and patch why show the rule (and never as
// applying to proxyconfig itself), and why finds proxyconfig by the name pkg-pull
// list shows.
func TestPatchesOfAnyPlatformPackages(t *testing.T) {
	t.Parallel()
	env, proxy := anyHome(t)

	sync := mustRun(t, env, "", "patch", "sync", "-o", "yaml")
	if !strings.Contains(sync.Stdout, "  - name: "+proxy+"\n") || !strings.Contains(sync.Stdout, "    patches:\n      - "+proxy+"\n") {
		t.Errorf("patch sync dropped proxyconfig:\n%s", sync.Stdout)
	}

	list := mustRun(t, env, "", "patch", "list", "-o", "table").Stdout
	for _, pkg := range []string{"hello", "tool"} {
		if !strings.Contains(list, pkg+" ") {
			t.Errorf("patch list leaves out the rule for %s:\n%s", pkg, list)
		}
	}
	if strings.Contains(list, "\nproxyconfig ") || strings.Contains(list, "\n"+proxy+" ") || strings.Count(list, "\n") != 3 {
		t.Errorf("patch list: want the header and the rows of hello and tool:\n%s", list)
	}
	why := mustRun(t, env, "", "patch", "why", "proxyconfig", "-o", "table").Stdout
	for _, want := range []string{
		proxy + " is a companion of hello 1.1.0: rule 0 of _global",
		proxy + " is a companion of tool 3.1.0: rule 0 of _global",
	} {
		if !strings.Contains(why, want) {
			t.Errorf("patch why proxyconfig:\n%s\nwant a line %q", why, want)
		}
	}
	if strings.Contains(why, "companion of proxyconfig") || strings.Contains(why, "companion of "+proxy) {
		t.Errorf("patch why shows a rule applying to its own companion:\n%s", why)
	}

	r := mustRun(t, env, "", "why", "proxyconfig", "-o", "table")
	if want := "hello 1.1.0 -(patch)-> " + proxy + " 2.1.0\ntool 3.1.0 -(patch)-> " + proxy + " 2.1.0\n"; r.Stdout != want {
		t.Errorf("why proxyconfig:\n%s\nwant:\n%s", r, want)
	}
}

// A rule names proxyconfig by repository, and a tap lists that repository too, as a
// site's own tap does. pkg-pull records the companion as the rule named it (no tap), so
// it keeps that name everywhere: patch why and why find it by the name pkg-pull list
// shows, and tree names it as patch sync does.
func TestRefCompanionListedByATap(t *testing.T) {
	t.Parallel()
	env, proxy := anyHome(t)
	site := entry("proxyconfig", "2.1.0")
	site.Repository = proxy
	addTap(t, env["LONGSHORE_HOME"], "site", site)
	sync := mustRun(t, env, "", "patch", "sync", "-o", "yaml").Stdout

	why := mustRun(t, env, "", "patch", "why", "proxyconfig", "-o", "table").Stdout
	if want := proxy + " is a companion of hello 1.1.0: rule 0 of _global"; !strings.Contains(why, want) {
		t.Errorf("patch why proxyconfig:\n%s\nwant a line %q", why, want)
	}
	r := mustRun(t, env, "", "why", "proxyconfig", "-o", "table")
	if want := "hello 1.1.0 -(patch)-> " + proxy + " 2.1.0\ntool 3.1.0 -(patch)-> " + proxy + " 2.1.0\n"; r.Stdout != want {
		t.Errorf("why proxyconfig:\n%s\nwant:\n%s", r.Stdout, want)
	}
	tree := mustRun(t, env, "", "tree", "-o", "yaml").Stdout
	for _, out := range []string{tree, sync} {
		if !strings.Contains(out, "  - name: "+proxy+"\n") || strings.Contains(out, "name: proxyconfig\n") {
			t.Errorf("want proxyconfig named %s, as the rule names it:\n%s", proxy, out)
		}
	}
}

// With patches.required false and the registry unreachable, sync says which
// descriptors it used as cached before, does not claim to have checked them, and does
// not claim to have used those never cached from this registry.
func TestPatchSyncRegistryUnreachable(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	writeInstalled(t, env, "main/hello 1.1.0 explicit", "main/libgreet 1.2.0 dependency", "main/zlib 1.3.0 dependency")
	mustRun(t, env, "", "patch", "sync", "-o", "yaml") // caches the ocidir registry's answers
	mustRun(t, env, "", "patch", "registry", "127.0.0.1:1/patches", "--required=false")
	r := mustRun(t, env, "", "patch", "sync", "-o", "yaml")
	if !strings.Contains(r.Stderr, "Warning: patch registry 127.0.0.1:1/patches cannot be read (patches.required is false") {
		t.Errorf("no warning:\n%s", r.Stderr)
	}
	// What was cached came from the other registry: none of it is used.
	const want = "The patch registry could not be read, and no descriptor was cached before. None was cached for _global, hello, libgreet, zlib, so no rules of theirs apply.\n"
	if !strings.Contains(r.Stderr, want) || strings.Contains(r.Stderr, "up to date") || strings.Contains(r.Stderr, "checked:") || strings.Contains(r.Stdout, "reason: patch") {
		t.Errorf("sync with the registry unreachable:\n%s\nwant %q and no companion", r, want)
	}
	if r := mustRun(t, env, "", "patch", "sync", "-o", "yaml", "--offline"); !strings.Contains(r.Stderr, "Offline: no descriptor was cached before. None was cached for _global, hello, libgreet, zlib") {
		t.Errorf("sync --offline with nothing cached from this registry:\n%s", r.Stderr)
	}
}

// A companion installed before that no rule adds any more is named, with the command
// that removes it: installing the lock leaves it installed with nothing needing it.
func TestPatchSyncNamesDroppedCompanions(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	writeInstalled(t, env, "main/hello 1.1.0 explicit", "main/libgreet 1.2.0 dependency", "main/zlib 1.3.0 dependency", "main/tool 3.1.0 patch")
	r := mustRun(t, env, "", "patch", "sync", "-o", "yaml")
	const want = "Warning: tool is a patch companion no rule adds any more, so once this lock is installed nothing needs it: pkg-pull remove tool\n"
	if !strings.Contains(r.Stderr, want) || strings.Contains(r.Stdout, "name: tool") {
		t.Errorf("sync with tool installed as a companion no rule adds:\n%s\nwant %q", r, want)
	}
	if r := mustRun(t, env, "", "patch", "sync", "-o", "yaml"); strings.Count(r.Stderr, "Warning:") != 1 {
		t.Errorf("the warning is given on every sync until tool is removed:\n%s", r.Stderr)
	}
	writeInstalled(t, env, "main/hello 1.1.0 explicit", "main/libgreet 1.2.0 dependency", "main/zlib 1.3.0 dependency", "main/ca-bundle 1.0.0 patch")
	if r := mustRun(t, env, "", "patch", "sync", "-o", "yaml"); strings.Contains(r.Stderr, "Warning:") {
		t.Errorf("ca-bundle is still added by a rule:\n%s", r.Stderr)
	}
}

// A site rule that cannot be met names the rule and the descriptor, and the way on
// the hint gives works.
func TestBadRuleNamesTheSite(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	registry, _, _ := strings.Cut(mustRun(t, env, "", "patch", "registry").Stdout, " ")
	publishDescriptor(t, registry, "_global", "  - match: {name: hello}\n    companions: [{name: main/ca-bundle, version: \"^9\"}]\n")
	r := pkgDep(t, env, "", "resolve", "hello@^1")
	for _, want := range []string{
		"Error: Because a patch for hello (rule 0 of _global) adds main/ca-bundle ^9, which matches no version of ca-bundle (it has 1.0.0), version solving failed.\n",
		"Hint: the site's patch rules ask for this, not you: rule 0 of patch descriptor _global (" + registry + "/global/rules:patches@sha256:",
		") adds main/ca-bundle@^9 to hello. Ask the site's administrator to fix rule 0 of _global; until then `pkg-dep resolve --no-patches` resolves without patch rules",
	} {
		if r.Code != 5 || !strings.Contains(r.Stderr, want) {
			t.Errorf("resolve hello with a bad rule:\n%s\nwant exit 5 and %q", r, want)
		}
	}
	if r := mustRun(t, env, "", "resolve", "hello@^1", "--no-patches", "-o", "yaml"); strings.Contains(r.Stdout, "ca-bundle") {
		t.Errorf("--no-patches:\n%s", r)
	}
}
