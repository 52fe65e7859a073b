package plan

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/resolve"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	home, _ := patchUniverse(t, true)
	good, err := Resolve(context.Background(), home, reqs("main/hello"), Options{Platform: "linux/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if errs := Check(good); len(errs) != 0 {
		t.Fatalf("a resolved lock: %v", errs)
	}
	tests := []struct {
		name   string
		break_ func(l *api.Lock)
		want   string
	}{
		{"a dependency after its dependent", func(l *api.Lock) { l.Order[0], l.Order[1] = l.Order[1], l.Order[0] }, "order: libgreet comes before its dependency zlib"},
		{"a companion before its base", func(l *api.Lock) {
			i, j := position(l.Order, "hello"), position(l.Order, "ca-bundle")
			l.Order[i], l.Order[j] = l.Order[j], l.Order[i]
		}, "order: ca-bundle, a patch companion of hello, comes before it"},
		{"an edge to nothing", func(l *api.Lock) { pkg(l, "hello").Dependencies = append(pkg(l, "hello").Dependencies, "nothing") }, "packages[2] (hello) names nothing, which is not in the lock"},
		{"a bad digest", func(l *api.Lock) { pkg(l, "zlib").Digest = "sha256:abc" }, `zlib 1.3.0: digest: "sha256:abc" is not a digest`},
		{"a bad platform digest", func(l *api.Lock) { pkg(l, "zlib").Platforms[0].Digest = "md5:x" }, "zlib 1.3.0: platform linux/amd64: digest"},
		{"requiredBy not the inverse", func(l *api.Lock) { pkg(l, "zlib").RequiredBy = nil }, "zlib: requiredBy is [], but the packages that depend on it or that it patches are [libgreet]"},
		{"a request of nothing", func(l *api.Lock) { l.Requests = append(l.Requests, api.LockRequest{Name: "main/gone"}) }, "request main/gone names no package of the lock"},
		{"missing from the order", func(l *api.Lock) { l.Order = l.Order[1:] }, "order holds 5 of the 6 packages"},
		{"a bad version", func(l *api.Lock) { pkg(l, "zlib").Version = "1.3" }, `zlib: version "1.3" is not semantic`},
		{"credentials in a repository are not repeated", func(l *api.Lock) { pkg(l, "zlib").Repository = "user:s3cret@registry.example/zlib" }, `zlib: repository "***@registry.example/zlib"`},
		{"a platform with an escape", func(l *api.Lock) { pkg(l, "zlib").Platforms[0].Platform = "linux/amd64/\x1b[2J" }, `zlib 1.3.0: platform "linux/amd64/\x1b[2J" is not os/arch[/variant] or any`},
		{"a package depending on itself", func(l *api.Lock) {
			pkg(l, "zlib").Dependencies = []string{"zlib"}
			pkg(l, "zlib").RequiredBy = append(pkg(l, "zlib").RequiredBy, "zlib")
		}, "zlib depends on itself"},
		{"a package patching itself", func(l *api.Lock) {
			pkg(l, "zlib").Patches = []string{"zlib"}
			pkg(l, "zlib").RequiredBy = append(pkg(l, "zlib").RequiredBy, "zlib")
		}, "zlib is its own patch companion"},
		{"a patch reason without a patch edge", func(l *api.Lock) {
			pkg(l, "hello").Patches = nil
			pkg(l, "ca-bundle").RequiredBy = []string{"hello"}
		}, "ca-bundle has reason patch, but no package lists it among its patches"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := clone(t, good)
			tt.break_(l)
			errs := Check(l)
			var texts []string
			for _, e := range errs {
				texts = append(texts, e.Error())
			}
			if !strings.Contains(strings.Join(texts, "\n"), tt.want) {
				t.Errorf("problems:\n%s\nwant one containing %q", strings.Join(texts, "\n"), tt.want)
			}
		})
	}
}

func position(s []string, x string) int {
	for i, y := range s {
		if y == x {
			return i
		}
	}
	return -1
}

func pkg(l *api.Lock, name string) *api.LockedPackage {
	p, _ := l.Package(name)
	return p
}

