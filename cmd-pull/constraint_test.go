package main

import (
	"fmt"
	"strings"
	"testing"

	"longshore.dev/lib/api"
)

// An explicit install records the constraint its Lock request carried; a later Lock
// that only brings it as a dependency keeps it, and asking for it again replaces it.
func TestInstalledConstraint(t *testing.T) {
	t.Parallel()
	pub := publishAll(t,
		pkg{"lib", "1.0.0", "  bin: [bin/lib]\n", map[string]string{"bin/lib": "#!/bin/sh\n"}},
		pkg{"app", "2.1.0", "  dependencies:\n    - {name: lib}\n", map[string]string{"a": "a"}},
		pkg{"suite", "1.0.0", "  dependencies:\n    - {name: app}\n", map[string]string{"s": "s"}},
	)
	entry := func(name, reason, deps string) string {
		p := pub[name].Published
		return fmt.Sprintf("  - name: %s\n    version: %s\n    repository: %s\n    digest: %s\n    platforms:\n      - {platform: any, digest: %s}\n%s    reason: %s\n",
			name, p.Version, p.Repository, p.Digest, p.Digest, deps, reason)
	}
	lock := func(requests string, entries ...string) string {
		return "apiVersion: longshore.dev/v1alpha1\nkind: Lock\nrequests:\n" + requests + "packages:\n" + strings.Join(entries, "")
	}
	env := newEnv(t)
	constraintOf := func(name string) string {
		t.Helper()
		out := mustPull(t, env, "", "list", "-o", "yaml").Stdout
		for _, doc := range strings.Split(out, "---\n") {
			if strings.Contains(doc, "\nname: "+name+"\n") {
				for _, l := range strings.Split(doc, "\n") {
					if c, ok := strings.CutPrefix(l, "constraint: "); ok {
						return c
					}
				}
				return ""
			}
		}
		t.Fatalf("%s is not installed:\n%s", name, out)
		return ""
	}

	mustPull(t, env, lock("  - {name: app, version: ^2}\n",
		entry("app", "requested", "    dependencies: [lib]\n"),
		entry("lib", "dependency", "    requiredBy: [app]\n"))+"order: [lib, app]\n", "-f", "-")
	if got := constraintOf("app"); got != "^2" {
		t.Errorf("app after add app@^2: constraint %q", got)
	}
	if got := constraintOf("lib"); got != "" {
		t.Errorf("lib, a dependency, has constraint %q", got)
	}
	mustPull(t, env, lock("  - {name: suite}\n",
		entry("app", "dependency", "    dependencies: [lib]\n    requiredBy: [suite]\n"),
		entry("lib", "dependency", "    requiredBy: [app]\n"),
		entry("suite", "requested", "    dependencies: [app]\n"))+"order: [lib, app, suite]\n", "-f", "-")
	if got := constraintOf("app"); got != "^2" {
		t.Errorf("app, brought again as a dependency of suite: constraint %q, want ^2 kept", got)
	}
	mustPull(t, env, lock("  - {name: app}\n",
		entry("app", "requested", "    dependencies: [lib]\n"),
		entry("lib", "dependency", "    requiredBy: [app]\n"))+"order: [lib, app]\n", "-f", "-")
	if got := constraintOf("app"); got != "" {
		t.Errorf("app asked for again without a constraint: %q kept", got)
	}
}

// upgrade keeps the platform the installs were made for: "any" says nothing, one
// platform is kept, two cannot share one install and are named.
func TestUpgradePlatform(t *testing.T) {
	t.Parallel()
	inst := func(name, platform string) *api.Installed {
		i := api.NewInstalled()
		i.Name, i.Platform = name, platform
		return i
	}
	for _, tc := range []struct {
		chosen  []*api.Installed
		want    string
		wantErr string
	}{
		{[]*api.Installed{inst("a", "any"), inst("b", "any")}, "", ""},
		{[]*api.Installed{inst("a", "any"), inst("b", "linux/arm64")}, "linux/arm64", ""},
		{[]*api.Installed{inst("a", "linux/arm64"), inst("b", "linux/amd64"), inst("c", "linux/arm64")}, "",
			"installed for different platforms: linux/amd64 (b), linux/arm64 (a, c)"},
	} {
		got, err := upgradePlatform(tc.chosen)
		if got != tc.want || (err == nil) != (tc.wantErr == "") || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("upgradePlatform: %q, %v; want %q, %q", got, err, tc.want, tc.wantErr)
		}
	}
}
