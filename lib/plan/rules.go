package plan

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/patch"
	"longshore.dev/lib/tap"
	"longshore.dev/lib/version"
)

// RuleTarget is a package to match patch rules against.
type RuleTarget struct {
	// Name is the package's name in a lock (for an installed package, the name its
	// solve gives it: `pkg-dep patch sync` pins it so); Version its version; Platform
	// what platform globs match.
	Name, Version, Platform string
	// Repository is where the package lives, when known: a rule whose companion is
	// this repository does not add the package to itself.
	Repository string
}

// InstalledTargets are the installed packages as `pkg-dep patch sync` matches them:
// named as its solve names them, on the platform it solves for (the one the installed
// packages share, `any` not counting, else this machine's).
func InstalledTargets(home string) ([]RuleTarget, error) {
	c, err := tap.Load(home)
	if err != nil {
		return nil, err
	}
	installed, err := listInstalled(c.Home())
	if err != nil {
		return nil, err
	}
	var platforms []string
	for _, inst := range installed {
		if inst.Reason != api.ReasonPatch {
			platforms = append(platforms, inst.Platform)
		}
	}
	platform := rulePlatform("", platforms)
	out := make([]RuleTarget, 0, len(installed))
	for _, inst := range installed {
		out = append(out, RuleTarget{
			Name: PackageName(installedName(c, inst)), Version: inst.Version, Platform: platform,
			Repository: RepositoryName(inst.Source),
		})
	}
	return out, nil
}

// LockTargets are the packages of a lock, on platform, else on the platform its
// requests were resolved for (as the solve that wrote it matched them).
func LockTargets(lock *api.Lock, platform string) []RuleTarget {
	platforms := make([]string, len(lock.Requests))
	for i, r := range lock.Requests {
		platforms[i] = r.Platform
	}
	platform = rulePlatform(platform, platforms)
	out := make([]RuleTarget, 0, len(lock.Packages))
	for _, p := range lock.Packages {
		out = append(out, RuleTarget{Name: p.Name, Version: p.Version, Platform: platform, Repository: p.Repository})
	}
	return out
}

// Rules matches targets against the cached descriptors (their own and the global
// one; no network: `pkg-dep patch sync` refreshes the cache) and returns every rule
// that adds a companion, sorted by package, companion, descriptor and rule. Without a
// configured patch registry it is a fault.NotFound.
func Rules(home string, targets []RuleTarget) ([]Applied, error) {
	c, err := tap.Load(home)
	if err != nil {
		return nil, err
	}
	if c.Patches == nil {
		return nil, fault.New(fault.NotFound, fmt.Errorf("no patch registry is configured"),
			"set one with `pkg-dep patch registry REGISTRY[/PATH]` (patches.registry in config.yaml)")
	}
	dir := filepath.Join(c.Home(), patchesDir)
	read := func(name string) (*CachedDescriptor, error) {
		d, err := readDescriptor(dir, name)
		if err != nil || d == nil || d.Registry != c.Patches.Registry {
			return nil, err
		}
		return d, nil
	}
	global, err := read(patch.Global)
	if err != nil {
		return nil, err
	}
	var out []Applied
	for _, t := range targets {
		v, err := version.Parse(t.Version)
		name := descriptorName(t.Name)
		if err != nil || name == "" {
			continue
		}
		own, err := read(name)
		if err != nil {
			return nil, err
		}
		for _, d := range []*CachedDescriptor{own, global} {
			for _, m := range ruleCompanions(d, t.Name, name, t.Repository, v, t.Platform) {
				out = append(out, m.applied)
			}
		}
	}
	slices.SortFunc(out, func(a, b Applied) int {
		return cmp.Or(strings.Compare(a.Package, b.Package), strings.Compare(a.Companion, b.Companion),
			strings.Compare(a.Descriptor, b.Descriptor), cmp.Compare(a.Rule, b.Rule))
	})
	return slices.CompactFunc(out, func(a, b Applied) bool { return a == b }), nil
}
