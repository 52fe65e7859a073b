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
	// (the requests naming it, and what the other locked packages at their locked
	// versions require of it); Latest the newest release there is. Wanted and Latest
	// are "" when the package's source no longer lists it.
	Current, Wanted, Latest string
	// Err says why the versions could not be listed.
	Err error
}

// IsOutdated reports whether a newer version is allowed or exists.
func (o Outdated) IsOutdated() bool {
	return o.Err == nil && (o.Wanted != o.Current || o.Latest != o.Current)
}

// CheckOutdated lists, for every package of lock in order, its locked version, the
// newest its constraints allow and the newest there is, from the tap caches (`pkg-tap
// update` refreshes them) and the repositories' tags (offline: as cached).
func CheckOutdated(ctx context.Context, home string, lock *api.Lock, opts Options) ([]Outdated, error) {
	opts.Patches = PatchesOff
	src, err := NewSource(home, opts)
	if err != nil {
		return nil, err
	}
	for _, p := range lock.Packages {
		if p.Tap != "" {
			src.pins[p.Name] = p.Tap
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
	for _, r := range lock.Requests {
		if err := add(PackageName(r.Name), r.Version); err != nil {
			return nil, fault.New(fault.Usage, fmt.Errorf("request %s: %w", r.Name, err), "")
		}
	}
	versions := map[string][]resolve.Candidate{}
	errs := map[string]error{}
	for _, p := range lock.Packages {
		cands, err := src.packageVersions(ctx, &p)
		if err != nil && fault.KindOf(err) != fault.NotFound {
			return nil, err
		}
		versions[p.Name], errs[p.Name] = cands, err
	}
	for _, p := range lock.Packages {
		for _, c := range versions[p.Name] {
			if c.Version.String() != p.Version {
				continue
			}
			for _, d := range c.Dependencies {
				if _, ok := lock.Package(d.Name); ok {
					if err := add(d.Name, d.Constraint); err != nil {
						continue // the solver skipped it too
					}
				}
			}
		}
	}
	out := make([]Outdated, 0, len(lock.Packages))
	for _, name := range lock.Order {
		p, ok := lock.Package(name)
		if !ok {
			continue
		}
		o := Outdated{Name: p.Name, Tap: p.Tap, Repository: p.Repository, Reason: p.Reason, Current: p.Version, Err: errs[p.Name]}
		var wanted, latest *version.Version
		for _, c := range versions[p.Name] {
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
