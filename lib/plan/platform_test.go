package plan

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/resolve"
	"longshore.dev/lib/store"
)

// anyUniverse is a tap (hello, tool) and a patch registry whose global rule adds the
// platform-independent proxyconfig, named by repository, to every package on this
// machine's OS: `platform: OS/*`, as a site writes `linux/*`. It returns the home and
// proxyconfig's repository.
func anyUniverse(t *testing.T) (home, proxy string) {
	t.Helper()
	home = t.TempDir()
	addTap(t, home, "main", true, entry("hello", v("1.0.0")), entry("tool", v("1.0.0")))
	proxy = "ocidir://" + filepath.Join(t.TempDir(), "demo", "proxyconfig")
	publishPackage(t, proxy, "proxyconfig", "2.1.0", nil)
	tagLayout(t, proxy, "2.1.0", "2.1.0")
	registry := "ocidir://" + filepath.Join(t.TempDir(), "patches")
	os, _, _ := strings.Cut(store.HostPlatform(), "/")
	publishDescriptor(t, registry, "_global", "  - match: {platform: \""+os+"/*\"}\n    companions: [{ref: \""+proxy+"\"}]\n")
	setPatches(t, home, registry, true)
	return home, proxy
}

// installedAny records packages ("name reason [companion]") as pkg-pull records
// platform-independent ones: platform any; proxyconfig by its repository, no tap.
func installedAny(t *testing.T, home, proxy string, lines ...string) {
	t.Helper()
	installedOn(t, home, proxy, "any", lines...)
}

// installedOn is installedAny on platform.
func installedOn(t *testing.T, home, proxy, platform string, lines ...string) {
	t.Helper()
	var docs []any
	for _, l := range lines {
		f := strings.Fields(l)
		inst := api.NewInstalled()
		inst.Name, inst.Version, inst.Reason, inst.Platform = f[0], "1.0.0", f[1], platform
		inst.Tap, inst.Source = "main", "registry.example/"+f[0]+"@"+fakeDigest(f[0]+"1.0.0")
		if f[0] == "proxyconfig" {
			inst.Version, inst.Tap, inst.Source = "2.1.0", "", proxy+"@"+fakeDigest("proxyconfig")
		}
		inst.Digest = fakeDigest(inst.Source)
		inst.Path = "pkgs/sha256/" + strings.TrimPrefix(inst.Digest, "sha256:")
		if len(f) > 2 {
			inst.Patches = strings.Split(f[2], ",")
		}
		docs = append(docs, inst)
	}
	writeRecords(t, home, docs...)
}

// A platform-independent package is installed as `any`, which is no platform: the
// rules keep matching it on this machine's platform when it is held by pkg-pull add,
// pinned by patch sync, or listed by patch list, as they did when it was first solved.
func TestAnyPlatformIsNoPreference(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home, proxy := anyUniverse(t)
	const withProxy = "hello 1.0.0 requested main\n" + "PROXY 2.1.0 patch"
	want := strings.ReplaceAll(withProxy, "PROXY", proxy)

	// The first solve, and a request that says `any` (a PackageRef's platform).
	for _, platform := range []string{"", "any"} {
		lock, err := Resolve(ctx, home, []resolve.Request{{Name: "hello", Platform: platform}}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := summary(lock); got != want {
			t.Errorf("resolve hello (platform %q):\n%s\nwant:\n%s", platform, got, want)
		}
	}

	installedAny(t, home, proxy, "hello explicit "+proxy, "tool explicit "+proxy, "proxyconfig patch")
	// pkg-pull add hello again: tool is held at its installed version, platform any.
	lock, err := ResolveAdd(ctx, home, []resolve.Request{{Name: "hello", Constraint: "^1"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(lock); got != want {
		t.Errorf("add hello with tool installed:\n%s\nwant:\n%s", got, want)
	}
	// pkg-dep patch sync: every installed package pinned, platform any.
	res, err := Sync(ctx, home, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(res.Lock), strings.ReplaceAll("hello 1.0.0 requested main\ntool 1.0.0 requested main\nPROXY 2.1.0 patch", "PROXY", proxy); got != want {
		t.Errorf("sync:\n%s\nwant:\n%s", got, want)
	}
	// pkg-dep patch list: the rule applies to hello and tool, on this machine's
	// platform, and not to proxyconfig itself (the solver never adds a package to
	// itself).
	targets, err := InstalledTargets(home)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := Rules(home, targets)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := appliedLines(rules), "hello: "+proxy+" by _global rule 0\ntool: "+proxy+" by _global rule 0"; got != want {
		t.Errorf("rules of the installed packages:\n%s\nwant:\n%s", got, want)
	}
	for _, tg := range targets {
		if tg.Platform != store.HostPlatform() {
			t.Errorf("target %+v: want platform %s", tg, store.HostPlatform())
		}
	}
	// why looks the companion up by the name it is installed under.
	if key, ok, err := InstalledPackage(home, "proxyconfig"); err != nil || !ok || key != proxy {
		t.Errorf("InstalledPackage(proxyconfig) = %q, %v, %v; want %s", key, ok, err, proxy)
	}
	if _, ok, err := InstalledPackage(home, "gone"); err != nil || ok {
		t.Errorf("InstalledPackage(gone) = %v, %v", ok, err)
	}
}

// A package installed for a platform keeps matching on it: a rule for that platform
// applies, one for this machine's does not.
func TestInstalledPlatformKeepsMatching(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home, _ := patchUniverse(t, true)
	writeInstalled(t, home, "main/hello 1.1.0 explicit", "main/libgreet 1.2.0 dependency", "main/zlib 1.3.0 dependency")
	// writeInstalled records linux/amd64; make it darwin/arm64, what `pkg-pull add
	// --platform darwin/arm64` records.
	setInstalledPlatform(t, home, "darwin/arm64")
	res, err := Sync(ctx, home, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(res.Lock); !strings.Contains(got, "tool 3.1.0 patch main") || strings.Contains(got, "ca-bundle") {
		t.Errorf("sync of darwin/arm64 packages: rule 1 of hello (darwin/*) should apply, rule 0 (linux/*) not:\n%s", got)
	}
	targets, err := InstalledTargets(home)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := Rules(home, targets)
	if err != nil {
		t.Fatal(err)
	}
	if got := appliedLines(rules); !strings.Contains(got, "hello: tool by hello rule 1") || strings.Contains(got, "ca-bundle") {
		t.Errorf("rules of darwin/arm64 packages:\n%s", got)
	}
}

func setInstalledPlatform(t *testing.T, home, platform string) {
	t.Helper()
	list, err := listInstalled(home)
	if err != nil {
		t.Fatal(err)
	}
	var docs []any
	for _, inst := range list {
		inst.Platform = platform
		inst.Path = "pkgs/sha256/" + strings.TrimPrefix(inst.Digest, "sha256:")
		docs = append(docs, inst)
	}
	writeRecords(t, home, docs...)
}

// appliedLines is rules as "package: companion by descriptor rule N" lines.
func appliedLines(rules []Applied) string {
	var lines []string
	for _, a := range rules {
		lines = append(lines, a.Package+": "+a.Companion+" by "+a.Descriptor+" rule "+itoa(a.Rule))
	}
	return strings.Join(lines, "\n")
}
