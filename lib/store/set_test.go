package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/api"
	"longshore.dev/lib/archive"
	"longshore.dev/lib/artifact"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/filelock"
	"longshore.dev/lib/internal/diskio"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/ref"
)

// lockPackage describes a published package as a Lock does: by repository and digest
// only, with its edges. The layout is already open (and locked) by the test: the
// package reuses that target.
func lockPackage(name string, t *oci.Target, root ocispec.Descriptor, reason string, deps, patches []string) Package {
	return Package{
		Name: name, Version: "1.0.0", Repository: t.Ref.WithTag(""), Root: ocispec.Descriptor{Digest: root.Digest},
		Platforms: []api.Platform{{Platform: "any", Digest: root.Digest.String()}},
		Reason:    reason, Dependencies: deps, Patches: patches, Edges: true, Target: t,
	}
}

// toolbox publishes app (depends on lib, patched by ca) and returns the set, in order.
func toolbox(t *testing.T) []Package {
	t.Helper()
	tl, rl := published(t, "lib", "  bin: [bin/lib]\n", map[string]string{"bin/lib": "#!/bin/sh\n"})
	ta, ra := published(t, "app", "  bin: [bin/app]\n", map[string]string{"bin/app": "#!/bin/sh\n"})
	tc, rc := published(t, "ca", "", map[string]string{"ca.pem": "cert"})
	return []Package{
		lockPackage("lib", tl, rl, api.ReasonDependency, nil, nil),
		lockPackage("app", ta, ra, api.ReasonExplicit, []string{"lib"}, []string{"ca"}),
		lockPackage("ca", tc, rc, api.ReasonPatch, nil, nil),
	}
}

func names(list []*api.Installed) []string {
	var out []string
	for _, i := range list {
		out = append(out, i.Name)
	}
	return out
}

