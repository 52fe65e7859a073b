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
	"longshore.dev/lib/store"
	"longshore.dev/lib/tap"
	"longshore.dev/lib/version"
)

// RuleTarget is a package to match patch rules against.
type RuleTarget struct {
	// Name is the package's name in a lock (or installed.yaml); Version its version;
	// Platform what platform globs match.
	Name, Version, Platform string
}

// InstalledTargets are the installed packages, each on its installed platform.
func InstalledTargets(home string) ([]RuleTarget, error) {
	installed, err := listInstalled(home)
	if err != nil {
		return nil, err
	}
	out := make([]RuleTarget, 0, len(installed))
	for _, inst := range installed {
		platform := inst.Platform
		if platform == "" {
			platform = store.HostPlatform()
		}
		out = append(out, RuleTarget{Name: inst.Name, Version: inst.Version, Platform: platform})
	}
	return out, nil
}

// LockTargets are the packages of a lock, on platform ("" = this machine's).
func LockTargets(lock *api.Lock, platform string) []RuleTarget {
	if platform == "" {
		platform = store.HostPlatform()
	}
	out := make([]RuleTarget, 0, len(lock.Packages))
	for _, p := range lock.Packages {
		out = append(out, RuleTarget{Name: p.Name, Version: p.Version, Platform: platform})
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
			for _, m := range ruleCompanions(d, t.Name, name, v, t.Platform) {
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
