package plan

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/patch"
	"longshore.dev/lib/resolve"
	"longshore.dev/lib/tap"
)

// twoTaps is a home with taps main and extra (extra the default when extraDefault).
//
//	main:  hello 1.0.0, 1.1.0 → libgreet ^1;  libgreet 1.0.0, 1.2.0 → zlib ^1;  zlib 1.3.0
//	       app 1.0.0 → hello ^1;  uses-extra 1.0.0 → extra/hello ^2;  needs-gone 1.0.0 → gone
//	       cyc-a 1.0.0 → cyc-b;  cyc-b 1.0.0 → cyc-a;  new-greet 1.0.0 → libgreet ^2
//	extra: hello 2.0.0;  only 1.0.0 → zlib ^1
func twoTaps(t *testing.T, extraDefault bool) string {
	t.Helper()
	home := t.TempDir()
	addTap(t, home, "main", false,
		entry("hello", v("1.0.0", "libgreet@^1"), v("1.1.0", "libgreet@^1")),
		entry("libgreet", v("1.0.0", "zlib@^1"), v("1.2.0", "zlib@^1")),
		entry("zlib", v("1.3.0")),
		entry("app", v("1.0.0", "hello@^1")),
		entry("uses-extra", v("1.0.0", "extra/hello@^2")),
		entry("needs-gone", v("1.0.0", "gone@^1")),
		entry("cyc-a", v("1.0.0", "cyc-b")),
		entry("cyc-b", v("1.0.0", "cyc-a")),
		entry("new-greet", v("1.0.0", "libgreet@>=1.2")),
		entry("old-greet", v("1.0.0", "libgreet@<1.2")),
	)
	addTap(t, home, "extra", extraDefault,
		entry("hello", v("2.0.0")),
		entry("only", v("1.0.0", "zlib@^1")),
	)
	return home
}

