package plan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/resolve"
)

// ResolveAdd is Resolve for pkg-pull add: the requests are solved together with what is
// installed, so that adding a package never breaks one installed before (cargo and brew
// do the same). Every package installed explicitly and not named by a request is held at
// its installed version; a request for an installed package may move it, as far as the
// others allow. When nothing fits because of a held package, the hint names it.
//
// A package whose tap is no longer configured cannot be held (its versions went with
// the tap, so holding it would fail every add): what it depends on is held in its place,
// at the installed versions, so that nothing it was installed with is switched under it.
// A dependency whose tap is gone too is followed to its own dependencies, and an add
// that would replace it (another version, or a package of that name from elsewhere) is
// refused. Warnings name each package that cannot be held.
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
	holds, kept := src.holds(installed, asked)
	all := slices.Clone(requests)
	pinned := make([]*api.Installed, len(holds))
	for i, h := range holds {
		all = append(all, resolve.Request{Name: h.name, Constraint: "=" + h.inst.Version, Platform: h.inst.Platform, Installed: true})
		pinned[i] = h.inst
	}
	res, err := src.solve(ctx, all)
	if err != nil {
		if fault.KindOf(err) == fault.Conflict {
			if hint := heldHint(err, holds); hint != "" {
				return nil, withHint(err, hint)
			}
		}
		return nil, src.tapsGone(err, pinned)
	}
	lock := requested(res.Lock, len(requests))
	if err := replaces(lock, kept); err != nil {
		return nil, err
	}
	return lock, nil
}

// held is an installed package held at its installed version in an add's solve.
type held struct {
	inst *api.Installed
	// name is its request name (installedName).
	name string
	// dependent, for a dependency held in place of a package that cannot be held, is
	// that package; nil for an explicit install, held for itself.
	dependent *api.Installed
}

// holds chooses what an add holds: every explicit install not asked for, and, in place
// of one whose tap is gone, its dependencies (through those whose tap is gone too).
// kept are the packages that cannot be held, each with the package that depends on it
// (nil for an explicit install): an add may not replace them.
func (s *Source) holds(installed []*api.Installed, asked map[string]bool) (holds, kept []held) {
	byName := map[string]*api.Installed{}
	for _, inst := range installed {
		byName[inst.Name] = inst
	}
	taken := map[string]bool{} // by package name
	var orphans []*api.Installed
	for _, inst := range installed {
		if inst.Reason != api.ReasonExplicit {
			continue
		}
		name := s.installedName(inst)
		if asked[PackageName(name)] {
			continue
		}
		if s.tapGone(inst) {
			orphans = append(orphans, inst)
			continue
		}
		holds = append(holds, held{inst: inst, name: name})
		taken[PackageName(name)] = true
	}
	// A dependency is held even when a request names it: what it is held for is not
	// asked to move, and cannot be checked.
	seen := map[string]bool{}
	var follow func(dependent *api.Installed)
	follow = func(dependent *api.Installed) {
		for _, d := range dependent.Dependencies {
			inst := byName[d]
			if inst == nil || seen[inst.Name] {
				continue
			}
			seen[inst.Name] = true
			if s.tapGone(inst) {
				s.opts.warn("%s %s, which %s %s depends on, came through tap %s, which is no longer configured, so it cannot be held either: what it depends on is held, and an add that would replace it is refused (pkg-tap add %s REF checks it again)",
					inst.Name, inst.Version, dependent.Name, dependent.Version, inst.Tap, inst.Tap)
				kept = append(kept, held{inst: inst, dependent: dependent})
				follow(inst)
				continue
			}
			name := s.installedName(inst)
			if taken[PackageName(name)] {
				continue
			}
			taken[PackageName(name)] = true
			holds = append(holds, held{inst: inst, name: name, dependent: dependent})
		}
	}
	for _, inst := range orphans {
		// Its versions are gone with its tap: holding it would fail every add.
		instead := "its dependencies are held at their installed versions instead"
		if len(inst.Dependencies) == 0 {
			instead = "it records no dependencies to hold instead, and an add that would replace it is refused"
		}
		s.opts.warn("%s %s came through tap %s, which is no longer configured, so it cannot be held: %s (pkg-tap add %s REF checks it again)",
			inst.Name, inst.Version, inst.Tap, instead, inst.Tap)
		seen[inst.Name] = true
		kept = append(kept, held{inst: inst})
		follow(inst)
	}
	return holds, kept
}

