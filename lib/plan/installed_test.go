package plan

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/resolve"
	"longshore.dev/lib/stream"
	"longshore.dev/lib/tap"
)

// installLock records a lock's packages in home's installed.yaml as pkg-pull -f does:
// the platform's manifest, the source pinned by the root digest, the edges.
func installLock(t *testing.T, home string, lock *api.Lock, platform string) {
	t.Helper()
	var docs []any
	for _, name := range lock.Order {
		p, _ := lock.Package(name)
		inst := api.NewInstalled()
		inst.Name, inst.Version, inst.Tap, inst.Platform = p.Name, p.Version, p.Tap, platform
		for _, pl := range p.Platforms {
			if pl.Platform == platform {
				inst.Digest = pl.Digest
			}
		}
		inst.Source = p.Repository + "@" + p.Digest
		inst.Index = p.Digest
		inst.Path = "pkgs/sha256/" + strings.TrimPrefix(inst.Digest, "sha256:")
		inst.Reason = p.Reason
		if inst.Reason == api.ReasonRequested {
			inst.Reason = api.ReasonExplicit
		}
		inst.Dependencies, inst.Patches = p.Dependencies, p.Patches
		docs = append(docs, inst)
	}
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, docs...); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "installed.yaml"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// onlyInstalledPlatform is lock with the named packages' platforms cut to the one
// installed: all installed.yaml knows of a version once its tap is gone.
func onlyInstalledPlatform(t *testing.T, lock *api.Lock, platform string, names ...string) *api.Lock {
	t.Helper()
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, lock); err != nil {
		t.Fatal(err)
	}
	docs, err := stream.Decode(&buf, "lock.yaml", api.Kinds)
	if err != nil {
		t.Fatal(err)
	}
	out := docs[0].Value.(*api.Lock)
	for i := range out.Packages {
		p := &out.Packages[i]
		if slices.Contains(names, p.Name) {
			p.Platforms = slices.DeleteFunc(p.Platforms, func(pl api.Platform) bool { return pl.Platform != platform })
		}
	}
	return out
}

