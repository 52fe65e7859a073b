package plan

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/resolve"
)

// TestRestoreIsTheLockInstalled: what installing a lock records gives that lock back
// (pkg-pull list -o yaml on one machine, pkg-pull -f on another): every package at
// its root digest, with its tap, reason and edges, the explicit installs as requests
// with the constraints they were added with, and the platform installed, which is all
// a record knows. It passes the checks pkg-pull -f runs on a lock.
func TestRestoreIsTheLockInstalled(t *testing.T) {
	t.Parallel()
	home, _ := patchUniverse(t, true)
	addTap(t, home, "demo", false,
		entry("greeter", v("1.0.0", "zlib@^1", "demo/voice@^1"), v("1.1.0", "zlib@^1")),
		entry("voice", v("1.0.0")),
	)
	const platform = "linux/amd64"
	requests := []resolve.Request{{Name: "demo/greeter", Constraint: "<1.1"}, {Name: "main/hello"}}
	solved, err := Resolve(context.Background(), home, requests, Options{Platform: platform})
	if err != nil {
		t.Fatal(err)
	}
	installLock(t, home, solved, platform)
	records, err := listInstalled(home)
	if err != nil {
		t.Fatal(err)
	}
	where := make([]string, len(records))
	for i, inst := range records {
		where[i] = fmt.Sprintf("installed.yaml:%d", i+1)
		if inst.Name == "greeter" {
			inst.Constraint = "<1.1" // pkg-pull records the request's
		}
	}
	restored, skipped, err := Restore(records, where)
	if err != nil || len(skipped) != 0 {
		t.Fatalf("Restore: %v, skipped %v", err, skipped)
	}
	want := onlyInstalledPlatform(t, solved, platform, "ca-bundle", "certs", "greeter", "hello", "libgreet", "proxy", "voice", "zlib")
	want.Requests = []api.LockRequest{{Name: "demo/greeter", Version: "<1.1"}, {Name: "main/hello"}}
	if got, want := lockYAML(t, restored), lockYAML(t, want); got != want {
		t.Errorf("restored:\n%s\nwant the lock installed:\n%s", got, want)
	}
	if errs := Check(restored); len(errs) != 0 {
		t.Errorf("Check: %v", errs)
	}
}

