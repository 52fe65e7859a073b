package resolve

import (
	"fmt"
	"slices"
	"strings"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
)

// NewLock records a solution of requests as a Lock: the user's requests (patch
// companions show as packages with reason patch), every package with where it lives
// (sol's Origins), its dependency and patch edges and why it is there, and the
// installation order (Order). Every list is sorted, so the same solution always
// writes the same bytes (stream.WriteYAML).
func NewLock(requests []Request, sol *Solution) (*api.Lock, error) {
	lock := api.NewLock()
	lock.Requests = []api.LockRequest{}
	requested := map[string]bool{}
	patches := map[string][]string{}   // package → companions
	patchedBy := map[string][]string{} // companion → packages
	for _, r := range requests {
		name := strings.TrimSpace(r.Name)
		if r.PatchOf == "" {
			requested[name] = true
			lock.Requests = append(lock.Requests, api.LockRequest{Name: name, Version: strings.TrimSpace(r.Constraint), Platform: r.Platform})
			continue
		}
		if _, ok := sol.Get(r.PatchOf); !ok {
			return nil, fault.Errorf(fault.Usage, "%s is a patch companion of %s, which is not in the solution", name, r.PatchOf)
		}
		patches[r.PatchOf] = append(patches[r.PatchOf], name)
		patchedBy[name] = append(patchedBy[name], r.PatchOf)
	}
	dependents := map[string][]string{}
	for _, p := range sol.Packages {
		for _, d := range p.Dependencies {
			dependents[d.Name] = append(dependents[d.Name], p.Name)
		}
	}
	lock.Packages = make([]api.LockedPackage, len(sol.Packages))
	for i, p := range sol.Packages {
		var deps []string
		for _, d := range p.Dependencies {
			deps = append(deps, d.Name)
		}
		lp := api.LockedPackage{
			Name:         p.Name,
			Tap:          p.Origin.Tap,
			Version:      p.Version.String(),
			Repository:   p.Origin.Repository,
			Digest:       p.Origin.Digest,
			Platforms:    slices.Clone(p.Origin.Platforms),
			Dependencies: sortedSet(deps),
			Patches:      sortedSet(patches[p.Name]),
			RequiredBy:   sortedSet(append(slices.Clone(dependents[p.Name]), patchedBy[p.Name]...)),
		}
		if lp.Platforms == nil {
			lp.Platforms = []api.Platform{}
		}
		slices.SortFunc(lp.Platforms, func(a, b api.Platform) int { return strings.Compare(a.Platform, b.Platform) })
		switch {
		case requested[p.Name]:
			lp.Reason = api.ReasonRequested
		case len(patchedBy[p.Name]) > 0:
			lp.Reason = api.ReasonPatch
		default:
			lp.Reason = api.ReasonDependency
		}
		lock.Packages[i] = lp
	}
	order, err := Order(lock.Packages)
	if err != nil {
		return nil, err
	}
	lock.Order = order
	if err := lock.Validate(); err != nil {
		return nil, fmt.Errorf("internal error: the lock built from a solution is invalid: %w", err)
	}
	return lock, nil
}

func sortedSet(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}
