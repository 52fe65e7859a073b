package plan

import (
	"context"
	"fmt"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/resolve"
	"longshore.dev/lib/version"
)

// Outdated is one locked package and the newer versions there are.
type Outdated struct {
	Name       string
	Tap        string
	Repository string
	Reason     string
	// Current is the locked version; Wanted the newest that the constraints on it allow
	// (the requests naming it, what the other locked packages at their locked versions
	// require of it, and for a patch companion the cached rules that add it); Latest the newest release there is. Either is "" when
	// no version qualifies, and both when Err is set.
	Current, Wanted, Latest string
	// Yanked says the current version is yanked: its publisher withdrew it, and only
	// an exact pin keeps it in a lock.
	Yanked bool
	// Err says why the versions could not be read: the tap or repository the package
	// came from is gone, or refused to answer. The other packages are checked anyway.
	Err error
}

// IsOutdated reports whether a newer version is allowed or exists, or the current one
// is yanked.
func (o Outdated) IsOutdated() bool {
	return o.Err == nil && (o.Wanted != o.Current || o.Latest != o.Current || o.Yanked)
}

// CheckOutdated lists, for every package of lock in order, its locked version, the
// newest its constraints allow and the newest there is, from the tap caches (`pkg-tap
// update` refreshes them) and the repositories' tags (offline: as cached). A package
// whose versions cannot be read (its tap removed, its repository gone) is listed with
// Err set and does not stop the others; only a cancelled context or a configuration
// that cannot be read is an error.
func CheckOutdated(ctx context.Context, home string, lock *api.Lock, opts Options) ([]Outdated, error) {
	opts.Patches = PatchesOff
	src, err := NewSource(home, opts)
	if err != nil {
		return nil, err
	}
	return src.outdated(ctx, inOrder(lock), lock.Requests, companionRules(home, LockTargets(lock, opts.Platform)))
}

// CheckInstalledOutdated is CheckOutdated of the installed packages at their installed
// versions. Like Installed it reads installed.yaml as it is rather than solving it
// again: a solve needs the versions of every package, so one package whose tap was
// removed would fail it, where here it is only a row with Err. WANTED is what the
// other installed packages allow, within the constraint an explicit install was
// asked for (installed.yaml records it).
func CheckInstalledOutdated(ctx context.Context, home string, opts Options) ([]Outdated, error) {
	opts.Patches = PatchesOff
	src, err := NewSource(home, opts)
	if err != nil {
		return nil, err
	}
	installed, err := listInstalled(src.home)
	if err != nil {
		return nil, err
	}
	targets, err := InstalledTargets(home)
	if err != nil {
		return nil, err
	}
	if opts.Platform != "" {
		for i := range targets {
			targets[i].Platform = opts.Platform
		}
	}
	var requests []api.LockRequest
	for _, inst := range installed {
		if inst.Reason == api.ReasonExplicit && inst.Constraint != "" {
			requests = append(requests, api.LockRequest{Name: src.installedName(inst), Version: inst.Constraint})
		}
	}
	return src.outdated(ctx, inOrder(src.installedLock(installed)), requests, companionRules(home, targets))
}

// companionRules are the cached patch rules that add companions to targets: a
// companion's version is the site's constraint, not one the user can relax, so a
// newer version those rules refuse is not WANTED (patch sync would not take it).
// Without a patch registry or a readable cache there are none.
func companionRules(home string, targets []RuleTarget) []Applied {
	rules, err := Rules(home, targets)
	if err != nil {
		return nil
	}
	return rules
}

// inOrder is the packages of lock in its order.
func inOrder(lock *api.Lock) []api.LockedPackage {
	pkgs := make([]api.LockedPackage, 0, len(lock.Packages))
	for _, name := range lock.Order {
		if p, ok := lock.Package(name); ok {
			pkgs = append(pkgs, *p)
		}
	}
	return pkgs
}

// outdated checks pkgs, in the order given, against their sources and the constraints
// of requests, of the other packages at their current versions and of the patch rules
// that add companions to them.
func (s *Source) outdated(ctx context.Context, pkgs []api.LockedPackage, requests []api.LockRequest, rules []Applied) ([]Outdated, error) {
	locked := make(map[string]bool, len(pkgs))
	for _, p := range pkgs {
		locked[p.Name] = true
		if p.Tap != "" {
			s.pins[p.Name] = p.Tap
		}
	}
	constraints := map[string][]*version.Constraint{}
	add := func(name, text string) error {
		c, err := version.ParseConstraint(text)
		if err != nil {
			return err
		}
		constraints[name] = append(constraints[name], c)
		return nil
	}
	for _, r := range requests {
		if err := add(PackageName(r.Name), r.Version); err != nil {
			return nil, fault.New(fault.Usage, fmt.Errorf("request %s: %w", r.Name, err), "")
		}
	}
	for _, a := range rules {
		if locked[a.Companion] && locked[a.Package] {
			if err := add(a.Companion, a.Constraint); err != nil {
				continue // the solver refuses it too
			}
		}
	}
	versions := map[string][]resolve.Candidate{}
	errs := map[string]error{}
	for _, p := range pkgs {
		cands, err := s.packageVersions(ctx, &p)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		// Any failure is this package's alone: the report goes on without it.
		versions[p.Name], errs[p.Name] = cands, err
	}
	for _, p := range pkgs {
		for _, c := range versions[p.Name] {
			if c.Version.String() != p.Version {
				continue
			}
			for _, d := range c.Dependencies {
				if locked[d.Name] {
					if err := add(d.Name, d.Constraint); err != nil {
						continue // the solver skipped it too
					}
				}
			}
		}
	}
	out := make([]Outdated, 0, len(pkgs))
	for _, p := range pkgs {
		o := Outdated{Name: p.Name, Tap: p.Tap, Repository: p.Repository, Reason: p.Reason, Current: p.Version, Err: errs[p.Name]}
		var wanted, latest *version.Version
		for _, c := range versions[p.Name] {
			if c.Yanked && c.Version.String() == p.Version {
				o.Yanked = true
			}
			if allowed(c, constraints[p.Name]) && (wanted == nil || c.Version.Compare(wanted) > 0) {
				wanted = c.Version
			}
			if !c.Yanked && !c.Version.Prerelease() && (latest == nil || c.Version.Compare(latest) > 0) {
				latest = c.Version
			}
		}
		if wanted != nil {
			o.Wanted = wanted.String()
		}
		if latest != nil {
			o.Latest = latest.String()
		}
		out = append(out, o)
	}
	return out, nil
}

// allowed reports whether every constraint admits c (a yanked version only when one
// pins it exactly, as the solver does).
func allowed(c resolve.Candidate, cs []*version.Constraint) bool {
	pinned := false
	for _, k := range cs {
		if !k.Matches(c.Version) {
			return false
		}
		if k.Exact() != nil {
			pinned = true
		}
	}
	if len(cs) == 0 && c.Version.Prerelease() {
		return false
	}
	return !c.Yanked || pinned
}
