package plan

import (
	"context"
	"strings"
	"testing"

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
