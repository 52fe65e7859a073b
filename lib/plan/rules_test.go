package plan

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/patch"
	"longshore.dev/lib/store"
)

// patch list and patch why report what the solver does: a rule that matches every
// package does not add proxyconfig to itself, whether the installed proxyconfig is
// known by its repository (as the rule names it) or through a tap that lists the same
// repository.
func TestRulesAgreeWithTheSolver(t *testing.T) {
	t.Parallel()
	for _, tapped := range []bool{false, true} {
		name := "by repository"
		if tapped {
			name = "through a tap"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			home, proxy := anyUniverse(t)
			if tapped {
				p := entry("proxyconfig", v("2.1.0"))
				p.Repository = proxy
				addTap(t, home, "demo", false, p)
			}
			installedOn(t, home, proxy, store.HostPlatform(), "hello explicit", "tool explicit")
			res, err := Sync(ctx, home, Options{})
			if err != nil {
				t.Fatal(err)
			}
			// What pkg-pull -f records of the sync lock.
			installedOn(t, home, proxy, store.HostPlatform(), "hello explicit "+proxy, "tool explicit "+proxy, "proxyconfig patch")
			targets, err := InstalledTargets(home)
			if err != nil {
				t.Fatal(err)
			}
			rules, err := Rules(home, targets)
			if err != nil {
				t.Fatal(err)
			}
			want := "hello: " + proxy + " by _global rule 0\ntool: " + proxy + " by _global rule 0"
			if got := appliedLines(res.Applied); got != want {
				t.Errorf("the solver applied:\n%s\nwant:\n%s", got, want)
			}
			if got := appliedLines(rules); got != want {
				t.Errorf("patch list reports:\n%s\nwant what the solver applied:\n%s", got, want)
			}
			if strings.Contains(appliedLines(rules), "proxyconfig: ") {
				t.Errorf("a rule applies to its own companion")
			}
		})
	}
}

// A site rule asking for what cannot be had is the site's fault, not the user's: the
// explanation names the rule, and the hint names the descriptor with its reference and
// what the user can do, also where pkg-pull add would blame the installed packages.
func TestBadRuleIsBlamedOnTheSite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home := t.TempDir()
	addTap(t, home, "main", true, entry("hello", v("1.0.0")), entry("tool", v("1.0.0")), entry("gadget", v("1.0.0")), entry("ca-bundle", v("1.0.0"), v("2.0.0")))
	registry := "ocidir://" + filepath.Join(t.TempDir(), "patches")
	publishDescriptor(t, registry, "_global", `
  - match: {name: "gadget"}
    companions: [{name: corp/certs}]
  - match: {name: "hello"}
    companions: [{name: main/ca-bundle, version: "^9"}]
`)
	setPatches(t, home, registry, true)
	global := patch.Repository(registry, "_global") + ":patches@sha256:"

	_, err := Resolve(ctx, home, reqs("hello@^1"), Options{})
	const explanation = "Because a patch for hello (rule 1 of _global) adds main/ca-bundle ^9, which matches no version of ca-bundle (it has 1.0.0 and 2.0.0), version solving failed."
	if err == nil || err.Error() != explanation || fault.KindOf(err) != fault.Conflict {
		t.Fatalf("resolve hello: %v (%v)\nwant: %s", err, fault.KindOf(err), explanation)
	}
	hint := fault.HintOf(err)
	for _, want := range []string{
		"the site's patch rules ask for this, not you: rule 1 of patch descriptor _global (" + global,
		") adds main/ca-bundle@^9 to hello. Ask the site's administrator to fix rule 1 of _global; until then `pkg-dep resolve --no-patches`",
	} {
		if !strings.Contains(hint, want) {
			t.Errorf("hint:\n%s\nwant it to contain:\n%s", hint, want)
		}
	}
	if strings.Contains(hint, "relax") {
		t.Errorf("the hint asks the user to relax a constraint the site imposes: %s", hint)
	}

	// pkg-pull add with tool installed: still the rule, not "what is installed stays".
	writeInstalled(t, home, "main/tool 1.0.0 explicit")
	_, err = ResolveAdd(ctx, home, reqs("hello"), Options{Patches: PatchesCached})
	if hint := fault.HintOf(err); !strings.Contains(hint, "rule 1 of patch descriptor _global") || strings.Contains(hint, "what is installed stays") {
		t.Errorf("add hello with tool installed: %v\nhint: %s", err, hint)
	}

	// A companion from a tap that is not configured: the tap to add first, then the rule.
	_, err = Resolve(ctx, home, reqs("gadget"), Options{Patches: PatchesCached})
	hint = fault.HintOf(err)
	if fault.KindOf(err) != fault.NotFound || !strings.Contains(err.Error(), "a patch for gadget (rule 0 of _global) adds corp/certs") ||
		!strings.HasPrefix(hint, "configured taps: main; add it with `pkg-tap add corp REF`. The site's patch rules ask for it, not you: rule 0 of patch descriptor _global (") ||
		!strings.Contains(hint, "fix rule 0 of _global") {
		t.Errorf("resolve gadget: %v\nhint: %s", err, hint)
	}
}