func TestInstallSetRecordsEdgesAndReasons(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	set := toolbox(t)
	out, err := s.InstallSet(context.Background(), set, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(out); !slices.Equal(got, []string{"lib", "app", "ca"}) {
		t.Errorf("records in %v, want the set's order", got)
	}
	list, _ := s.List()
	byName := recordsByName(list)
	app := byName["app"]
	if app == nil || app.Reason != api.ReasonExplicit || !slices.Equal(app.Dependencies, []string{"lib"}) || !slices.Equal(app.Patches, []string{"ca"}) {
		t.Fatalf("app record: %+v", app)
	}
	if byName["lib"].Reason != api.ReasonDependency || byName["ca"].Reason != api.ReasonPatch {
		t.Errorf("reasons: lib %s, ca %s", byName["lib"].Reason, byName["ca"].Reason)
	}
	if !strings.HasPrefix(app.Source, "ocidir://") || !strings.Contains(app.Source, "@sha256:") {
		t.Errorf("source %q is not pinned by digest", app.Source)
	}
	// An explicit package stays explicit when a later set brings it as a dependency.
	lib := set[0]
	lib.Reason = api.ReasonExplicit
	if _, err := s.InstallSet(context.Background(), []Package{lib}, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InstallSet(context.Background(), set, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	list, _ = s.List()
	if list[slices.IndexFunc(list, func(i *api.Installed) bool { return i.Name == "lib" })].Reason != api.ReasonExplicit {
		t.Errorf("lib lost its explicit reason")
	}
}

func TestInstallSetIsAllOrNothing(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	set := toolbox(t)
	// A fourth package whose content is missing from its layout fails the whole set.
	tb, rb := published(t, "broken", "", map[string]string{"f": strings.Repeat("x", 4096)})
	removeBiggestBlob(t, tb.Ref.Path)
	set = append(set, lockPackage("broken", tb, rb, api.ReasonExplicit, nil, nil))
	if _, err := s.InstallSet(context.Background(), set, InstallOptions{}); err == nil {
		t.Fatal("a set with an unfetchable package installed")
	}
	if list, _ := s.List(); len(list) != 0 {
		t.Errorf("a failed set recorded %v", names(list))
	}
	assertEmpty(t, filepath.Join(s.Home, "bin"))
	assertEmpty(t, filepath.Join(s.Home, "tmp"))
}

func removeBiggestBlob(t *testing.T, layout string) {
	t.Helper()
	blobs := filepath.Join(layout, "blobs", "sha256")
	ents, _ := os.ReadDir(blobs)
	var biggest string
	var size int64
	for _, e := range ents {
		if info, _ := e.Info(); info.Size() > size {
			biggest, size = e.Name(), info.Size()
		}
	}
	if err := os.Remove(filepath.Join(blobs, biggest)); err != nil {
		t.Fatal(err)
	}
}

func TestBinClashWithinOneSet(t *testing.T) {
	t.Parallel()
	t1, r1 := published(t, "one", "  bin: [bin/tool]\n", map[string]string{"bin/tool": "1"})
	t2, r2 := published(t, "two", "  bin: [bin/tool]\n", map[string]string{"bin/tool": "2"})
	s := openStore(t)
	_, err := s.InstallSet(context.Background(), []Package{
		lockPackage("one", t1, r1, api.ReasonExplicit, nil, nil),
		lockPackage("two", t2, r2, api.ReasonExplicit, nil, nil),
	}, InstallOptions{})
	if fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), "one 1.0.0") || !strings.Contains(err.Error(), "two 1.0.0") {
		t.Fatalf("clash in one set: %v", err)
	}
	if list, _ := s.List(); len(list) != 0 {
		t.Errorf("recorded %v despite the clash", names(list))
	}
	assertEmpty(t, filepath.Join(s.Home, "bin"))
}

func TestRemove(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	if _, err := s.InstallSet(context.Background(), toolbox(t), InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Remove(context.Background(), []string{"lib"}, false, nil)
	if fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), "app 1.0.0 depends on lib") {
		t.Fatalf("removing a dependency: %v", err)
	}
	if _, err := s.Remove(context.Background(), []string{"nope"}, false, nil); fault.KindOf(err) != fault.NotFound {
		t.Errorf("removing what is not installed: %v", err)
	}
	// Removing the companion alone is allowed; app stops naming it.
	res, err := s.Remove(context.Background(), []string{"ca"}, false, nil)
	if err != nil || len(res.Removed) != 1 {
		t.Fatalf("removing a companion: %+v %v", res, err)
	}
	list, _ := s.List()
	if got := names(list); !slices.Equal(got, []string{"app", "lib"}) || list[0].Patches != nil {
		t.Errorf("after removing ca: %v, app patches %v", got, list[0].Patches)
	}
	// --cascade takes the dependents; nothing is left to need anything.
	res, err = s.Remove(context.Background(), []string{"lib"}, true, nil)
	if err != nil || !slices.Equal(names(res.Removed), []string{"app", "lib"}) {
		t.Fatalf("cascade: %+v %v", res, err)
	}
	if list, _ := s.List(); len(list) != 0 {
		t.Errorf("left %v", names(list))
	}
	assertEmpty(t, filepath.Join(s.Home, "bin"))
	// The bytes stay for pkg-gc.
	if ents, _ := os.ReadDir(filepath.Join(s.Home, "pkgs", "sha256")); len(ents) != 3 {
		t.Errorf("%d trees left, want the 3 for pkg-gc", len(ents))
	}
}

