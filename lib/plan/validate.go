package plan

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/version"
)

// Check reports what is wrong with a lock's structure, one problem an error: what
// (*api.Lock).Validate checks (sorted unique packages, edges naming packages of the
// lock, reasons, an order of every package once), and also that versions are semantic,
// digests well-formed sha256 digests, every request names a package, requiredBy is the
// inverse of the dependency and patch edges, no package names itself, and the order is
// topological: every package after its dependencies, every companion after the package
// it patches.
func Check(lock *api.Lock) []error {
	var problems []error
	if err := lock.Validate(); err != nil {
		problems = append(problems, unjoin(err)...)
	}
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	inverse := map[string][]string{}
	patched := map[string]bool{} // the packages some package lists among its patches
	for _, p := range lock.Packages {
		for _, n := range p.Dependencies {
			inverse[n] = append(inverse[n], p.Name)
		}
		for _, n := range p.Patches {
			inverse[n] = append(inverse[n], p.Name)
			patched[n] = true
		}
	}
	for _, p := range lock.Packages {
		if _, err := version.Parse(p.Version); p.Version != "" && err != nil {
			bad("%s: version %q is not semantic (MAJOR.MINOR.PATCH)", p.Name, p.Version)
		}
		if p.Digest != "" {
			if err := api.CheckDigest(p.Digest); err != nil {
				bad("%s %s: digest: %v", p.Name, p.Version, err)
			}
		}
		if len(p.Platforms) == 0 {
			bad("%s %s lists no platform manifests", p.Name, p.Version)
		}
		for _, pl := range p.Platforms {
			if err := api.CheckPlatform(pl.Platform); err != nil {
				bad("%s %s: %v", p.Name, p.Version, err)
			}
			if err := api.CheckDigest(pl.Digest); err != nil {
				bad("%s %s: platform %s: digest: %v", p.Name, p.Version, pl.Platform, err)
			}
		}
		if p.Repository != "" {
			if r, err := ref.ParseArtifact(p.Repository); err != nil || r.Tag != "" || r.Digest != "" {
				bad("%s: repository %q is not REGISTRY/REPO or ocidir://PATH", p.Name, ref.Redact(p.Repository))
			}
		}
		want := sortedUnique(inverse[p.Name])
		if !slices.Equal(want, sortedUnique(p.RequiredBy)) {
			bad("%s: requiredBy is [%s], but the packages that depend on it or that it patches are [%s]", p.Name, strings.Join(p.RequiredBy, " "), strings.Join(want, " "))
		}
		if p.Reason == api.ReasonPatch && !patched[p.Name] {
			bad("%s has reason patch, but no package lists it among its patches", p.Name)
		}
	}
	for _, r := range lock.Requests {
		if _, ok := lock.Package(PackageName(r.Name)); !ok {
			bad("request %s names no package of the lock", r.Name)
		}
	}
	pos := map[string]int{}
	for i, n := range lock.Order {
		if _, dup := pos[n]; !dup {
			pos[n] = i
		}
	}
	for _, p := range lock.Packages {
		at, ok := pos[p.Name]
		if !ok {
			continue // Validate reported it
		}
		// A package that names itself passes the order check (it is where it is) but
		// is a cycle: installed.yaml would record it, and env and exec refuse it.
		if slices.Contains(p.Dependencies, p.Name) {
			bad("%s depends on itself", p.Name)
		}
		if slices.Contains(p.Patches, p.Name) {
			bad("%s is its own patch companion", p.Name)
		}
		for _, d := range p.Dependencies {
			if i, ok := pos[d]; ok && i > at {
				bad("order: %s comes before its dependency %s", p.Name, d)
			}
		}
		for _, c := range p.Patches {
			if i, ok := pos[c]; ok && i < at {
				bad("order: %s, a patch companion of %s, comes before it", c, p.Name)
			}
		}
	}
	return problems
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func sortedUnique(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// CheckRemote asks each package's repository whether its root and platform digests
// exist (one HEAD each on a registry) and reports those that do not, one problem an
// error. The error is for what stopped the check (an unreachable registry, a refusal).
func CheckRemote(ctx context.Context, lock *api.Lock, opts oci.Options) ([]error, error) {
	problems := make([][]error, len(lock.Packages))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(tagLookups)
	for i, p := range lock.Packages {
		g.Go(func() error {
			var err error
			problems[i], err = checkPackage(gctx, p, opts)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []error
	for _, ps := range problems {
		out = append(out, ps...)
	}
	return out, nil
}

func checkPackage(ctx context.Context, p api.LockedPackage, opts oci.Options) ([]error, error) {
	r, err := ref.ParseArtifact(p.Repository)
	if err != nil || api.CheckDigest(p.Digest) != nil {
		return nil, nil // Check reports these
	}
	opts.ReadOnly = true // resolved, never written
	t, err := oci.Open(ctx, r.WithTag(""), opts)
	if err != nil {
		if fault.KindOf(err) == fault.NotFound {
			return []error{fmt.Errorf("%s %s: repository %s does not exist", p.Name, p.Version, p.Repository)}, nil
		}
		return nil, err
	}
	defer t.Close()
	digests := []string{p.Digest}
	for _, pl := range p.Platforms {
		if pl.Digest != p.Digest && api.CheckDigest(pl.Digest) == nil {
			digests = append(digests, pl.Digest)
		}
	}
	var problems []error
	for _, d := range digests {
		if _, err := t.Resolve(ctx, d); err != nil {
			if fault.KindOf(err) == fault.NotFound {
				problems = append(problems, fmt.Errorf("%s %s: %s does not exist in %s", p.Name, p.Version, d, p.Repository))
				continue
			}
			return nil, err
		}
	}
	return problems, nil
}
