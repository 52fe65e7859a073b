package main

import (
	"slices"
	"testing"

	"longshore.dev/lib/api"
)

// lockChanges names what an upgrade would change: a new version, a version republished
// under another digest, and a package its tap now lists in another repository (a tap
// re-added under the same name) — never a package that stays as it is.
func TestLockChanges(t *testing.T) {
	t.Parallel()
	const (
		repo  = "127.0.0.1:5000/demo/hello"
		other = "127.0.0.1:5001/private/hello"
		d1    = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
		d2    = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	)
	installed := []*api.Installed{{Name: "hello", Version: "1.0.0", Digest: d1, Source: repo + "@" + d1}}
	for _, tc := range []struct {
		name string
		p    api.LockedPackage
		want []string
	}{
		{"unchanged", api.LockedPackage{Name: "hello", Version: "1.0.0", Repository: repo, Digest: d1}, nil},
		// An index may spell its repository as any reference to it: oci:// is dropped
		// when the source is recorded, so it is no move.
		{"unchanged, oci://", api.LockedPackage{Name: "hello", Version: "1.0.0", Repository: "oci://" + repo, Digest: d1}, nil},
		{"newer", api.LockedPackage{Name: "hello", Version: "1.1.0", Repository: repo, Digest: d2},
			[]string{"upgrade hello 1.0.0 -> 1.1.0"}},
		{"republished", api.LockedPackage{Name: "hello", Version: "1.0.0", Repository: repo, Digest: d2},
			[]string{"reinstall hello 1.0.0"}},
		{"moved", api.LockedPackage{Name: "hello", Version: "1.1.0", Repository: other, Digest: d2},
			[]string{"upgrade hello 1.0.0 -> 1.1.0, from " + other + ", not " + repo + " where it was installed from"}},
		{"moved, same version", api.LockedPackage{Name: "hello", Version: "1.0.0", Repository: other, Digest: d1},
			[]string{"reinstall hello 1.0.0, from " + other + ", not " + repo + " where it was installed from"}},
		// Installed by reference (pkg-pull REPO:TAG), hello is asked for by its
		// repository's tags, and the lock names it by that repository; installed.yaml
		// by its own name.
		{"by reference, unchanged", api.LockedPackage{Name: repo, Version: "1.0.0", Repository: repo, Digest: d1}, nil},
		{"by reference, newer", api.LockedPackage{Name: repo, Version: "1.1.0", Repository: repo, Digest: d2},
			[]string{"upgrade hello 1.0.0 -> 1.1.0"}},
		{"by reference, republished", api.LockedPackage{Name: repo, Version: "1.0.0", Repository: repo, Digest: d2},
			[]string{"reinstall hello 1.0.0"}},
		{"another repository", api.LockedPackage{Name: other, Version: "1.1.0", Repository: other, Digest: d2},
			[]string{"install " + other + " 1.1.0"}},
	} {
		lock := api.NewLock()
		lock.Packages, lock.Order = []api.LockedPackage{tc.p}, []string{tc.p.Name}
		if got := lockChanges(installed, lock); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