func clone(t *testing.T, l *api.Lock) *api.Lock {
	t.Helper()
	c := *l
	c.Requests = append([]api.LockRequest(nil), l.Requests...)
	c.Order = append([]string(nil), l.Order...)
	c.Packages = nil
	for _, p := range l.Packages {
		p.Dependencies = append([]string(nil), p.Dependencies...)
		p.Platforms = append([]api.Platform(nil), p.Platforms...)
		p.RequiredBy = append([]string(nil), p.RequiredBy...)
		c.Packages = append(c.Packages, p)
	}
	return &c
}

func TestCheckRemote(t *testing.T) {
	t.Parallel()
	home, fonts, digests := refUniverse(t)
	ctx := context.Background()
	lock, err := Resolve(ctx, home, []resolve.Request{{Name: fonts, Constraint: "2.0.0"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	problems, err := CheckRemote(ctx, lock, oci.Options{})
	if err != nil || len(problems) != 0 {
		t.Fatalf("a lock of what exists: %v %v", err, problems)
	}
	// 2.1.0 has an index and two platform manifests: each is checked.
	lock, err = Resolve(ctx, home, []resolve.Request{{Name: fonts, Constraint: "2.1.0"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p := pkg(lock, fonts); p.Digest != digests["2.1.0"] || len(p.Platforms) != 2 {
		t.Fatalf("fonts 2.1.0: %+v", p)
	}
	// Only fonts: zlib comes from the tap, whose registry.example is made up.
	lock.Packages = []api.LockedPackage{*pkg(lock, fonts)}
	if problems, err := CheckRemote(ctx, lock, oci.Options{}); err != nil || len(problems) != 0 {
		t.Fatalf("fonts 2.1.0: %v %v", err, problems)
	}
	missing := fakeDigest("missing")
	lock.Packages[0].Platforms[1].Digest = missing
	problems, err = CheckRemote(ctx, lock, oci.Options{})
	if err != nil || len(problems) != 1 || problems[0].Error() != fmt.Sprintf("%s 2.1.0: %s does not exist in %s", fonts, missing, fonts) {
		t.Errorf("a missing platform manifest: %v %v", err, problems)
	}
}

// manyCompanions is a lock of one package with n patch companions (a hostile or
// generated one).
func manyCompanions(n int) *api.Lock {
	d := "sha256:" + strings.Repeat("a", 64)
	lock := api.NewLock()
	base := api.LockedPackage{Name: "zz-base", Version: "1.0.0", Repository: "registry.example/base", Digest: d,
		Platforms: []api.Platform{{Platform: "any", Digest: d}}, Reason: api.ReasonRequested}
	lock.Requests = []api.LockRequest{{Name: base.Name}}
	lock.Order = []string{base.Name}
	for i := range n {
		name := fmt.Sprintf("c%06d", i)
		base.Patches = append(base.Patches, name)
		lock.Packages = append(lock.Packages, api.LockedPackage{Name: name, Version: "1.0.0", Repository: "registry.example/c", Digest: d,
			Platforms: []api.Platform{{Platform: "any", Digest: d}}, Reason: api.ReasonPatch, RequiredBy: []string{base.Name}})
		lock.Order = append(lock.Order, name)
	}
	lock.Packages = append(lock.Packages, base)
	return lock
}

// TestCheckManyCompanions: a lock of thousands of patch companions is valid. How long
// the check takes is BenchmarkCheckManyCompanions's to measure: looking up each
// companion's patcher among all the packages made it quadratic (23 s for 50,000).
func TestCheckManyCompanions(t *testing.T) {
	t.Parallel()
	if errs := Check(manyCompanions(2000)); len(errs) != 0 {
		t.Fatalf("problems: %v", errs[0])
	}
}

// BenchmarkCheckManyCompanions checks a lock of 40,000 patch companions: linear, 0.19 s
// here (2026-11-21); quadratic as it was, about 13 s.
//
//	cd lib && go test ./plan -run '^$' -bench CheckManyCompanions -benchtime 3x
func BenchmarkCheckManyCompanions(b *testing.B) {
	lock := manyCompanions(40000)
	for b.Loop() {
		if errs := Check(lock); len(errs) != 0 {
			b.Fatal(errs[0])
		}
	}
}
