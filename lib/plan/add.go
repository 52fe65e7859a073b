package plan

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/resolve"
)

// ResolveAdd is Resolve for pkg-pull add: the requests are solved together with what is
// installed, so that adding a package never breaks one installed before (cargo and brew
// do the same). Every package installed explicitly and not named by a request is held at
// its installed version; a request for an installed package may move it, as far as the
// others allow. When nothing fits, the error names the held packages. A package whose
// tap is no longer configured is not held (its versions went with the tap): a warning
// says it is not checked.
//
// The lock holds the requests and what they reach, nothing else: an installed package
// the requests do not reach stays as it is, even when a newer version of it fits.
func ResolveAdd(ctx context.Context, home string, requests []resolve.Request, opts Options) (*api.Lock, error) {
	if len(requests) == 0 {
		return nil, fault.New(fault.Usage, fmt.Errorf("nothing to resolve"), "name packages (hello, core/hello@^1) or read PackageRef documents with -f")
	}
	src, err := NewSource(home, opts)
	if err != nil {
		return nil, err
	}
	installed, err := listInstalled(src.home)
	if err != nil {
		return nil, err
	}
	asked := map[string]bool{}
	for _, r := range requests {
		asked[PackageName(r.Name)] = true
	}
	all := slices.Clone(requests)
	var held []string
	var pinned []*api.Installed
	for _, inst := range installed {
		if inst.Reason != api.ReasonExplicit {
			continue
		}
		name := src.installedName(inst)
		if asked[PackageName(name)] {
			continue
		}
		if _, ok := src.cfg.Tap(inst.Tap); inst.Tap != "" && !ok {
			// Its versions are gone with its tap: holding it would fail every add.
			opts.warn("%s %s came through tap %s, which is no longer configured: what is added is not checked against it (pkg-tap add %s REF checks it again)",
				inst.Name, inst.Version, inst.Tap, inst.Tap)
			continue
		}
		all = append(all, resolve.Request{Name: name, Constraint: "=" + inst.Version, Platform: inst.Platform, Installed: true})
		held = append(held, inst.Name+" "+inst.Version)
		pinned = append(pinned, inst)
	}
	res, err := src.solve(ctx, all)
	if err != nil {
		if len(held) > 0 && fault.KindOf(err) == fault.Conflict && len(patchReasons(err)) == 0 {
			return nil, fault.New(fault.Conflict, err, fmt.Sprintf(
				"what is installed stays at its version (%s): ask for an installed package too to move it (pkg-pull add PKG@CONSTRAINT ...), or pkg-pull remove it first",
				strings.Join(held, ", ")))
		}
		return nil, src.tapsGone(err, pinned)
	}
	return requested(res.Lock, len(requests)), nil
}

// requested cuts a lock down to its first n requests and what they reach. A held
// package they reach is theirs as a dependency (or companion) in the cut lock; the
// store keeps an explicit install explicit.
func requested(lock *api.Lock, n int) *api.Lock {
	keep := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		p, ok := lock.Package(name)
		if !ok || keep[name] {
			return
		}
		keep[name] = true
		for _, d := range p.Dependencies {
			visit(d)
		}
		for _, c := range p.Patches {
			visit(c)
		}
	}
	asked := map[string]bool{}
	for _, r := range lock.Requests[:n] {
		asked[PackageName(r.Name)] = true
		visit(PackageName(r.Name))
	}
	cut := *lock
	cut.Requests = slices.Clone(lock.Requests[:n])
	cut.Packages = nil
	for _, p := range lock.Packages {
		if !keep[p.Name] {
			continue
		}
		p.RequiredBy = slices.DeleteFunc(slices.Clone(p.RequiredBy), func(by string) bool { return !keep[by] })
		if p.Reason == api.ReasonRequested && !asked[p.Name] {
			p.Reason = api.ReasonDependency
			for _, q := range lock.Packages {
				if keep[q.Name] && slices.Contains(q.Patches, p.Name) && !slices.Contains(q.Dependencies, p.Name) {
					p.Reason = api.ReasonPatch
				}
			}
		}
		cut.Packages = append(cut.Packages, p)
	}
	cut.Order = slices.DeleteFunc(slices.Clone(lock.Order), func(name string) bool { return !keep[name] })
	return &cut
}
