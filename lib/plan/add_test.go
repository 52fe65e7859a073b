package plan

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/resolve"
)

// pkg-pull add solves with what is installed: it never breaks an installed package, and
// it leaves alone what the new requests do not reach.
func TestResolveAddHoldsWhatIsInstalled(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	addTap(t, home, "main", true,
		entry("libgreet", v("1.0.0"), v("1.1.0")),
		entry("greeter", v("1.0.0", "libgreet@^1.0"), v("2.0.0", "libgreet@^1.1")),
		entry("app", v("0.2.0", "greeter@^1")),
		entry("util", v("1.0.0"), v("1.1.0")),
		entry("tool", v("1.0.0", "util@^1")),
		entry("fresh", v("1.0.0", "util@^1")),
	)
	writeInstalled(t, home, "main/app 0.2.0 explicit", "main/greeter 1.0.0 dependency", "main/libgreet 1.0.0 dependency",
		"main/tool 1.0.0 explicit", "main/util 1.0.0 dependency")
	ctx := context.Background()
	opts := Options{Platform: "linux/amd64", Patches: PatchesOff, Offline: true}

	// Alone, greeter would be 2.0.0; installed app needs ^1.
	lock, err := ResolveAdd(ctx, home, []resolve.Request{{Name: "greeter"}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(lock), "libgreet 1.1.0 dependency main\ngreeter 1.0.0 requested main"; got != want {
		t.Errorf("add greeter:\n%s\nwant:\n%s", got, want)
	}
	if len(lock.Requests) != 1 || lock.Requests[0].Name != "greeter" {
		t.Errorf("requests %+v, want only greeter", lock.Requests)
	}
	if err := lock.Validate(); err != nil {
		t.Errorf("the cut lock is not valid: %v", err)
	}

	// Asking for what app cannot take is a conflict that names the held package.
	_, err = ResolveAdd(ctx, home, []resolve.Request{{Name: "greeter", Constraint: "^2"}}, opts)
	if fault.KindOf(err) != fault.Conflict || !strings.Contains(fault.HintOf(err), "app 0.2.0") {
		t.Errorf("add greeter@^2: %v (hint %q), want a conflict naming app 0.2.0", err, fault.HintOf(err))
	}
	// ... unless app is asked for too, and may move with it.
	if _, err := ResolveAdd(ctx, home, []resolve.Request{{Name: "greeter", Constraint: "^2"}, {Name: "app"}}, opts); err == nil {
		t.Errorf("app has no version taking greeter 2, yet the solve succeeded")
	}

	// A new package sharing util with installed tool: util is part of its lock (at the
	// newest that fits both), tool is not touched.
	lock, err = ResolveAdd(ctx, home, []resolve.Request{{Name: "fresh"}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(lock), "util 1.1.0 dependency main\nfresh 1.0.0 requested main"; got != want {
		t.Errorf("add fresh:\n%s\nwant:\n%s", got, want)
	}

	// An explicitly installed package the request reaches is its dependency in the
	// lock (the store keeps it explicit).
	writeInstalled(t, home, "main/util 1.0.0 explicit")
	lock, err = ResolveAdd(ctx, home, []resolve.Request{{Name: "tool"}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(lock), "util 1.0.0 dependency main\ntool 1.0.0 requested main"; got != want {
		t.Errorf("add tool over explicit util:\n%s\nwant:\n%s", got, want)
	}
}

// A bare dependency name that two taps have, with no default tap, is looked up in the
// dependent's own tap: adding an unrelated tap does not break resolution.
func TestBareDependencyPrefersTheDependentsTap(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	addTap(t, home, "demo", false, entry("app", v("0.2.0", "greeter@^1")), entry("greeter", v("1.0.0")))
	addTap(t, home, "extra", false, entry("greeter", v("1.5.0")), entry("other", v("1.0.0", "greeter@^1")))
	opts := Options{Platform: "linux/amd64", Patches: PatchesOff, Offline: true}
	lock, err := Resolve(context.Background(), home, []resolve.Request{{Name: "demo/app"}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(lock), "greeter 1.0.0 dependency demo\napp 0.2.0 requested demo"; got != want {
		t.Errorf("lock:\n%s\nwant:\n%s", got, want)
	}
	// A bare request stays ambiguous: nothing says which tap the user meant.
	if _, err := Resolve(context.Background(), home, []resolve.Request{{Name: "greeter"}}, opts); fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("bare request in two taps: %v", err)
	}
}

// A package whose tap was removed cannot be held (its versions are gone), so add holds
// what it depends on instead, at the installed versions: adding a package never
// switches a dependency under it. Dependencies whose tap is gone too are not held but
// followed, to what they depend on.
func TestResolveAddHoldsTheDependenciesOfAPackageWhoseTapIsGone(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	addTap(t, home, "demo", false,
		entry("greet", v("1.0.0"), v("1.1.0"), v("5.0.0")),
		entry("app", v("1.0.0", "greet@^1")),
		entry("hi", v("1.0.0", "greet@^5")),
		entry("zlib", v("1.0.0"), v("1.2.0")),
		entry("zip", v("1.0.0", "zlib@^1.2")),
		entry("tool", v("1.0.0")),
	)
	// web and lib came through tap other, which is gone; greet and zlib through demo.
	writeInstalled(t, home, "other/web 1.0.0 explicit greet,lib", "demo/greet 5.0.0 dependency",
		"other/lib 1.0.0 dependency zlib", "demo/zlib 1.0.0 dependency")
	ctx := context.Background()
	var warnings []string
	opts := Options{Platform: "linux/amd64", Patches: PatchesOff, Offline: true,
		Warn: func(format string, args ...any) { warnings = append(warnings, fmt.Sprintf(format, args...)) }}

	// app needs greet ^1, which would switch web's greet 5.0.0: a conflict that says so.
	_, err := ResolveAdd(ctx, home, reqs("app"), opts)
	if cli.ExitCode(err) != cli.ExitConflict || !strings.Contains(err.Error(), "the installed packages include demo/greet =5.0.0") ||
		!strings.Contains(fault.HintOf(err), "greet 5.0.0") || !strings.Contains(fault.HintOf(err), "web 1.0.0 depends on") {
		t.Errorf("add app: %v (hint %q, exit %d), want a conflict naming the held greet 5.0.0 and web", err, fault.HintOf(err), cli.ExitCode(err))
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "web 1.0.0 came through tap other") || !strings.Contains(warnings[0], "its dependencies are held") ||
		!strings.Contains(warnings[1], "lib 1.0.0") {
		t.Errorf("warnings %q, want one for web (its dependencies held) and one for lib", warnings)
	}

	// Held through lib, whose tap is gone too: zlib stays at 1.0.0.
	if _, err := ResolveAdd(ctx, home, reqs("zip"), opts); cli.ExitCode(err) != cli.ExitConflict || !strings.Contains(fault.HintOf(err), "zlib 1.0.0") {
		t.Errorf("add zip: %v (hint %q), want a conflict naming the held zlib 1.0.0", err, fault.HintOf(err))
	}
	// What fits the held versions is added.
	lock, err := ResolveAdd(ctx, home, reqs("hi", "tool"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(lock), "greet 5.0.0 dependency demo\nhi 1.0.0 requested demo\ntool 1.0.0 requested demo"; got != want {
		t.Errorf("add hi tool:\n%s\nwant:\n%s", got, want)
	}
}

// The reviewer's case: web and the greet it was installed with both came through a tap
// that is gone, so neither can be held; an add that would put another greet in its place
// is refused all the same, while one that does not touch greet goes ahead.
func TestResolveAddKeepsADependencyWhoseTapIsGone(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	addTap(t, home, "demo", false,
		entry("greet", v("1.0.0"), v("1.1.0")),
		entry("app", v("1.0.0", "greet@^1")),
		entry("tool", v("1.0.0")),
	)
	writeInstalled(t, home, "other/web 1.0.0 explicit greet", "other/greet 5.0.0 dependency")
	ctx := context.Background()
	var warnings []string
	opts := Options{Platform: "linux/amd64", Patches: PatchesOff, Offline: true,
		Warn: func(format string, args ...any) { warnings = append(warnings, fmt.Sprintf(format, args...)) }}

	_, err := ResolveAdd(ctx, home, reqs("app"), opts)
	want := "adding would replace greet 5.0.0 with greet 1.1.0 (tap demo), and web 1.0.0 depends on greet 5.0.0: they came through tap other, which is no longer configured, so they cannot be held"
	if cli.ExitCode(err) != cli.ExitConflict || err.Error() != want || !strings.Contains(fault.HintOf(err), "pkg-pull remove web") {
		t.Errorf("add app: %v (hint %q, exit %d)\nwant %s", err, fault.HintOf(err), cli.ExitCode(err), want)
	}
	if len(warnings) != 2 || !strings.Contains(warnings[1], "greet 5.0.0, which web 1.0.0 depends on, came through tap other") {
		t.Errorf("warnings %q", warnings)
	}
	if lock, err := ResolveAdd(ctx, home, reqs("tool"), opts); err != nil || summary(lock) != "tool 1.0.0 requested demo" {
		t.Errorf("add tool: %v", err)
	}
}

// The hint that what is installed stays at its version belongs to a failure that rests
// on a held package, not to one that has nothing to do with it.
func TestResolveAddHintsHeldOnlyWhenTheyAreWhy(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	addTap(t, home, "main", true,
		entry("greeter", v("1.0.0"), v("2.0.0")),
		entry("app", v("0.2.0", "greeter@^1")),
	)
	writeInstalled(t, home, "main/app 0.2.0 explicit greeter", "main/greeter 1.0.0 dependency")
	ctx := context.Background()
	opts := Options{Platform: "linux/amd64", Patches: PatchesOff, Offline: true}
	for _, tc := range []struct {
		request string
		held    bool
	}{
		{"greeter@^2", true},
		{"greeter@^3", false}, // no greeter 3 at all: app has nothing to do with it
	} {
		t.Run(tc.request, func(t *testing.T) {
			_, err := ResolveAdd(ctx, home, reqs(tc.request), opts)
			if fault.KindOf(err) != fault.Conflict {
				t.Fatalf("err = %v, want a conflict", err)
			}
			if got := strings.Contains(fault.HintOf(err), "what is installed stays at its version (app 0.2.0)"); got != tc.held {
				t.Errorf("hint %q: names what is held = %v, want %v", fault.HintOf(err), got, tc.held)
			}
		})
	}
}

// Two taps' packages depending on one bare name that both taps have: the name is
// looked up once (in the first dependent's tap), so the explanation says the version
// the other needs is missing; the hint says why.
func TestBareDependencyFromTwoTaps(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	addTap(t, home, "demo", false, entry("app", v("1.0.0", "greet@^1")), entry("greet", v("1.0.0"), v("1.1.0"), v("2.0.0")))
	addTap(t, home, "other", false, entry("web", v("1.0.0", "greet@^5")), entry("greet", v("5.0.0")))
	opts := Options{Platform: "linux/amd64", Patches: PatchesOff, Offline: true}
	_, err := Resolve(context.Background(), home, reqs("demo/app", "other/web"), opts)
	hint := "greet is in taps demo and other, and demo/app and other/web both depend on it by that bare name: a lock holds one package per name; name the tap in a request (demo/greet …) or make one tap the default (pkg-tap add … --default)"
	if fault.KindOf(err) != fault.Conflict || fault.HintOf(err) != hint {
		t.Errorf("err = %v\nhint %q\nwant %q", err, fault.HintOf(err), hint)
	}
	// One dependent alone: nothing fails.
	if _, err := Resolve(context.Background(), home, reqs("other/web"), opts); err != nil {
		t.Errorf("other/web alone: %v", err)
	}

	// With a default tap, bare greet is the default's, as a bare request would be: the
	// dependents' taps played no part, and the hint is not given.
	withDefault := t.TempDir()
	addTap(t, withDefault, "demo", true, entry("app", v("1.0.0", "greet@^1")), entry("greet", v("1.0.0"), v("1.1.0"), v("2.0.0")))
	addTap(t, withDefault, "other", false, entry("web", v("1.0.0", "greet@^5")), entry("greet", v("5.0.0")))
	_, err = Resolve(context.Background(), withDefault, reqs("demo/app", "other/web"), opts)
	if fault.KindOf(err) != fault.Conflict || strings.Contains(fault.HintOf(err), "by that bare name") {
		t.Errorf("with a default tap: %v (hint %q)", err, fault.HintOf(err))
	}
}

// "matches no version" may be the cache's word: the hint says to update the taps.
func TestNoVersionHintsAtStaleCaches(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	addTap(t, home, "main", true, entry("tool", v("1.0.0")))
	_, err := Resolve(context.Background(), home, []resolve.Request{{Name: "tool", Constraint: "^2"}}, Options{Platform: "linux/amd64", Patches: PatchesOff, Offline: true})
	if fault.KindOf(err) != fault.Conflict || !strings.Contains(fault.HintOf(err), "run `pkg-tap update` first") {
		t.Errorf("got %v (hint %q)", err, fault.HintOf(err))
	}
}
