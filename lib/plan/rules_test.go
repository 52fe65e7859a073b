package plan

import (
	"context"
	"strings"
	"testing"

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
