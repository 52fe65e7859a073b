package plan

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"oras.land/oras-go/v2/registry/remote/credentials"

	"longshore.dev/lib/api"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/resolve"
	"longshore.dev/lib/tap"
)

// rows writes outdated rows one a line: "name current wanted latest", or
// "name current ? error" when the versions could not be read.
func rows(out []Outdated) string {
	var lines []string
	for _, o := range out {
		if o.Err != nil {
			lines = append(lines, fmt.Sprintf("%s %s ? %v", o.Name, o.Current, o.Err))
			continue
		}
		lines = append(lines, fmt.Sprintf("%s %s %s %s", o.Name, o.Current, o.Wanted, o.Latest))
	}
	return strings.Join(lines, "\n")
}

func TestCheckOutdated(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	addTap(t, home, "main", false,
		entry("app", v("1.0.0", "libx@~1.1"), v("2.0.0", "libx@^2")),
		entry("libx", v("1.1.0"), v("1.1.5"), v("1.2.0"), v("2.0.0"), v("3.0.0-rc.1")),
	)
	ctx := context.Background()
	lock, err := Resolve(ctx, home, reqs("app@^1", "libx@1.1.0"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	lock.Requests[1].Version = "" // as if libx was asked for without a constraint
	out, err := CheckOutdated(ctx, home, lock, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range out {
		got = append(got, fmt.Sprintf("%s %s %s %s %v", o.Name, o.Current, o.Wanted, o.Latest, o.IsOutdated()))
	}
	want := "libx 1.1.0 1.1.5 2.0.0 true\napp 1.0.0 1.0.0 2.0.0 true"
	if strings.Join(got, "\n") != want {
		t.Errorf("outdated:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

// A locked version that has been yanked since is reported as such, and counts as
// outdated even when nothing newer is allowed: only the exact pin keeps it.
func TestCheckOutdatedYanked(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	addTap(t, home, "main", false,
		entry("app", v("1.0.0", "libx@1.1.0")),
		entry("libx", v("1.0.0"), pv{version: "1.1.0", yanked: true}),
	)
	ctx := context.Background()
	lock, err := Resolve(ctx, home, reqs("app"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := CheckOutdated(ctx, home, lock, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range out {
		got = append(got, fmt.Sprintf("%s %s %s %s yanked=%v outdated=%v", o.Name, o.Current, o.Wanted, o.Latest, o.Yanked, o.IsOutdated()))
	}
	want := "libx 1.1.0 1.1.0 1.0.0 yanked=true outdated=true\napp 1.0.0 1.0.0 1.0.0 yanked=false outdated=false"
	if strings.Join(got, "\n") != want {
		t.Errorf("outdated:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

// A patch companion's WANTED is what the rule that adds it allows: ca-bundle 2.0.0
// exists, but the rule asks for ^1, so patch sync would never take it.
func TestCheckOutdatedCompanion(t *testing.T) {
	t.Parallel()
	home, _ := patchUniverse(t, true)
	ctx := context.Background()
	lock, err := Resolve(ctx, home, []resolve.Request{{Name: "hello", Platform: "linux/amd64"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := CheckOutdated(ctx, home, lock, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rows(out) + "\n"; !strings.Contains(got, "\nca-bundle 1.0.0 1.0.0 2.0.0\n") {
		t.Errorf("outdated:\n%s\nwant ca-bundle 1.0.0 1.0.0 2.0.0 (the rule asks for ^1)", got)
	}

	// Installed, the same: the rules are matched as patch list matches them.
	writeInstalled(t, home, "main/hello 1.1.0 explicit libgreet ca-bundle", "main/libgreet 1.2.0 dependency zlib certs",
		"main/zlib 1.3.0 dependency", "main/ca-bundle 1.0.0 patch certs", "main/certs 1.0.0 dependency")
	out, err = CheckInstalledOutdated(ctx, home, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rows(out) + "\n"; !strings.Contains(got, "\nca-bundle 1.0.0 1.0.0 2.0.0\n") {
		t.Errorf("installed:\n%s\nwant ca-bundle 1.0.0 1.0.0 2.0.0 (the rule asks for ^1)", got)
	}
}

// deniedRegistry answers every request with HTTP 403: a repository whose versions
// cannot be read for another reason than being gone.
func deniedRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"errors":[{"code":"DENIED"}]}`, http.StatusForbidden)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// TestCheckOutdatedSourceGone: a package whose versions cannot be read, because its
// tap was removed or its registry refuses access, is a row with Err; the other
// packages are still reported.
func TestCheckOutdatedSourceGone(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	addTap(t, home, "main", false,
		entry("app", v("1.0.0", "libx@^1")),
		entry("libx", v("1.0.0"), v("1.1.0")),
	)
	addTap(t, home, "demo", false, entry("greeter", v("1.0.0"), v("1.1.0")))
	ctx := context.Background()
	lock, err := Resolve(ctx, home, reqs("app", "libx@1.0.0", "demo/greeter@1.0.0"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A package of the lock from a repository that now refuses access.
	fonts := deniedRegistry(t) + "/fonts"
	lock.Packages = append(lock.Packages, api.LockedPackage{Name: fonts, Version: "2.0.0", Repository: fonts, Reason: api.ReasonRequested})
	slices.SortFunc(lock.Packages, func(a, b api.LockedPackage) int { return strings.Compare(a.Name, b.Name) })
	lock.Order = append(lock.Order, fonts)
	if _, _, err := tap.Remove(home, "demo", true); err != nil {
		t.Fatal(err)
	}

	out, err := CheckOutdated(ctx, home, lock, Options{OCI: oci.Options{Credentials: credentials.NewMemoryStore()}})
	if err != nil {
		t.Fatalf("one package's source is gone, and the check failed: %v", err)
	}
	got := rows(out)
	for _, want := range []string{
		"libx 1.0.0 1.0.0 1.1.0",
		"app 1.0.0 1.0.0 1.0.0",
		`greeter 1.0.0 ? no tap named "demo"`,
		fonts + " 2.0.0 ? ",
		"refused access (HTTP 403)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("outdated:\n%s\nwant a row containing %q", got, want)
		}
	}
	if len(out) != 4 {
		t.Errorf("%d rows, want 4:\n%s", len(out), got)
	}
	for _, o := range out {
		if o.Err != nil && (o.Wanted != "" || o.Latest != "" || o.IsOutdated()) {
			t.Errorf("%s: a row with an error has versions: %+v", o.Name, o)
		}
	}
}

// TestCheckInstalledOutdated: the installed packages are checked as installed.yaml
// records them, as the installed lock was before, and a package whose tap was removed
// is a row with Err rather than a failure of every row (solving the installed packages
// again fails then).
func TestCheckInstalledOutdated(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	addTap(t, home, "main", false,
		entry("app", v("1.0.0", "libx@^1"), v("2.0.0", "libx@^2")),
		entry("libx", v("1.0.0"), v("1.1.0"), v("2.0.0")),
	)
	addTap(t, home, "demo", false, entry("greeter", v("1.0.0"), v("1.1.0")))
	writeInstalled(t, home, "main/app 1.0.0 explicit libx", "main/libx 1.0.0 dependency", "demo/greeter 1.0.0 explicit")
	ctx := context.Background()

	out, err := CheckInstalledOutdated(ctx, home, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The same as the lock of the installed packages, its requests' pins dropped.
	inst, err := Installed(ctx, home, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range inst.Requests {
		inst.Requests[i].Version = ""
	}
	fromLock, err := CheckOutdated(ctx, home, inst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "greeter 1.0.0 1.1.0 1.1.0\nlibx 1.0.0 1.1.0 2.0.0\napp 1.0.0 2.0.0 2.0.0"
	if got := rows(out); got != want {
		t.Errorf("installed:\n%s\nwant:\n%s", got, want)
	}
	if !slices.EqualFunc(out, fromLock, func(a, b Outdated) bool { return a == b }) {
		t.Errorf("installed:\n%+v\nfrom the installed lock:\n%+v", out, fromLock)
	}

	// The tap of greeter removed, as `pkg-tap remove demo --force` does.
	if _, _, err := tap.Remove(home, "demo", true); err != nil {
		t.Fatal(err)
	}
	src, err := NewSource(home, Options{Offline: true, Patches: PatchesOff})
	if err != nil {
		t.Fatal(err)
	}
	installed, err := listInstalled(home)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.installedPlan(ctx, installed); err == nil {
		t.Fatal("the installed packages solve without greeter's tap: this test no longer shows why outdated reads installed.yaml")
	}
	out, err = CheckInstalledOutdated(ctx, home, Options{})
	if err != nil {
		t.Fatalf("one package's tap is gone, and the check failed: %v", err)
	}
	want = "greeter 1.0.0 ? no tap named \"demo\"\nlibx 1.0.0 1.1.0 2.0.0\napp 1.0.0 2.0.0 2.0.0"
	if got := rows(out); got != want {
		t.Errorf("without greeter's tap:\n%s\nwant:\n%s", got, want)
	}

	// No tap at all: every row says so, and still no error.
	if _, _, err := tap.Remove(home, "main", true); err != nil {
		t.Fatal(err)
	}
	out, err = CheckInstalledOutdated(ctx, home, Options{})
	if err != nil {
		t.Fatalf("no tap: %v", err)
	}
	want = "greeter 1.0.0 ? package demo/greeter: no taps are configured\nlibx 1.0.0 ? package main/libx: no taps are configured\napp 1.0.0 ? package main/app: no taps are configured"
	if got := rows(out); got != want {
		t.Errorf("without taps:\n%s\nwant:\n%s", got, want)
	}
}