// Remove takes a package as env, exec and upgrade do: its name, or TAP/NAME of the
// tap it came through. A TAP/NAME of another tap, or of a package installed by
// reference, is not that package, and the error says where it came from.
func TestRemoveByTapAndName(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	pkgs := toolbox(t)
	for i := range pkgs {
		pkgs[i].Tap = "demo"
	}
	tr, rr := published(t, "byref", "", map[string]string{"f": "x"})
	if _, err := s.InstallSet(ctx, pkgs, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Install(ctx, tr, rr, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ arg, want string }{
		{"core/app", "core/app is not installed: the installed app 1.0.0 came through tap demo, not core"},
		{"demo/byref", "demo/byref is not installed: the installed byref 1.0.0 came from " + tr.Ref.Locator() + ", not through tap demo"},
		{"demo/nope", "demo/nope is not installed"},
	} {
		_, err := s.Remove(ctx, []string{tc.arg}, false, nil)
		if fault.KindOf(err) != fault.NotFound || err.Error() != tc.want {
			t.Errorf("remove %s: %v, want %q", tc.arg, err, tc.want)
		}
	}
	if list, _ := s.List(); len(list) != 4 {
		t.Fatalf("a refused remove took records: %v", names(list))
	}
	res, err := s.Remove(ctx, []string{"demo/app"}, false, nil)
	if err != nil || !slices.Equal(names(res.Removed), []string{"app"}) || !slices.Equal(names(res.Unneeded), []string{"ca", "lib"}) {
		t.Fatalf("remove demo/app: %+v %v", res, err)
	}
	if _, err := os.Lstat(filepath.Join(s.BinDir(), "app")); !os.IsNotExist(err) {
		t.Errorf("bin/app stayed after remove demo/app: %v", err)
	}
	if list, _ := s.List(); !slices.Equal(names(list), []string{"byref"}) {
		t.Errorf("after remove demo/app: %v", names(list))
	}
}

// RemovePlan says what Remove would take out, or the error it would fail with, and
// changes nothing: installed.yaml and bin/ stay as they were.
func TestRemovePlan(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	if _, err := s.InstallSet(ctx, toolbox(t), InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(s.Home, "installed.yaml")
	before, _ := os.ReadFile(file)
	links, _ := os.ReadDir(s.BinDir())
	for _, tc := range []struct {
		names             []string
		cascade           bool
		removed, unneeded []string
		err               string
	}{
		{names: []string{"app"}, removed: []string{"app"}, unneeded: []string{"ca", "lib"}},
		{names: []string{"lib"}, err: "app 1.0.0 depends on lib: removing lib would break it"},
		{names: []string{"lib"}, cascade: true, removed: []string{"app", "lib"}, unneeded: []string{"ca"}},
		{names: []string{"ca"}, removed: []string{"ca"}},
		{names: []string{"nope"}, err: "nope is not installed"},
	} {
		res, err := s.RemovePlan(tc.names, tc.cascade)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("RemovePlan(%v, %v): %v, want %q", tc.names, tc.cascade, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(names(res.Removed), tc.removed) || !slices.Equal(names(res.Unneeded), tc.unneeded) {
			t.Errorf("RemovePlan(%v, %v): %v %v, %v; want %v %v", tc.names, tc.cascade, names(res.Removed), names(res.Unneeded), err, tc.removed, tc.unneeded)
			continue
		}
		if !filepath.IsAbs(res.Removed[0].Path) {
			t.Errorf("RemovePlan(%v): path %s, want it absolute as Remove gives it", tc.names, res.Removed[0].Path)
		}
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Errorf("RemovePlan changed installed.yaml:\n%s\nwas\n%s", after, before)
	}
	if now, _ := os.ReadDir(s.BinDir()); len(now) != len(links) {
		t.Errorf("RemovePlan changed bin/: %d entries, were %d", len(now), len(links))
	}
	// What it said is what Remove does.
	plan, _ := s.RemovePlan([]string{"lib"}, true)
	res, err := s.Remove(ctx, []string{"lib"}, true, nil)
	if err != nil || !slices.Equal(names(res.Removed), names(plan.Removed)) || !slices.Equal(names(res.Unneeded), names(plan.Unneeded)) {
		t.Errorf("Remove after RemovePlan: %v %v, %v; the plan said %v %v", names(res.Removed), names(res.Unneeded), err, names(plan.Removed), names(plan.Unneeded))
	}
}

// UnneededDependencies is what PruneDependencies would take from a list: the
// dependencies no explicit record reaches, not a companion nothing needs (that stays
// until named).
func TestUnneededDependencies(t *testing.T) {
	t.Parallel()
	rec := func(name, reason string, deps, patches []string) *api.Installed {
		return &api.Installed{Name: name, Reason: reason, Dependencies: deps, Patches: patches}
	}
	for _, tc := range []struct {
		list []*api.Installed
		want []string
	}{
		{[]*api.Installed{rec("app", api.ReasonExplicit, []string{"lib"}, []string{"ca"}), rec("ca", api.ReasonPatch, nil, nil), rec("lib", api.ReasonDependency, []string{"zlib"}, nil), rec("zlib", api.ReasonDependency, nil, nil)}, nil},
		{[]*api.Installed{rec("app", api.ReasonExplicit, nil, nil), rec("ca", api.ReasonPatch, nil, nil), rec("lib", api.ReasonDependency, []string{"zlib"}, nil), rec("zlib", api.ReasonDependency, nil, nil)}, []string{"lib", "zlib"}},
		{[]*api.Installed{rec("app", api.ReasonExplicit, []string{"lib"}, nil), rec("lib", api.ReasonExplicit, []string{"zlib"}, nil), rec("zlib", api.ReasonDependency, nil, nil)}, nil},
	} {
		if got := names(UnneededDependencies(tc.list)); !slices.Equal(got, tc.want) {
			t.Errorf("UnneededDependencies(%v): %v, want %v", names(tc.list), got, tc.want)
		}
	}
}

func TestRemoveTakesUnneededDependencies(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	if _, err := s.InstallSet(context.Background(), toolbox(t), InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := s.Remove(context.Background(), []string{"app"}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names(res.Removed), []string{"app"}) || !slices.Equal(names(res.Unneeded), []string{"ca", "lib"}) {
		t.Errorf("removed %v, unneeded %v", names(res.Removed), names(res.Unneeded))
	}
}

// A lock installed without a companion (a rule changed) leaves it installed, and
// UnneededCompanions names it until it is removed.
func TestUnneededCompanions(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	set := toolbox(t)
	if _, err := s.InstallSet(context.Background(), set, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UnneededCompanions(); err != nil || len(got) != 0 {
		t.Fatalf("with app patched by ca: %v %v, want none", names(got), err)
	}
	app := set[1]
	app.Patches = nil
	if _, err := s.InstallSet(context.Background(), []Package{set[0], app}, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := s.UnneededCompanions()
	if err != nil || !slices.Equal(names(got), []string{"ca"}) || !filepath.IsAbs(got[0].Path) {
		t.Fatalf("after a lock without ca: %v %v, want ca", names(got), err)
	}
	if list, _ := s.List(); len(list) != 3 {
		t.Errorf("installed %v: nothing is removed without being named", names(list))
	}
	if _, err := s.Remove(context.Background(), []string{"ca"}, false, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UnneededCompanions(); err != nil || len(got) != 0 {
		t.Errorf("after removing ca: %v %v", names(got), err)
	}
}

// A set installed since without a dependency (an upgrade dropped it) leaves it
// unreached: PruneDependencies removes its record and link, and leaves a companion no
// package needs any more to the user (UnneededCompanions names it).
func TestPruneDependencies(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	set := toolbox(t)
	if _, err := s.InstallSet(context.Background(), set, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if res, err := s.PruneDependencies(context.Background(), nil); err != nil || len(res.Unneeded) != 0 {
		t.Fatalf("with everything needed: %v, %v", res, err)
	}
	app := set[1]
	app.Dependencies, app.Patches = nil, nil
	if _, err := s.InstallSet(context.Background(), []Package{app}, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := s.PruneDependencies(context.Background(), nil)
	if err != nil || !slices.Equal(names(res.Unneeded), []string{"lib"}) || len(res.Removed) != 0 {
		t.Fatalf("after app dropped lib: %v, %v; want lib pruned", res, err)
	}
	if list, _ := s.List(); !slices.Equal(names(list), []string{"app", "ca"}) {
		t.Errorf("installed %v, want app and ca (a companion stays until named)", names(list))
	}
	if _, err := os.Lstat(filepath.Join(s.Home, "bin", "lib")); !os.IsNotExist(err) {
		t.Errorf("lib's entry point is still linked: %v", err)
	}
	if _, err := os.Stat(s.TreePath(digest.Digest(res.Unneeded[0].Digest))); err != nil {
		t.Errorf("lib's tree went with its record (pkg-gc frees it): %v", err)
	}
}

func TestClosure(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	if _, err := s.InstallSet(context.Background(), toolbox(t), InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Closure([]string{"app"})
	if err != nil || !slices.Equal(names(got), []string{"app", "lib", "ca"}) {
		t.Fatalf("closure of app: %v %v", names(got), err)
	}
	if _, err := s.Closure([]string{"nope"}); fault.KindOf(err) != fault.NotFound {
		t.Errorf("closure of a missing package: %v", err)
	}
	c, err := s.Config(got[0])
	if err != nil || c.Name != "app" || !slices.Equal(c.Bin, []string{"bin/app"}) {
		t.Errorf("config: %+v %v", c, err)
	}
}

func TestOfflineNamesWhatIsMissing(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	set := toolbox(t)
	// Remote repositories are out of reach offline; make two of the packages remote.
	for i := range set[:2] {
		set[i].Repository.Kind, set[i].Repository.Registry, set[i].Repository.Repository = ref.Remote, "registry.invalid", "x/"+set[i].Name
		set[i].Target = nil
	}
	_, err := s.InstallSet(context.Background(), set, InstallOptions{Offline: true})
	if fault.KindOf(err) != fault.NotFound {
		t.Fatalf("offline with nothing stored: %v", err)
	}
	for _, want := range []string{"offline", "lib 1.0.0", "app 1.0.0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q:\n%v", want, err)
		}
	}
	if !strings.Contains(fault.HintOf(err), "without --offline") {
		t.Errorf("hint: %q", fault.HintOf(err))
	}
}

func TestReinstallFromStoredLayers(t *testing.T) {
	t.Parallel()
	target, root := published(t, "kept", "", map[string]string{"f": "content"})
	s := openStore(t)
	inst, err := s.Install(context.Background(), target, root, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The tree goes (pkg-gc, a user); the blobs stay. The next install needs no source.
	removeTree(inst.Path)
	os.RemoveAll(target.Ref.Path)
	p := lockPackage("kept", target, root, api.ReasonExplicit, nil, nil)
	p.Target = nil
	if _, err := s.InstallSet(context.Background(), []Package{p}, InstallOptions{Offline: true}); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(inst.Path, "f")); err != nil || string(data) != "content" {
		t.Errorf("tree rebuilt from the store: %q %v", data, err)
	}
}

// A stored layer that no longer matches its digest is refused, not unpacked: the tree is
// not rebuilt from it.
func TestReinstallRefusesDamagedStoredLayer(t *testing.T) {
	t.Parallel()
	target, root := published(t, "kept", "", map[string]string{"f": randomText(50000)})
	s := openStore(t)
	inst, err := s.Install(context.Background(), target, root, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	removeTree(inst.Path)
	blobs := filepath.Join(s.Home, "store", "blobs", "sha256")
	ents, _ := os.ReadDir(blobs)
	var layer string
	var size int64
	for _, e := range ents {
		if info, _ := e.Info(); info.Size() > size {
			layer, size = filepath.Join(blobs, e.Name()), info.Size()
		}
	}
	data, _ := os.ReadFile(layer)
	data[len(data)-100] ^= 0xff
	os.Chmod(layer, 0o644)
	if err := os.WriteFile(layer, data, 0o644); err != nil {
		t.Fatal(err)
	}
	p := lockPackage("kept", target, root, api.ReasonExplicit, nil, nil)
	p.Target = nil
	_, err = s.InstallSet(context.Background(), []Package{p}, InstallOptions{Offline: true})
	if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), "hashes to") {
		t.Fatalf("want the damaged stored layer refused, got %v", err)
	}
	if _, err := os.Stat(inst.Path); !os.IsNotExist(err) {
		t.Errorf("the tree was rebuilt from a damaged layer: %v", err)
	}
	assertEmpty(t, filepath.Join(s.Home, "tmp"))
}

// A package whose config is not what the set expects (a registry that serves another
// version under the locked name) is refused, and leaves nothing behind: its layers
// download beside the config, but nothing moves into place before the config passed.
func TestInstallRefusesUnexpectedContent(t *testing.T) {
	t.Parallel()
	target, root := published(t, "swapped", "", map[string]string{"f": randomText(300000)})
	s := openStore(t)
	p := lockPackage("swapped", target, root, api.ReasonExplicit, nil, nil)
	p.Version = "2.0.0"
	_, err := s.InstallSet(context.Background(), []Package{p}, InstallOptions{})
	if want := "expected swapped 2.0.0, but the content is swapped 1.0.0"; fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), want) {
		t.Fatalf("want %q, got %v", want, err)
	}
	assertEmpty(t, filepath.Join(s.Home, "pkgs", "sha256"))
	assertEmpty(t, filepath.Join(s.Home, "store", "blobs", "sha256"))
	assertEmpty(t, filepath.Join(s.Home, "tmp"))
}

func TestSweepStaging(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	live, done, err := s.newStaging()
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	// A dead install: its lock file exists and nobody holds it.
	dead := filepath.Join(s.Home, "tmp", stagingPrefix+"dead")
	os.MkdirAll(filepath.Join(dead, "tree"), 0o755)
	os.WriteFile(filepath.Join(dead, "tree", "f"), nil, 0o444)
	os.Chmod(filepath.Join(dead, "tree"), 0o555)
	os.WriteFile(dead+".lock", nil, 0o644)
	// What a pkg-gc killed between a staging's lock file and its directory leaves: a
	// directory no install can own, as an owner's lock file outlives its directory.
	orphan := filepath.Join(s.Home, "tmp", stagingPrefix+"orphan")
	os.MkdirAll(filepath.Join(orphan, "tree"), 0o755)
	s.sweepStaging()
	if exists(dead) || exists(dead+".lock") {
		t.Errorf("the dead staging directory stayed")
	}
	if exists(orphan) {
		t.Errorf("a staging directory without its lock file stayed")
	}
	if !exists(live) {
		t.Errorf("a live staging directory was swept")
	}
}

func TestDiskFullLeavesStoreUnchanged(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	t.Parallel()
	home := filepath.Join(t.TempDir(), "home")
	os.MkdirAll(home, 0o755)
	if err := mountTmpfs(t, home, "256k"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	small, sroot := published(t, "small", "  bin: [bin/small]\n", map[string]string{"bin/small": "#!/bin/sh\n"})
	big, broot := published(t, "big", "", map[string]string{"big.bin": randomText(1 << 20)})
	s, err := Open(home)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Install(context.Background(), small, sroot, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(home, "installed.yaml"))
	_, err = s.Install(context.Background(), big, broot, InstallOptions{})
	if err == nil || !strings.Contains(fault.HintOf(err), "full") {
		t.Fatalf("installing past a full disk: %v (hint %q)", err, fault.HintOf(err))
	}
	after, _ := os.ReadFile(filepath.Join(home, "installed.yaml"))
	if string(after) != string(before) {
		t.Errorf("installed.yaml changed:\n%s", after)
	}
	if ents, _ := os.ReadDir(filepath.Join(home, "pkgs", "sha256")); len(ents) != 1 {
		t.Errorf("%d trees, want only the small package's", len(ents))
	}
	assertEmpty(t, filepath.Join(home, "tmp"))
	if list, err := s.List(); err != nil || len(list) != 1 {
		t.Errorf("list after a full disk: %v %v", names(list), err)
	}
}

// randomText is incompressible enough that a layer of it stays near its size.
func randomText(n int) string {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte('!' + x%90)
	}
	return string(b)
}

// TestMultiLayerPackage installs a hand-made manifest of three layers: they overlay in
// order (the later ones download while the first unpacks).
func TestMultiLayerPackage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "layers"))
	target, err := oci.Open(ctx, r, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	push := func(mediaType string, data []byte) ocispec.Descriptor {
		d := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
		if _, err := target.Push(ctx, d, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		return d
	}
	var layers []ocispec.Descriptor
	for _, files := range []map[string]string{
		{"a": "first", "dir/b": "first"},
		{"c": "second"},
		{"dir/d": "third", "e": randomText(300 << 10)},
	} {
		dir := t.TempDir()
		for f, body := range files {
			os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
			os.WriteFile(filepath.Join(dir, f), []byte(body), 0o644)
		}
		var buf bytes.Buffer
		if _, err := archive.Pack(dir, &buf, archive.PackOptions{}); err != nil {
			t.Fatal(err)
		}
		layers = append(layers, push(artifact.LayerMediaType(archive.Zstd), buf.Bytes()))
	}
	config, _ := artifact.ConfigBlob(artifact.Config{Name: "layered", Version: "1.0.0", Platform: "any"})
	configDesc := push(artifact.ConfigMediaType, config.Data)
	manifest, _ := artifact.Manifest(configDesc, layers, nil)
	root := push(ocispec.MediaTypeImageManifest, manifest.Data)
	s := openStore(t)
	inst, err := s.Install(ctx, target, root, InstallOptions{Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]string{"a": "first", "dir/b": "first", "c": "second", "dir/d": "third"} {
		if data, err := os.ReadFile(filepath.Join(inst.Path, f)); err != nil || string(data) != want {
			t.Errorf("%s: %q %v", f, data, err)
		}
	}
	for _, l := range layers {
		if !exists(s.BlobPath(l.Digest)) {
			t.Errorf("layer %s is not in the store", l.Digest)
		}
	}
	assertEmpty(t, filepath.Join(s.Home, "tmp"))

	// A tree removed by hand is rebuilt from the stored layers, every one of them,
	// without the registry.
	removeTree(inst.Path)
	p := lockPackage("layered", target, root, api.ReasonExplicit, nil, nil)
	p.Target = nil
	if _, err := s.InstallSet(ctx, []Package{p}, InstallOptions{Jobs: 1, Offline: true}); err != nil {
		t.Fatalf("rebuilding from the store: %v", err)
	}
	for f, want := range map[string]string{"a": "first", "c": "second", "dir/d": "third"} {
		if data, err := os.ReadFile(filepath.Join(inst.Path, f)); err != nil || string(data) != want {
			t.Errorf("rebuilt %s: %q %v", f, data, err)
		}
	}
	assertEmpty(t, filepath.Join(s.Home, "tmp"))
}

// TestTreeIsOnTheDiskBeforeItIsVisible: a tree's bytes are made durable while it is
// still in staging, and what moved into the store before installed.yaml names it. A
// tree that is trusted because it exists must not come back from a power cut empty.
// Not parallel: it replaces syncDisk.
func TestTreeIsOnTheDiskBeforeItIsVisible(t *testing.T) {
	target, root := published(t, "durable", "", map[string]string{"f": randomText(300 << 10)})
	s := openStore(t)
	tree := filepath.Join(s.Home, "pkgs", "sha256", root.Digest.Encoded())
	type call struct {
		dir                 string
		treeThere, recorded bool
	}
	var calls []call
	watch := func(dir string) {
		data, _ := os.ReadFile(filepath.Join(s.Home, "installed.yaml"))
		calls = append(calls, call{dir, exists(tree), strings.Contains(string(data), "durable")})
	}
	syncDisk = func(dir string) error { watch(dir); return diskio.Sync(dir) }
	syncRenames = func(dirs ...string) error { watch(strings.Join(dirs, " ")); return diskio.SyncRenames(dirs...) }
	defer func() { syncDisk, syncRenames = diskio.Sync, diskio.SyncRenames }()
	if _, err := s.Install(context.Background(), target, root, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 {
		t.Fatalf("%d syncs, want 2: %+v", len(calls), calls)
	}
	if c := calls[0]; !strings.HasPrefix(c.dir, filepath.Join(s.Home, "tmp")+string(filepath.Separator)) || c.treeThere || c.recorded {
		t.Errorf("first sync %+v: want the staging directory, before the tree moves into place", c)
	}
	if c := calls[1]; !strings.HasPrefix(c.dir, filepath.Join(s.Home, "pkgs")) || !c.treeThere || c.recorded {
		t.Errorf("second sync %+v: want pkgs/ and store/, after the tree moved and before the record", c)
	}

	// Installing it again writes nothing, and syncs nothing.
	calls = nil
	if _, err := s.Install(context.Background(), target, root, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 0 {
		t.Errorf("an installed package synced: %+v", calls)
	}
}

// A package installed through a tap and then again by its reference keeps its tap:
// pkg-tap remove asks installed.yaml which packages still need a tap.
func TestReinstallByReferenceKeepsTheTap(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	target, root := published(t, "app", "", map[string]string{"f": "x"})
	viaTap := lockPackage("app", target, root, api.ReasonExplicit, nil, nil)
	viaTap.Tap = "demo"
	if _, err := s.InstallSet(context.Background(), []Package{viaTap}, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Install(context.Background(), target, root, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	list, _ := s.List()
	if len(list) != 1 || list[0].Tap != "demo" {
		t.Errorf("after the install by reference: %+v, want tap demo kept", list[0])
	}
}

// Switching back to a version whose tree is still in the store is an install, not
// "Up to date": what is installed changes.
func TestSwitchBackToAStoredTreeIsReported(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	t1, r1 := published(t, "app", "", map[string]string{"f": "one"})
	t2, r2 := published(t, "app", "", map[string]string{"f": "two"})
	var lines []string
	opts := InstallOptions{Logf: func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }}
	for _, step := range []struct {
		target *oci.Target
		root   ocispec.Descriptor
	}{{t1, r1}, {t2, r2}, {t1, r1}, {t1, r1}} {
		if _, err := s.Install(context.Background(), step.target, step.root, opts); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"Installed app 1.0.0 (any)", "Installed app 1.0.0 (any), was 1.0.0", "Installed app 1.0.0 (any), was 1.0.0", "Up to date: app 1.0.0 (any)"}
	if !slices.Equal(lines, want) {
		t.Errorf("reported\n%q\nwant\n%q", lines, want)
	}
}

// TestInstallWaitsForCollection: an install that finds the store lock held exclusively
// (a running pkg-gc) says once that it waits, gives up when its context is cancelled
// (Ctrl-C) with nothing recorded, and installs once the lock is free.
func TestInstallWaitsForCollection(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	set := toolbox(t)
	release, err := s.LockExclusive(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var lines []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(filelock.NoticeAfter+200*time.Millisecond, cancel)
	start := time.Now()
	_, err = s.InstallSet(ctx, set, InstallOptions{Logf: logf})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("an install behind a collection, interrupted: %v", err)
	}
	if took := time.Since(start); took > filelock.NoticeAfter+5*time.Second {
		t.Errorf("gave up %s after it started, long after the cancel", took)
	}
	mu.Lock()
	want := "Waiting for pkg-gc, which holds " + filepath.Join(s.Home, "locks", "store.lock") + ", to finish…"
	if !slices.Equal(lines, []string{want}) {
		t.Errorf("said %q, want %q once", lines, want)
	}
	lines = nil
	mu.Unlock()
	if list, _ := s.List(); len(list) != 0 {
		t.Errorf("an interrupted install recorded %d packages", len(list))
	}

	time.AfterFunc(100*time.Millisecond, release)
	if _, err := s.InstallSet(context.Background(), set, InstallOptions{Logf: logf}); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.List(); len(list) != 3 {
		t.Errorf("after the collection: %d packages recorded, want 3", len(list))
	}
	mu.Lock()
	defer mu.Unlock()
	if slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "Waiting") }) {
		t.Errorf("a wait shorter than filelock.NoticeAfter was announced: %q", lines)
	}
}

// A package removed and added again is installed again, even when its tree stayed in
// the store (only pkg-gc removes trees): "Up to date" would say it never went.
func TestReinstallAfterRemoveIsReported(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	target, root := published(t, "solo", "", map[string]string{"f": "x"})
	var lines []string
	opts := InstallOptions{Logf: func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }}
	if _, err := s.Install(context.Background(), target, root, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Remove(context.Background(), []string{"solo"}, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Install(context.Background(), target, root, opts); err != nil {
		t.Fatal(err)
	}
	if want := []string{"Installed solo 1.0.0 (any)", "Installed solo 1.0.0 (any)"}; !slices.Equal(lines, want) {
		t.Errorf("reported %q, want %q", lines, want)
	}
}

// A remove waiting for a collection (which holds installed.lock throughout) says so and
// stops on Ctrl-C, removing nothing.
func TestRemoveWaitEndsOnCancel(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	target, root := published(t, "solo", "", map[string]string{"f": "x"})
	if _, err := s.Install(context.Background(), target, root, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	release, err := s.LockRecords() // as pkg-gc holds it
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	var said atomic.Int32
	time.AfterFunc(filelock.NoticeAfter+200*time.Millisecond, cancel)
	_, err = s.Remove(ctx, []string{"solo"}, false, func() { said.Add(1) })
	if !errors.Is(err, context.Canceled) || said.Load() != 1 {
		t.Fatalf("a remove behind a collection, interrupted: %v (waiting said %d times)", err, said.Load())
	}
	release()
	if list, _ := s.List(); len(list) != 1 {
		t.Errorf("the interrupted remove removed something: %d records left", len(list))
	}
}

// An install reads its source layout beside other readers (another install, a
// resolve): two installs from one layout took turns for the whole command. The wait
// for the layout, were there one, would end the install through LayoutWaiting.
func TestInstallReadsLayoutBesideReaders(t *testing.T) {
	t.Parallel()
	target, root := published(t, "solo", "", map[string]string{"f": "x"})
	target.Close() // published, and the layout let go
	// As another install holds it.
	other, err := filelock.Shared(filepath.Join(target.Ref.Path, ".longshore.lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer other()
	p := lockPackage("solo", target, root, api.ReasonExplicit, nil, nil)
	p.Target = nil // opened by the install
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waited atomic.Bool
	opts := InstallOptions{Registry: oci.Options{LayoutWaiting: func(string) { waited.Store(true); cancel() }}}
	if _, err := openStore(t).InstallSet(ctx, []Package{p}, opts); err != nil || waited.Load() {
		t.Errorf("installing beside another reader of the layout: %v (waited: %v)", err, waited.Load())
	}
}
