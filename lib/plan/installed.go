package plan

import (
	"context"
	"fmt"
	"slices"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/patch"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/resolve"
	"longshore.dev/lib/store"
)

// SyncResult is what Sync did and the lock it made.
type SyncResult struct {
	Result
	// Checked names every descriptor asked about (installed package names and
	// _global), Changed those whose cached copy changed.
	Checked, Changed []string
}

// Sync refreshes the patch descriptors of the installed packages and the global one
// (one request each when nothing changed; fetching only what did), then resolves the
// installed packages at their installed versions with the companions the rules add.
// Without a configured patch registry it is a usage fault.
func Sync(ctx context.Context, home string, opts Options) (*SyncResult, error) {
	src, err := NewSource(home, opts)
	if err != nil {
		return nil, err
	}
	if src.cfg.Patches == nil {
		return nil, fault.New(fault.NotFound, fmt.Errorf("no patch registry is configured"),
			"set one with `pkg-dep patch registry REGISTRY[/PATH]` (patches.registry in config.yaml)")
	}
	installed, err := listInstalled(src.home)
	if err != nil {
		return nil, err
	}
	names := []string{patch.Global}
	for _, inst := range installed {
		if n := descriptorName(src.installedName(inst)); n != "" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	res := &SyncResult{Checked: names}
	if !opts.Offline {
		for _, n := range names {
			if _, err := src.patches.refresh(ctx, n); err != nil {
				return nil, err
			}
		}
	}
	res.Changed = slices.Clone(src.patches.changed)
	src.patches.mode = PatchesCached
	r, err := src.installedPlan(ctx, installed)
	if err != nil {
		return nil, err
	}
	res.Result = *r
	return res, nil
}

// Installed resolves what is installed, at the installed versions, with the patch
// companions of the cached descriptors, from local caches only: the graph that tree
// and why show when no lock is given (outdated reads installed.yaml itself, see
// CheckInstalledOutdated). Nothing installed gives an empty lock.
func Installed(ctx context.Context, home string, opts Options) (*Result, error) {
	opts.Offline = true
	if opts.Patches == PatchesRefresh {
		opts.Patches = PatchesCached
	}
	src, err := NewSource(home, opts)
	if err != nil {
		return nil, err
	}
	installed, err := listInstalled(src.home)
	if err != nil {
		return nil, err
	}
	return src.installedPlan(ctx, installed)
}

func listInstalled(home string) ([]*api.Installed, error) {
	return (&store.Store{Home: home}).List()
}

// installedPlan pins every installed package that is not a patch companion as a
// request at its version (=VERSION), solves with the patch rules, and puts the
// installed reasons back: only explicit installs stay requests, packages installed as
// dependencies keep reason dependency, and companions come from the rules again (a
// rule removed since drops its companion from the lock).
func (s *Source) installedPlan(ctx context.Context, installed []*api.Installed) (*Result, error) {
	var requests []resolve.Request
	explicit := map[string]bool{}
	for _, inst := range installed {
		if inst.Reason == api.ReasonPatch {
			continue
		}
		name := s.installedName(inst)
		requests = append(requests, resolve.Request{Name: name, Constraint: "=" + inst.Version, Platform: inst.Platform})
		if inst.Reason != api.ReasonDependency {
			explicit[PackageName(name)] = true
		}
	}
	if len(requests) == 0 {
		lock := api.NewLock()
		lock.Requests, lock.Packages, lock.Order = []api.LockRequest{}, []api.LockedPackage{}, []string{}
		return &Result{Lock: lock}, nil
	}
	res, err := s.solve(ctx, requests)
	if err != nil {
		return nil, err
	}
	lock := res.Lock
	kept := lock.Requests[:0]
	for _, r := range lock.Requests {
		if explicit[PackageName(r.Name)] {
			kept = append(kept, r)
		}
	}
	lock.Requests = kept
	for i := range lock.Packages {
		p := &lock.Packages[i]
		if p.Reason != api.ReasonRequested || explicit[p.Name] {
			continue
		}
		p.Reason = api.ReasonDependency
		for _, q := range lock.Packages {
			if slices.Contains(q.Patches, p.Name) && !slices.Contains(q.Dependencies, p.Name) {
				p.Reason = api.ReasonPatch
			}
		}
	}
	return res, nil
}

// installedName is the request name of an installed package: TAP/NAME when it came
// through a tap; for one installed by reference, TAP/NAME when a tap lists the same
// repository under that name, else the repository.
func (s *Source) installedName(inst *api.Installed) string {
	if inst.Tap != "" {
		return inst.Tap + "/" + inst.Name
	}
	r, err := ref.ParseArtifact(inst.Source)
	if err != nil {
		return inst.Name
	}
	repo := r.Locator()
	if tapName, pkg, err := s.cfg.Resolve(inst.Name); err == nil && pkg.Repository == repo {
		return tapName + "/" + inst.Name
	}
	for _, spec := range s.cfg.Taps {
		if _, pkg, err := s.cfg.Resolve(spec.Name + "/" + inst.Name); err == nil && pkg.Repository == repo {
			return spec.Name + "/" + inst.Name
		}
	}
	return repo
}