// TestInstalledIsWhatIsInstalled: the graph of the installed packages (tree and why
// without -f) is installed.yaml as it is. With every tap there it is the lock a solve
// of the installed versions gives, byte for byte; once the tap some packages came from
// is removed (pkg-tap remove --force) it still shows them, with their taps, edges and
// reasons, where a solve fails.
func TestInstalledIsWhatIsInstalled(t *testing.T) {
	t.Parallel()
	home, registry := patchUniverse(t, true)
	addTap(t, home, "demo", false,
		entry("greeter", v("1.0.0", "zlib@^1", "demo/voice@^1"), v("1.1.0", "zlib@^1")),
		entry("voice", v("1.0.0")),
	)
	ctx := context.Background()
	const platform = "linux/amd64"
	opts := Options{Platform: platform}
	// What installing demo/greeter and main/hello would record, as the installed
	// packages' solve asked for it (installed.yaml is in name order).
	pins := []resolve.Request{{Name: "demo/greeter", Constraint: "=1.0.0", Platform: platform}, {Name: "main/hello", Constraint: "=1.1.0", Platform: platform}}
	solved, err := Resolve(ctx, home, pins, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(solved), "voice 1.0.0 dependency demo\nzlib 1.3.0 dependency main\ngreeter 1.0.0 requested demo\nlibgreet 1.2.0 dependency main\ncerts 1.0.0 patch main\nhello 1.1.0 requested main\nca-bundle 1.0.0 patch main\nproxy 1.0.0 patch main"; got != want {
		t.Fatalf("the lock to install:\n%s\nwant:\n%s", got, want)
	}
	installLock(t, home, solved, platform)

	inst, err := Installed(ctx, home, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := lockYAML(t, inst), lockYAML(t, solved); got != want {
		t.Errorf("installed:\n%s\nwant the lock it was installed from:\n%s", got, want)
	}

	// A rule changed since: the graph still shows the companions installed.
	publishDescriptor(t, registry, "hello", "  - match: {name: hello}\n    companions: [{name: tool}]\n")
	if _, err := Sync(ctx, home, opts); err != nil {
		t.Fatal(err)
	}
	if again, err := Installed(ctx, home, opts); err != nil || lockYAML(t, again) != lockYAML(t, solved) {
		t.Errorf("after the rules changed: %v\n%s", err, lockYAML(t, again))
	}

	// demo removed, as `pkg-tap remove demo --force` does: the same graph, and only the
	// installed platform of demo's packages (the caches no longer know the others).
	if _, _, err := tap.Remove(home, "demo", true); err != nil {
		t.Fatal(err)
	}
	inst, err = Installed(ctx, home, opts)
	if err != nil {
		t.Fatalf("the tap of greeter is gone, and the installed graph failed: %v", err)
	}
	if got, want := lockYAML(t, inst), lockYAML(t, onlyInstalledPlatform(t, solved, platform, "greeter", "voice")); got != want {
		t.Errorf("without tap demo:\n%s\nwant:\n%s", got, want)
	}
	if errs := Check(inst); len(errs) != 0 {
		t.Errorf("Check: %v", errs)
	}

	// No tap at all.
	if _, _, err := tap.Remove(home, "main", true); err != nil {
		t.Fatal(err)
	}
	inst, err = Installed(ctx, home, opts)
	if err != nil {
		t.Fatalf("no taps: %v", err)
	}
	all := onlyInstalledPlatform(t, solved, platform, "ca-bundle", "certs", "greeter", "hello", "libgreet", "proxy", "voice", "zlib")
	if got, want := lockYAML(t, inst), lockYAML(t, all); got != want {
		t.Errorf("without taps:\n%s\nwant:\n%s", got, want)
	}
}

// TestInstalledKeepsWhatInstalledYAMLSays: edges to packages that are not installed are
// left out, a package installed by reference keeps its repository as its name, and
// edges that make a cycle still give a graph (in name order).
func TestInstalledKeepsWhatInstalledYAMLSays(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	addTap(t, home, "main", false, entry("app", v("1.0.0", "lib@^1")), entry("lib", v("1.0.0")))
	writeInstalled(t, home, "main/app 1.0.0 explicit lib,gone", "main/lib 1.0.0 dependency", "fonts 2.0.0 explicit")
	lock, err := Installed(context.Background(), home, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(lock), "lib 1.0.0 dependency main\napp 1.0.0 requested main\nregistry.example/fonts 2.0.0 requested"; got != want {
		t.Errorf("installed:\n%s\nwant:\n%s", got, want)
	}
	if app, _ := lock.Package("app"); !slices.Equal(app.Dependencies, []string{"lib"}) {
		t.Errorf("app's dependencies: %v", app.Dependencies)
	}
	if lib, _ := lock.Package("lib"); !slices.Equal(lib.RequiredBy, []string{"app"}) {
		t.Errorf("lib's requiredBy: %v", lib.RequiredBy)
	}
	var requests []string
	for _, r := range lock.Requests {
		requests = append(requests, r.Name+"@"+r.Version)
	}
	if got := strings.Join(requests, " "); got != "main/app@=1.0.0 registry.example/fonts@=2.0.0" {
		t.Errorf("requests: %s", got)
	}

	writeInstalled(t, home, "main/app 1.0.0 explicit lib", "main/lib 1.0.0 dependency app")
	lock, err = Installed(context.Background(), home, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lock.Order, " "); got != "app lib" {
		t.Errorf("order of a cycle: %s", got)
	}
}

// TestSolveInstalledTapGone: sync (and pkg-pull add, which holds what is installed)
// still solve the installed packages; when one's tap is gone the error says it is
// installed, not requested, and the hint says what to do about the tap.
func TestSolveInstalledTapGone(t *testing.T) {
	t.Parallel()
	home, _ := patchUniverse(t, true)
	addTap(t, home, "demo", false, entry("libgreet", v("1.1.0")), entry("greeter", v("1.0.0", "demo/libgreet@^1")))
	writeInstalled(t, home, "main/zlib 1.3.0 explicit", "demo/greeter 1.0.0 explicit libgreet", "demo/libgreet 1.1.0 dependency")
	if _, _, err := tap.Remove(home, "demo", true); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	opts := Options{Platform: "linux/amd64", Offline: true}

	_, err := Sync(ctx, home, opts)
	want := `Because the installed packages include demo/libgreet =1.1.0, which doesn't exist (no tap named "demo"), version solving failed.`
	hint := "tap demo is no longer configured, and installed packages came from it: add it back with `pkg-tap add demo REF`, or remove those packages with `pkg-pull remove greeter`"
	if err == nil || err.Error() != want || fault.HintOf(err) != hint || cli.ExitCode(err) != cli.ExitNotFound {
		t.Errorf("sync: %v (hint %q, exit %d)\nwant %s\nand hint %q", err, fault.HintOf(err), cli.ExitCode(err), want, hint)
	}

	// pkg-pull add holds the explicit installs, but not one whose tap is gone (its
	// versions went with it), nor its libgreet (from that tap too): it warns and adds
	// what leaves them alone.
	var warnings []string
	addOpts := opts
	addOpts.Warn = func(format string, args ...any) { warnings = append(warnings, fmt.Sprintf(format, args...)) }
	lock, err := ResolveAdd(ctx, home, []resolve.Request{{Name: "tool"}}, addOpts)
	if err != nil {
		t.Fatalf("add with an installed package's tap gone: %v (hint %q)", err, fault.HintOf(err))
	}
	if _, ok := lock.Package("tool"); !ok || len(warnings) != 2 || !strings.Contains(warnings[0], "greeter 1.0.0 came through tap demo, which is no longer configured") ||
		!strings.Contains(warnings[1], "libgreet 1.1.0, which greeter 1.0.0 depends on, came through tap demo") {
		t.Errorf("add: %s, warnings %q", summary(lock), warnings)
	}
	// hello would switch greeter's libgreet to main's: refused.
	_, err = ResolveAdd(ctx, home, []resolve.Request{{Name: "hello"}}, opts)
	want = "adding would replace libgreet 1.1.0 with libgreet 1.2.0 (tap main), and greeter 1.0.0 depends on libgreet 1.1.0: they came through tap demo, which is no longer configured, so they cannot be held"
	if err == nil || err.Error() != want || cli.ExitCode(err) != cli.ExitConflict {
		t.Errorf("add hello: %v\nwant %s", err, want)
	}

	// What is missing has nothing to do with the tap that is gone: no such hint.
	writeInstalled(t, home, "main/zlib 1.3.0 explicit")
	if _, err := ResolveAdd(ctx, home, reqs("nope"), opts); err == nil || strings.Contains(fault.HintOf(err), "no longer configured") {
		t.Errorf("add nope: %v (hint %q)", err, fault.HintOf(err))
	}
}
