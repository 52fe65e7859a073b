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
	"longshore.dev/lib/version"
)

// ResolveUpdate solves lock's requests again with only the packages named in update
// free to move, as `cargo update -p` and `npm update PKG` do: every other package of
// the lock is held at its locked version. When an updated package cannot move without
// its dependencies, those may move too (to the newest they allow); the rest stays
// held, and if that fails the hint names what is held. Patch companions are not held:
// the site's rules choose them, as on every solve. requests are the lock's requests as
// the caller read them (a --platform applied).
//
// An update name is NAME, TAP/NAME or a repository, as the lock names its packages; a
// name the lock does not hold is an error listing what it holds.
func ResolveUpdate(ctx context.Context, home string, lock *api.Lock, requests []resolve.Request, update []string, opts Options) (*api.Lock, error) {
	if len(requests) == 0 {
		return nil, fault.New(fault.Usage, fmt.Errorf("the lock has no requests to resolve again"), "")
	}
	// Holding the others at their locked versions needs those versions: a lock edited
	// by hand is said as pkg-dep validate says it, not as a constraint "=" that fails.
	if problems := Check(lock); len(problems) > 0 {
		return nil, fault.New(fault.Verify, fmt.Errorf("--update holds the lock's packages at their versions, and the lock is not valid: %v (pkg-dep validate -f LOCK lists every problem)", problems[0]),
			"resolve it again without --update, `pkg-dep resolve -f LOCK`, which moves every package")
	}
	free := map[string]bool{}
	for _, u := range update {
		name, err := lockPackageOf(lock, u)
		if err != nil {
			return nil, err
		}
		free[name] = true
	}
	// Up to two solves run; the warnings said are those of the one taken.
	var warnings []string
	buffered := opts
	buffered.Warn = func(format string, args ...any) { warnings = append(warnings, fmt.Sprintf(format, args...)) }
	defer func() {
		for _, w := range warnings {
			opts.warn("%s", w)
		}
	}()
	src, err := NewSource(home, buffered)
	if err != nil {
		return nil, err
	}
	before := len(warnings)
	res, err := src.solve(ctx, withHolds(lock, requests, free))
	if err == nil || fault.KindOf(err) == fault.Conflict {
		// cargo's conservative update: when what is named cannot move (as far) alone,
		// its dependencies may move too.
		if deps := dependenciesOf(lock, free); len(deps) > len(free) {
			first := len(warnings)
			wider, werr := src.solve(ctx, withHolds(lock, requests, deps))
			if werr == nil && (err != nil || movesFurther(wider.Lock, res.Lock, free)) {
				res, err = wider, nil
				warnings = slices.Delete(warnings, before, first)
			} else {
				warnings = warnings[:first]
			}
		}
		if err != nil {
			if hint := lockedHint(err, lock); hint != "" {
				err = withHint(err, hint)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return requested(res.Lock, len(requests)), nil
}

// withHolds is requests followed by one request per package of lock that is not free
// and not a patch companion, holding it at its locked version.
func withHolds(lock *api.Lock, requests []resolve.Request, free map[string]bool) []resolve.Request {
	all := slices.Clone(requests)
	platform := ""
	if len(requests) > 0 {
		platform = requests[0].Platform
	}
	for _, p := range lock.Packages {
		if free[p.Name] || p.Reason == api.ReasonPatch {
			continue
		}
		all = append(all, resolve.Request{Name: lockedName(p), Constraint: "=" + p.Version, Platform: platform, Locked: true})
	}
	return all
}

// movesFurther reports whether a takes some package of free to a higher version than b.
func movesFurther(a, b *api.Lock, free map[string]bool) bool {
	for name := range free {
		pa, oka := a.Package(name)
		pb, okb := b.Package(name)
		if !oka || !okb {
			continue
		}
		va, erra := version.Parse(pa.Version)
		vb, errb := version.Parse(pb.Version)
		if erra == nil && errb == nil && va.Compare(vb) > 0 {
			return true
		}
	}
	return false
}

// lockedName is the request name that finds a locked package again: TAP/NAME when it
// came through a tap, else its repository (its name in the lock).
func lockedName(p api.LockedPackage) string {
	if p.Tap != "" {
		return p.Tap + "/" + p.Name
	}
	return p.Name
}

// dependenciesOf is free and everything the free packages depend on in lock.
func dependenciesOf(lock *api.Lock, free map[string]bool) map[string]bool {
	out := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		p, ok := lock.Package(name)
		if !ok || out[name] {
			return
		}
		out[name] = true
		for _, d := range p.Dependencies {
			visit(d)
		}
	}
	for name := range free {
		visit(name)
	}
	return out
}

// lockPackageOf is the lock's name for the package arg names.
func lockPackageOf(lock *api.Lock, arg string) (string, error) {
	name := PackageName(arg)
	p, ok := lock.Package(name)
	if !ok {
		names := make([]string, len(lock.Packages))
		for i, q := range lock.Packages {
			names[i] = q.Name
		}
		return "", fault.New(fault.NotFound, fmt.Errorf("%s is not in the lock", arg),
			fmt.Sprintf("the lock holds %s; to add a package, resolve it with the others", strings.Join(names, ", ")))
	}
	if r, err := ref.Parse(arg); err == nil && r.Kind == ref.Package && r.Tap != "" && r.Tap != p.Tap {
		from := "repository " + p.Repository
		if p.Tap != "" {
			from = "tap " + p.Tap
		}
		return "", fault.New(fault.NotFound, fmt.Errorf("%s is not in the lock: its %s comes from %s", arg, p.Name, from),
			fmt.Sprintf("name it %s", lockedName(*p)))
	}
	return p.Name, nil
}

// lockedHint names the held packages a failed update rests on: "" when it rests on
// none.
func lockedHint(err error, lock *api.Lock) string {
	var f *resolve.Failure
	if !errors.As(err, &f) {
		return ""
	}
	var held []string
	for _, r := range f.Requests {
		if !r.Locked {
			continue
		}
		if p, ok := lock.Package(PackageName(r.Name)); ok {
			held = append(held, p.Name+" "+p.Version)
		}
	}
	if len(held) == 0 {
		return ""
	}
	return fmt.Sprintf("the other packages of the lock stay at their versions (%s): name them with --update too to let them move, or resolve the lock without --update to update everything",
		strings.Join(held, ", "))
}
