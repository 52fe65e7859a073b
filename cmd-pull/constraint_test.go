package main

import (
	"fmt"
	"strings"
	"testing"
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