// TestRestoreTakesTheRecordsWholeOrNot: a package installed by reference is asked for
// by its repository; a companion nothing patches any more is left out and named; the
// same record twice is one; and a record that does not fit is refused, naming where it
// is, rather than restoring part of a home.
func TestRestoreTakesTheRecordsWholeOrNot(t *testing.T) {
	t.Parallel()
	records := func(t *testing.T, lines ...string) []*api.Installed {
		t.Helper()
		home := t.TempDir()
		writeInstalled(t, home, lines...)
		list, err := listInstalled(home)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	whereOf := func(list []*api.Installed) []string {
		where := make([]string, len(list))
		for i := range list {
			where[i] = fmt.Sprintf("in.yaml:%d", 10*i+1)
		}
		return where
	}

	list := records(t, "main/app 1.0.0 explicit lib ca", "main/ca 1.0.0 patch", "main/lib 1.0.0 dependency", "tool 2.0.0 explicit", "main/old 0.1.0 patch")
	list[3].Constraint = "^2"
	lock, skipped, err := Restore(append(list, list[0]), append(whereOf(list), "again.yaml:1"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(lock), "lib 1.0.0 dependency main\napp 1.0.0 requested main\nca 1.0.0 patch main\nregistry.example/tool 2.0.0 requested"; got != want {
		t.Errorf("restored:\n%s\nwant:\n%s", got, want)
	}
	if want := []api.LockRequest{{Name: "main/app"}, {Name: "registry.example/tool", Version: "^2"}}; !slices.Equal(lock.Requests, want) {
		t.Errorf("requests %+v, want %+v", lock.Requests, want)
	}
	if len(skipped) != 1 || skipped[0].Name != "old" {
		t.Errorf("skipped %v, want old, a companion nothing patches", skipped)
	}
	if tool, _ := lock.Package("registry.example/tool"); tool.Digest != fakeDigest("tool2.0.0") || tool.Platforms[0] != (api.Platform{Platform: "linux/amd64", Digest: fakeDigest("tool2.0.0amd64")}) {
		t.Errorf("tool: root %s, platforms %v; want the source's digest and the installed manifest", tool.Digest, tool.Platforms)
	}
	if errs := Check(lock); len(errs) != 0 {
		t.Errorf("Check: %v", errs)
	}

	// Two homes' lists put together: lib is a dependency in one and asked for in the
	// other, whichever comes first. It stays asked for, with its constraint.
	for _, explicitFirst := range []bool{false, true} {
		list := records(t, "main/app 1.0.0 explicit lib", "main/lib 1.0.0 dependency")
		asked := *list[1]
		asked.Reason, asked.Constraint = api.ReasonExplicit, "^1"
		both := []*api.Installed{list[0], list[1], &asked}
		if explicitFirst {
			both = []*api.Installed{list[0], &asked, list[1]}
		}
		lock, _, err := Restore(both, whereOf(both))
		if err != nil {
			t.Fatal(err)
		}
		if want := []api.LockRequest{{Name: "main/app"}, {Name: "main/lib", Version: "^1"}}; !slices.Equal(lock.Requests, want) {
			t.Errorf("explicit first %v: requests %+v, want %+v", explicitFirst, lock.Requests, want)
		}
	}

	for _, tc := range []struct {
		name  string
		edit  func(list []*api.Installed) []*api.Installed
		error string
	}{
		{"a dependency left out", func(l []*api.Installed) []*api.Installed { return slices.Delete(l, 2, 3) },
			"in.yaml:1: app 1.0.0 depends on lib, which the records do not hold"},
		{"a companion left out", func(l []*api.Installed) []*api.Installed { return slices.Delete(l, 1, 2) },
			"in.yaml:1: app 1.0.0 is patched by ca, which the records do not hold"},
		{"one name twice", func(l []*api.Installed) []*api.Installed {
			other := *l[3]
			other.Version, other.Digest = "2.1.0", fakeDigest("tool2.1.0amd64")
			return append(l, &other)
		}, "in.yaml:41: tool 2.1.0 is also at in.yaml:31, as tool 2.0.0: one name is installed once"},
		{"a reason that is none", func(l []*api.Installed) []*api.Installed { l[0].Reason = "wanted"; return l },
			`in.yaml:1: app: reason "wanted" is not explicit, dependency or patch`},
		{"no digest", func(l []*api.Installed) []*api.Installed { l[2].Digest = ""; return l },
			"in.yaml:21: a record needs a name, a version, a digest and a source"},
	} {
		_, _, err := Restore(tc.edit(records(t, "main/app 1.0.0 explicit lib ca", "main/ca 1.0.0 patch", "main/lib 1.0.0 dependency", "tool 2.0.0 explicit")), whereOf(make([]*api.Installed, 5)))
		if fault.KindOf(err) != fault.Usage || err == nil || !strings.Contains(err.Error(), tc.error) {
			t.Errorf("%s: %v, want a usage error with %q", tc.name, err, tc.error)
		}
	}
}

// InstalledRequest asks for an explicit install again as upgrade does: through its
// tap, or its repository's tags when it was installed by reference, within its
// constraint.
func TestInstalledRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		inst api.Installed
		want api.PackageRef
	}{
		{api.Installed{Name: "hello", Tap: "core", Constraint: "^1", Source: "r.example/hello@sha256:x"}, api.PackageRef{Name: "core/hello", Version: "^1", Platform: "linux/arm64"}},
		{api.Installed{Name: "hello", Source: "r.example/demo/hello:1.0.0@" + fakeDigest("x")}, api.PackageRef{Ref: "r.example/demo/hello", Platform: "linux/arm64"}},
		{api.Installed{Name: "hello", Source: "ocidir:///srv/reg/hello:1.0.0@" + fakeDigest("x")}, api.PackageRef{Ref: "ocidir:///srv/reg/hello", Platform: "linux/arm64"}},
	} {
		got := InstalledRequest(&tc.inst, "linux/arm64")
		got.TypeMeta = tc.want.TypeMeta
		if *got != tc.want {
			t.Errorf("InstalledRequest(%+v): %+v, want %+v", tc.inst, *got, tc.want)
		}
	}
}