func TestResolveAcrossTaps(t *testing.T) {
	t.Parallel()
	home := twoTaps(t, false)
	ctx := context.Background()

	t.Run("a request names the tap, a dependency the bare name: one package", func(t *testing.T) {
		lock, err := Resolve(ctx, home, reqs("main/hello@^1", "app"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := "zlib 1.3.0 dependency main\nlibgreet 1.2.0 dependency main\nhello 1.1.0 requested main\napp 1.0.0 requested main"
		if got := summary(lock); got != want {
			t.Errorf("lock:\n%s\nwant:\n%s", got, want)
		}
		if lock.Requests[0].Name != "main/hello" || lock.Requests[0].Version != "^1" || lock.Requests[1].Name != "app" {
			t.Errorf("requests as written: %+v", lock.Requests)
		}
		hello, _ := lock.Package("hello")
		if hello.Repository != "registry.example/hello" || hello.Digest != fakeDigest("hello1.1.0") || len(hello.Platforms) != 2 {
			t.Errorf("hello: %+v", hello)
		}
		if errs := Check(lock); len(errs) != 0 {
			t.Errorf("Check: %v", errs)
		}
	})
	t.Run("a package of one tap depends on another tap's", func(t *testing.T) {
		lock, err := Resolve(ctx, home, reqs("only"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := summary(lock), "zlib 1.3.0 dependency main\nonly 1.0.0 requested extra"; got != want {
			t.Errorf("lock:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("a bare name in two taps and no default is ambiguous", func(t *testing.T) {
		_, err := Resolve(ctx, home, reqs("hello"), Options{})
		if err == nil || !strings.Contains(err.Error(), "package name hello is ambiguous: it is in 2 taps: main/hello, extra/hello") || cli.ExitCode(err) != cli.ExitUsage {
			t.Errorf("err = %v (exit %d)", err, cli.ExitCode(err))
		}
	})
	t.Run("the default tap takes a bare name", func(t *testing.T) {
		home := twoTaps(t, true)
		lock, err := Resolve(ctx, home, reqs("hello"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := summary(lock); got != "hello 2.0.0 requested extra" {
			t.Errorf("lock: %s", got)
		}
	})
	t.Run("two taps' packages of one name requested", func(t *testing.T) {
		_, err := Resolve(ctx, home, reqs("main/hello", "extra/hello"), Options{})
		if err == nil || err.Error() != "main/hello and extra/hello are two packages named hello from different taps; a lock holds one package per name" || cli.ExitCode(err) != cli.ExitUsage {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a dependency names another tap's package of a requested name", func(t *testing.T) {
		_, err := Resolve(ctx, home, reqs("main/hello@^1", "uses-extra"), Options{})
		want := "reading the versions of extra/hello: uses-extra 1.0.0 depends on extra/hello, but the solution takes hello from tap main (main/hello); a lock holds one package per name"
		if err == nil || err.Error() != want || cli.ExitCode(err) != cli.ExitConflict {
			t.Errorf("err = %v\nwant %s", err, want)
		}
	})
	t.Run("a package missing from every tap names where it looked", func(t *testing.T) {
		_, err := Resolve(ctx, home, reqs("gone"), Options{})
		want := "Because you requested gone, which doesn't exist (no tap has a package named gone; looked in main, extra), version solving failed."
		if err == nil || err.Error() != want || cli.ExitCode(err) != cli.ExitNotFound {
			t.Errorf("err = %v (exit %d)\nwant %s", err, cli.ExitCode(err), want)
		}
		_, err = Resolve(ctx, home, reqs("needs-gone"), Options{})
		want = "Because you requested needs-gone which depends on gone ^1, which doesn't exist (no tap has a package named gone; looked in main, extra), version solving failed."
		if err == nil || err.Error() != want {
			t.Errorf("err = %v\nwant %s", err, want)
		}
		_, err = Resolve(ctx, home, reqs("main/only"), Options{})
		if err == nil || !strings.Contains(err.Error(), "tap main has no package only") {
			t.Errorf("a tap that lacks the package: %v", err)
		}
	})
	t.Run("the explanation names a request as typed", func(t *testing.T) {
		// The solver knows main/hello and nosuchtap/greeter as hello and greeter; the
		// user typed the tap.
		_, err := Resolve(ctx, home, reqs("nosuchtap/greeter"), Options{})
		want := "Because you requested nosuchtap/greeter, which doesn't exist (no tap named \"nosuchtap\"), version solving failed."
		if err == nil || err.Error() != want || cli.ExitCode(err) != cli.ExitNotFound {
			t.Errorf("err = %v (exit %d)\nwant %s", err, cli.ExitCode(err), want)
		}
		_, err = ResolveAdd(ctx, home, reqs("nosuchtap/greeter"), Options{})
		if err == nil || err.Error() != want {
			t.Errorf("pkg-pull add: err = %v\nwant %s", err, want)
		}
		_, err = Resolve(ctx, home, reqs("main/new-greet", " main/old-greet "), Options{})
		want = "Because new-greet 1.0.0 depends on libgreet >=1.2 and old-greet 1.0.0 depends on libgreet <1.2, new-greet 1.0.0 is incompatible with old-greet 1.0.0.\nSo, because you requested main/new-greet and main/old-greet, version solving failed."
		if err == nil || err.Error() != want {
			t.Errorf("err = %v\nwant %s", err, want)
		}
	})
	t.Run("a conflict explains itself", func(t *testing.T) {
		_, err := Resolve(ctx, home, reqs("new-greet", "old-greet"), Options{})
		want := "Because new-greet 1.0.0 depends on libgreet >=1.2 and old-greet 1.0.0 depends on libgreet <1.2, new-greet 1.0.0 is incompatible with old-greet 1.0.0.\nSo, because you requested new-greet and old-greet, version solving failed."
		if err == nil || err.Error() != want || cli.ExitCode(err) != cli.ExitConflict {
			t.Errorf("err = %v\nwant %s", err, want)
		}
	})
	t.Run("a cycle names its members", func(t *testing.T) {
		_, err := Resolve(ctx, home, reqs("cyc-a"), Options{})
		if err == nil || !strings.Contains(err.Error(), "(cycle: cyc-a 1.0.0 -> cyc-b 1.0.0 -> cyc-a 1.0.0)") || cli.ExitCode(err) != cli.ExitConflict {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("no taps", func(t *testing.T) {
		_, err := Resolve(ctx, t.TempDir(), reqs("hello"), Options{})
		if err == nil || !strings.Contains(err.Error(), "no taps are configured") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("nothing requested", func(t *testing.T) {
		if _, err := Resolve(ctx, home, nil, Options{}); fault.KindOf(err) != fault.Usage {
			t.Errorf("err = %v", err)
		}
	})
}

func TestResolveTapWithoutCache(t *testing.T) {
	t.Parallel()
	home := twoTaps(t, false)
	if err := os.RemoveAll(filepath.Join(home, "taps", "extra")); err != nil {
		t.Fatal(err)
	}
	_, err := Resolve(context.Background(), home, reqs("main/hello"), Options{})
	if err == nil || err.Error() != "tap extra has no cache" || !strings.Contains(fault.HintOf(err), "pkg-tap update extra") {
		t.Errorf("err = %v (hint %q)", err, fault.HintOf(err))
	}
}

func TestLockDeterministic(t *testing.T) {
	t.Parallel()
	home := twoTaps(t, false)
	var first string
	for i := 0; i < 3; i++ {
		lock, err := Resolve(context.Background(), home, reqs("main/hello", "app", "only"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := lockYAML(t, lock)
		if i == 0 {
			first = got
		} else if got != first {
			t.Fatalf("run %d differs:\n%s\nfirst:\n%s", i, got, first)
		}
	}
}

// A yanked version is selected only by an exact pin, and then with a warning naming it
// (cargo warns the same way); pkg-pull add warns too, but not of an installed package
// it only holds at its version.
func TestResolveWarnsOfYanked(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	addTap(t, home, "main", true,
		entry("hello", v("1.2.0"), pv{version: "1.3.0", yanked: true}),
		entry("app", v("1.0.0", "hello@=1.3.0")),
		entry("tool", v("1.0.0")),
	)
	ctx := context.Background()
	const warning = "selected hello 1.3.0, which its publisher yanked: only an exact pin selects a yanked version"
	tests := []struct {
		name     string
		add      bool
		requests []resolve.Request
		want     string // the lock's summary
		warnings []string
	}{
		{"pinned", false, reqs("hello@=1.3.0"), "hello 1.3.0 requested main", []string{warning}},
		{"pinned through a tap", false, reqs("main/hello@=1.3.0"), "hello 1.3.0 requested main", []string{warning}},
		{"a range", false, reqs("hello@^1"), "hello 1.2.0 requested main", nil},
		{"a dependency's pin", false, reqs("app"), "hello 1.3.0 dependency main\napp 1.0.0 requested main", []string{warning}},
		{"add pinned", true, reqs("hello@=1.3.0"), "hello 1.3.0 requested main", []string{warning}},
		{"add beside it installed", true, reqs("tool"), "tool 1.0.0 requested main", nil},
	}
	writeInstalled(t, home, "main/hello 1.3.0 explicit")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warnings []string
			opts := Options{Platform: "linux/amd64", Patches: PatchesOff, Offline: true,
				Warn: func(format string, args ...any) { warnings = append(warnings, fmt.Sprintf(format, args...)) }}
			resolveFn := Resolve
			if tt.add {
				resolveFn = ResolveAdd
			}
			lock, err := resolveFn(ctx, home, tt.requests, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(lock); got != tt.want {
				t.Errorf("lock:\n%s\nwant:\n%s", got, tt.want)
			}
			if !slices.Equal(warnings, tt.warnings) {
				t.Errorf("warnings %q, want %q", warnings, tt.warnings)
			}
		})
	}
}

// refUniverse is a tap whose hello depends on a layout repository's tags.
func refUniverse(t *testing.T) (home, fonts string, digests map[string]string) {
	t.Helper()
	home = t.TempDir()
	fonts = "ocidir://" + filepath.Join(t.TempDir(), "reg", "fonts")
	digests = map[string]string{
		"1.0.0": publishPackage(t, fonts, "fonts", "1.0.0", nil),
		"2.0.0": publishPackage(t, fonts, "fonts", "2.0.0", nil),
		"2.1.0": publishPackage(t, fonts, "fonts", "2.1.0", []string{"zlib@^1"}, "linux/amd64", "linux/arm64"),
		"3.0.0": publishPackage(t, fonts, "fonts", "3.0.0", nil),
	}
	tagLayout(t, fonts, "2.1.0", "latest")
	tagLayout(t, fonts, "2.1.0", "2")
	addTap(t, home, "main", false,
		entry("hello", v("1.2.0", "libgreet@^1", "ref:"+fonts+"@>=2 <3")),
		entry("libgreet", v("1.0.0", "zlib@^1")),
		entry("zlib", v("1.3.0")),
	)
	return home, fonts, digests
}

func TestResolveRefDependencies(t *testing.T) {
	t.Parallel()
	home, fonts, digests := refUniverse(t)
	ctx := context.Background()
	lock, err := Resolve(ctx, home, reqs("hello"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "zlib 1.3.0 dependency main\nlibgreet 1.0.0 dependency main\n" + fonts + " 2.1.0 dependency\nhello 1.2.0 requested main"
	if got := summary(lock); got != want {
		t.Errorf("lock:\n%s\nwant:\n%s", got, want)
	}
	f, ok := lock.Package(fonts)
	if !ok {
		t.Fatalf("no %s in the lock", fonts)
	}
	if f.Tap != "" || f.Repository != fonts || f.Digest != digests["2.1.0"] || len(f.Platforms) != 2 ||
		f.Platforms[0].Platform != "linux/amd64" || f.Platforms[1].Platform != "linux/arm64" || strings.Join(f.Dependencies, ",") != "zlib" {
		t.Errorf("fonts: %+v", f)
	}
	if errs := Check(lock); len(errs) != 0 {
		t.Errorf("Check: %v", errs)
	}
	// What the tags said is cached: offline gives the same bytes.
	online := lockYAML(t, lock)
	offline, err := Resolve(ctx, home, reqs("hello"), Options{Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := lockYAML(t, offline); got != online {
		t.Errorf("offline lock differs:\n%s\nonline:\n%s", got, online)
	}
	entries, _ := os.ReadDir(filepath.Join(home, "refs"))
	if len(entries) != 1 {
		t.Errorf("refs cache: %v", entries)
	}

	// A request by repository: a version tag is an exact constraint, a constraint a range.
	for _, tt := range []struct {
		request resolve.Request
		version string
	}{
		{resolve.Request{Name: fonts + ":2.0.0"}, "2.0.0"},
		{resolve.Request{Name: "oci" + strings.TrimPrefix(fonts, "oci"), Constraint: "^1"}, "1.0.0"},
		{resolve.Request{Name: fonts}, "3.0.0"},
	} {
		lock, err := Resolve(ctx, home, []resolve.Request{tt.request}, Options{})
		if err != nil {
			t.Fatalf("%v: %v", tt.request, err)
		}
		p, ok := lock.Package(fonts)
		if !ok || p.Version != tt.version || p.Digest != digests[tt.version] || p.Reason != api.ReasonRequested {
			t.Errorf("%v: %+v", tt.request, lock.Packages)
		}
		if lock.Requests[0].Name != fonts {
			t.Errorf("%v: request recorded as %+v", tt.request, lock.Requests[0])
		}
	}
	if _, err := Resolve(ctx, home, []resolve.Request{{Name: fonts + ":latest"}}, Options{}); fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), `tag "latest" is not a version`) {
		t.Errorf("a request for a floating tag: %v", err)
	}

	// Offline without a cache: said, with the way out.
	fresh := t.TempDir()
	addTap(t, fresh, "main", false, entry("hello", v("1.2.0", "ref:"+fonts+"@^2")))
	_, err = Resolve(ctx, fresh, reqs("hello"), Options{Offline: true})
	if err == nil || !strings.Contains(err.Error(), "repository "+fonts+" is not in the cache (offline)") {
		t.Errorf("offline without a cache: %v", err)
	}
	// A repository that does not exist is a missing package.
	addTap(t, fresh, "other", false, entry("needs-none", v("1.0.0", "ref:ocidir://"+filepath.Join(t.TempDir(), "none")+"@^1")))
	_, err = Resolve(ctx, fresh, reqs("needs-none"), Options{})
	if err == nil || !strings.Contains(err.Error(), "does not exist") || cli.ExitCode(err) != cli.ExitNotFound {
		t.Errorf("a missing repository: %v", err)
	}
}

// patchUniverse is a tap and a layout patch registry:
//
//	hello:   0 {name: hello, version: >=1.1, platform: linux/*} → ca-bundle ^1
//	         1 {name: hel*, platform: darwin/*}                 → tool
//	         2 {version: <1.1}                                  → old-shim
//	_global: 0 {name: lib*}                                     → certs
//	         1 {name: ca-*}                                     → proxy
func patchUniverse(t *testing.T, required bool) (home, registry string) {
	t.Helper()
	home = t.TempDir()
	addTap(t, home, "main", false,
		entry("hello", v("1.0.0", "libgreet@^1"), v("1.1.0", "libgreet@^1")),
		entry("libgreet", v("1.2.0", "zlib@^1")),
		entry("zlib", v("1.3.0")),
		entry("ca-bundle", v("1.0.0", "certs@^1"), v("2.0.0", "certs@^1")),
		entry("certs", v("1.0.0")),
		entry("proxy", v("1.0.0")),
		entry("tool", v("3.1.0")),
		entry("old-shim", v("0.1.0")),
	)
	registry = "ocidir://" + filepath.Join(t.TempDir(), "patches")
	publishDescriptor(t, registry, "hello", `
  - match: {name: hello, version: ">=1.1", platform: "linux/*"}
    companions: [{name: main/ca-bundle, version: "^1"}]
  - match: {name: "hel*", platform: "darwin/*"}
    companions: [{name: tool}]
  - match: {version: "<1.1"}
    companions: [{name: old-shim}]
`)
	publishDescriptor(t, registry, "_global", `
  - match: {name: "lib*"}
    companions: [{name: certs}]
  - match: {name: "ca-*"}
    companions: [{name: proxy}]
`)
	setPatches(t, home, registry, required)
	return home, registry
}

func TestResolvePatches(t *testing.T) {
	t.Parallel()
	home, registry := patchUniverse(t, true)
	ctx := context.Background()
	tests := []struct {
		name     string
		request  string
		platform string
		want     string
		applied  []string
	}{
		{"name, version and platform match; companions patched by global rules", "hello", "linux/amd64",
			"zlib 1.3.0 dependency main\nlibgreet 1.2.0 dependency main\ncerts 1.0.0 patch main\nhello 1.1.0 requested main\nca-bundle 1.0.0 patch main\nproxy 1.0.0 patch main",
			[]string{"ca-bundle: proxy by _global rule 1 (name=ca-*)", "hello: ca-bundle by hello rule 0 (name=hello version=>=1.1 platform=linux/*)", "libgreet: certs by _global rule 0 (name=lib*)"}},
		{"another platform", "hello", "darwin/arm64",
			"zlib 1.3.0 dependency main\nlibgreet 1.2.0 dependency main\ncerts 1.0.0 patch main\nhello 1.1.0 requested main\ntool 3.1.0 patch main",
			[]string{"hello: tool by hello rule 1 (name=hel* platform=darwin/*)", "libgreet: certs by _global rule 0 (name=lib*)"}},
		{"another version", "hello@1.0.0", "linux/amd64",
			"zlib 1.3.0 dependency main\nlibgreet 1.2.0 dependency main\ncerts 1.0.0 patch main\nhello 1.0.0 requested main\nold-shim 0.1.0 patch main",
			[]string{"hello: old-shim by hello rule 2 (version=<1.1)", "libgreet: certs by _global rule 0 (name=lib*)"}},
		{"a package no rule matches", "zlib", "linux/amd64", "zlib 1.3.0 requested main", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Solve(ctx, home, reqs(tt.request), Options{Platform: tt.platform})
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(res.Lock); got != tt.want {
				t.Errorf("lock:\n%s\nwant:\n%s", got, tt.want)
			}
			var applied []string
			for _, a := range res.Applied {
				applied = append(applied, a.Package+": "+a.Companion+" by "+a.Descriptor+" rule "+itoa(a.Rule)+" ("+a.Match+")")
				if !strings.HasPrefix(a.Reference, patch.Repository(registry, a.Descriptor)+":patches@sha256:") {
					t.Errorf("reference %s", a.Reference)
				}
			}
			if strings.Join(applied, "\n") != strings.Join(tt.applied, "\n") {
				t.Errorf("applied:\n%s\nwant:\n%s", strings.Join(applied, "\n"), strings.Join(tt.applied, "\n"))
			}
			if errs := Check(res.Lock); len(errs) != 0 {
				t.Errorf("Check: %v", errs)
			}
		})
	}
	// The companion's edges: a patch edge from hello, its own dependency.
	lock, err := Resolve(ctx, home, reqs("hello"), Options{Platform: "linux/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	hello, _ := lock.Package("hello")
	ca, _ := lock.Package("ca-bundle")
	if strings.Join(hello.Patches, ",") != "ca-bundle" || strings.Join(ca.Dependencies, ",") != "certs" || strings.Join(ca.RequiredBy, ",") != "hello" || strings.Join(ca.Patches, ",") != "proxy" {
		t.Errorf("hello %+v\nca-bundle %+v", hello, ca)
	}
	// Off: no companions.
	lock, err = Resolve(ctx, home, reqs("hello"), Options{Platform: "linux/amd64", Patches: PatchesOff})
	if err != nil || len(lock.Packages) != 3 {
		t.Errorf("patches off: %v %s", err, summary(lock))
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

func TestPatchesOfflineFromCache(t *testing.T) {
	t.Parallel()
	home, registry := patchUniverse(t, true)
	ctx := context.Background()
	online, err := Resolve(ctx, home, reqs("hello"), Options{Platform: "linux/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"hello", "_global", "libgreet", "zlib", "ca-bundle", "certs", "proxy"} {
		if _, err := os.Stat(filepath.Join(home, "patches", name+".json")); err != nil {
			t.Errorf("descriptor cache of %s: %v", name, err)
		}
	}
	// The registry is gone: offline still applies the rules cached.
	if err := os.RemoveAll(strings.TrimPrefix(registry, "ocidir://")); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []Options{{Platform: "linux/amd64", Offline: true}, {Platform: "linux/amd64", Patches: PatchesCached}} {
		offline, err := Resolve(ctx, home, reqs("hello"), opts)
		if err != nil {
			t.Fatal(err)
		}
		if lockYAML(t, offline) != lockYAML(t, online) {
			t.Errorf("%+v: lock differs:\n%s", opts, summary(offline))
		}
	}
}

func TestPatchRegistryUnreachable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const registry = "127.0.0.1:1/patches"
	newHome := func(required bool) string {
		home := t.TempDir()
		addTap(t, home, "main", false, entry("hello", v("1.0.0")), entry("ca-bundle", v("1.0.0")))
		setPatches(t, home, registry, required)
		return home
	}

	home := newHome(true)
	_, err := Resolve(ctx, home, reqs("hello"), Options{})
	if err == nil || !strings.Contains(err.Error(), "patch registry 127.0.0.1:1/patches cannot be read (patches.required is true in config.yaml, so resolution fails closed)") || cli.ExitCode(err) != cli.ExitNetwork {
		t.Errorf("required: %v (exit %d)", err, cli.ExitCode(err))
	}
	if !strings.Contains(fault.HintOf(err), "--required=false") {
		t.Errorf("hint: %q", fault.HintOf(err))
	}

	home = newHome(false)
	// A descriptor cached before still applies.
	if err := writeDescriptor(filepath.Join(home, "patches"), &CachedDescriptor{Registry: registry, Name: "hello", Digest: fakeDigest("d"),
		Descriptor: mustDescriptor(t, "hello", "  - match: {name: hello}\n    companions: [{name: ca-bundle}]\n")}); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	lock, err := Resolve(ctx, home, reqs("hello"), Options{Warn: func(f string, a ...any) { warnings = append(warnings, f) }})
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(lock); got != "hello 1.0.0 requested main\nca-bundle 1.0.0 patch main" {
		t.Errorf("lock: %s", got)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "patches.required is false") {
		t.Errorf("warnings: %q", warnings)
	}

	// Sync says it used the cache, not that it checked it.
	writeInstalled(t, home, "main/hello 1.0.0 explicit")
	res, err := Sync(ctx, home, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// _global was never cached: sync must not claim it used it.
	if len(res.Checked) != 0 || len(res.Changed) != 0 || strings.Join(res.Cached, " ") != "hello" || strings.Join(res.Uncached, " ") != "_global" {
		t.Errorf("sync with the registry unreachable: checked %v, changed %v, cached %v, uncached %v; want hello cached, _global uncached, nothing checked", res.Checked, res.Changed, res.Cached, res.Uncached)
	}
	// Nor one cached from another patch registry, whose rules are not used.
	if err := writeDescriptor(filepath.Join(home, "patches"), &CachedDescriptor{Registry: "127.0.0.1:1/elsewhere", Name: patch.Global}); err != nil {
		t.Fatal(err)
	}
	if res, err := Sync(ctx, home, Options{Offline: true}); err != nil || strings.Join(res.Cached, " ") != "hello" || strings.Join(res.Uncached, " ") != "_global" {
		t.Errorf("sync --offline with _global cached from another registry: %v; cached %v, uncached %v; want hello cached, _global uncached", err, res.Cached, res.Uncached)
	}
	if got := summary(res.Lock); got != "hello 1.0.0 requested main\nca-bundle 1.0.0 patch main" {
		t.Errorf("sync lock: %s", got)
	}
}

func TestPatchRulesThatDoNotSettle(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	// A companion that needs an older hello, whose rule then no longer applies.
	addTap(t, home, "main", false,
		entry("hello", v("1.0.0"), v("2.0.0")),
		entry("pin-old", v("1.0.0", "hello@<2")),
	)
	registry := "ocidir://" + filepath.Join(t.TempDir(), "patches")
	publishDescriptor(t, registry, "hello", "  - match: {version: \">=2\"}\n    companions: [{name: pin-old}]\n")
	setPatches(t, home, registry, true)
	_, err := Resolve(context.Background(), home, reqs("hello"), Options{})
	if err == nil || !strings.Contains(err.Error(), "the patch rules did not settle after 10 rounds") || cli.ExitCode(err) != cli.ExitConflict {
		t.Errorf("err = %v", err)
	}
}

// A patch rule that names a package from another tap than the request does makes two
// packages of one name: the user asked for only one, so the hint names the rule, not
// "ask for one of them".
func TestPatchCompanionFromAnotherTapNamesTheRule(t *testing.T) {
	t.Parallel()
	home := twoTaps(t, false)
	registry := "ocidir://" + filepath.Join(t.TempDir(), "patches")
	publishDescriptor(t, registry, "app", "  - companions: [{name: extra/hello}]\n")
	setPatches(t, home, registry, true)
	_, err := Resolve(context.Background(), home, reqs("app", "main/hello"), Options{})
	// A conflict of what was asked (exit 5), not a usage error: the command line is fine.
	if err == nil || err.Error() != "main/hello and extra/hello are two packages named hello from different taps; a lock holds one package per name" || cli.ExitCode(err) != cli.ExitConflict {
		t.Fatalf("err = %v", err)
	}
	want := "the site's patch rules ask for this, not you: rule 0 of patch descriptor app (" + registry + "/app:patches@"
	if hint := fault.HintOf(err); !strings.HasPrefix(hint, want) || !strings.Contains(hint, ") adds extra/hello to app. Ask the site's administrator to make rule 0 of app name the tap the package comes from here; "+withoutRules) {
		t.Errorf("hint %q\nwant it to start %q and name the rule", hint, want)
	}
}

// A required patch registry whose certificate is not trusted fails closed with what to
// do about the certificate, and exits 1: "network, retry later" mends no certificate.
func TestPatchRegistryUntrustedCertificate(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(srv.Close)
	home := t.TempDir()
	addTap(t, home, "main", false, entry("hello", v("1.0.0")))
	registry := strings.TrimPrefix(srv.URL, "https://") + "/patches"
	setPatches(t, home, registry, true)
	_, err := Resolve(context.Background(), home, reqs("hello"), Options{})
	if err == nil || !strings.Contains(err.Error(), "not trusted") || cli.ExitCode(err) != cli.ExitError {
		t.Fatalf("got %v (exit %d)", err, cli.ExitCode(err))
	}
	for _, want := range []string{"--ca-file", "--required=false"} {
		if !strings.Contains(fault.HintOf(err), want) {
			t.Errorf("hint %q lacks %q", fault.HintOf(err), want)
		}
	}
}

// An index may write a repository with the optional oci:// scheme. The lock holds it
// in the spelling installed sources have, and a package installed from that repository
// is known as the tap's.
func TestIndexRepositoryWithScheme(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	p := entry("hello", v("1.0.0"))
	p.Repository = "oci://registry.example/hello"
	addTap(t, home, "main", false, p)
	lock, err := Resolve(context.Background(), home, reqs("hello"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if hello, _ := lock.Package("hello"); hello == nil || hello.Repository != "registry.example/hello" {
		t.Errorf("hello in the lock: %+v", hello)
	}
	cfg, err := tap.Load(home)
	if err != nil {
		t.Fatal(err)
	}
	inst := &api.Installed{Name: "hello", Version: "1.0.0", Reason: api.ReasonExplicit,
		Source: "registry.example/hello@" + fakeDigest("hello1.0.0")}
	if got := installedName(cfg, inst); got != "main/hello" {
		t.Errorf("installedName = %q, want main/hello", got)
	}
}

// A request for a layout whose index.json lists its manifests without tags, as crane
// writes layouts, is told the digest references pkg-pull installs them by.
func TestResolveUntaggedLayoutNamesDigests(t *testing.T) {
	t.Parallel()
	repo := "ocidir://" + filepath.Join(t.TempDir(), "tool")
	d := publishPackage(t, repo, "tool", "1.0.0", nil)
	path := filepath.Join(strings.TrimPrefix(repo, "ocidir://"), "index.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var index ocispec.Index
	if err := json.Unmarshal(data, &index); err != nil {
		t.Fatal(err)
	}
	for _, m := range index.Manifests {
		delete(m.Annotations, ocispec.AnnotationRefName)
	}
	if data, err = json.Marshal(index); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Resolve(context.Background(), t.TempDir(), []resolve.Request{{Name: repo}}, Options{})
	want := "its index.json lists 1 manifest without a tag (crane and other tools write layouts so): " + repo + "@" + d + " (tool 1.0.0); pkg-pull installs one"
	if fault.KindOf(err) != fault.NotFound || !strings.Contains(fault.HintOf(err), want) {
		t.Errorf("an untagged layout: %v\nhint: %s", err, fault.HintOf(err))
	}
}