// tapGone reports whether inst came through a tap that is no longer configured.
func (s *Source) tapGone(inst *api.Installed) bool {
	_, ok := s.cfg.Tap(inst.Tap)
	return inst.Tap != "" && !ok
}

// heldHint says why held packages stay, naming those the failure rests on: "" when it
// rests on none (what is held has nothing to do with it).
func heldHint(err error, holds []held) string {
	var f *resolve.Failure
	if !errors.As(err, &f) {
		return ""
	}
	because := map[string]bool{}
	for _, r := range f.Requests {
		if r.Installed {
			because[r.Name] = true
		}
	}
	var explicit, deps []string
	for _, h := range holds {
		if !because[PackageName(h.name)] {
			continue
		}
		if h.dependent == nil {
			explicit = append(explicit, h.inst.Name+" "+h.inst.Version)
			continue
		}
		deps = append(deps, fmt.Sprintf("%s %s stays at its version because %s %s depends on it, and %s came through tap %s, which is no longer configured, so it cannot be checked: add the tap back (pkg-tap add %s REF), or pkg-pull remove %s first",
			h.inst.Name, h.inst.Version, h.dependent.Name, h.dependent.Version, h.dependent.Name, h.dependent.Tap, h.dependent.Tap, h.dependent.Name))
	}
	var hints []string
	if len(explicit) > 0 {
		hints = append(hints, fmt.Sprintf("what is installed stays at its version (%s): ask for an installed package too to move it (pkg-pull add PKG@CONSTRAINT ...), or pkg-pull remove it first",
			strings.Join(explicit, ", ")))
	}
	return strings.Join(append(hints, deps...), "; ")
}

// replaces refuses a lock that would replace a package an add could not hold: another
// version of it, or another package of its name. Its tap is gone, so what depends on it
// cannot be checked against the replacement.
func replaces(lock *api.Lock, kept []held) error {
	for _, k := range kept {
		p, ok := lock.Package(k.inst.Name)
		if !ok || (p.Version == k.inst.Version && p.Repository == sourceRepository(k.inst)) {
			continue
		}
		from := "from " + p.Repository
		if p.Tap != "" {
			from = "tap " + p.Tap
		}
		if k.dependent == nil {
			return fault.New(fault.Conflict,
				fmt.Errorf("adding would replace %s %s with %s %s (%s): it came through tap %s, which is no longer configured, so it cannot be held",
					k.inst.Name, k.inst.Version, p.Name, p.Version, from, k.inst.Tap),
				fmt.Sprintf("add the tap back (pkg-tap add %s REF) to solve with it, or ask for %s too to move it", k.inst.Tap, k.inst.Name))
		}
		they := "they came through tap " + k.inst.Tap + ", which is"
		if k.dependent.Tap != k.inst.Tap {
			they = fmt.Sprintf("they came through taps %s and %s, which are", k.inst.Tap, k.dependent.Tap)
		}
		return fault.New(fault.Conflict,
			fmt.Errorf("adding would replace %s %s with %s %s (%s), and %s %s depends on %s %s: %s no longer configured, so they cannot be held",
				k.inst.Name, k.inst.Version, p.Name, p.Version, from, k.dependent.Name, k.dependent.Version, k.inst.Name, k.inst.Version, they),
			fmt.Sprintf("add the tap back (pkg-tap add %s REF) to solve with them, or pkg-pull remove %s first", k.inst.Tap, k.dependent.Name))
	}
	return nil
}

// sourceRepository is the repository an installed package came from.
func sourceRepository(inst *api.Installed) string {
	r, err := ref.ParseArtifact(inst.Source)
	if err != nil {
		return ""
	}
	return r.Locator()
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
