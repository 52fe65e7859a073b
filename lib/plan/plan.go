// Package plan turns requests into a Lock: it feeds the solver (lib/resolve) with the
// versions of packages from the configured taps and from repositories' tags, applies
// the site's patch rules until they settle, and records the result. It owns package
// identity (what a name in a request, a dependency or a companion means), the caches
// of repositories' tags ($LONGSHORE_HOME/refs) and of patch descriptors
// ($LONGSHORE_HOME/patches), and the checks of a lock (structure, and with a registry
// that every digest exists). See docs/resolution.md and docs/patches.md.
//
// Package identity: a package found through taps is known in a lock by its bare name
// (`hello`), with `tap` recording the tap; a request `core/hello` and a dependency
// `hello` are the same package. A package found through a repository's tags (a `ref:`
// dependency or companion, or a request by reference) is known by its repository
// (`ghcr.io/org/fonts`, `ocidir:///abs/fonts`). One solution holds one package per
// name: two taps' packages with the same bare name in one solution is an error naming
// both.
package plan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/resolve"
	"longshore.dev/lib/store"
	"longshore.dev/lib/tap"
)

// PatchMode says where patch rules come from.
type PatchMode int

const (
	// PatchesRefresh refreshes the descriptor of every solved package and the global
	// one from the patch registry (one request each when nothing changed), caching
	// them, then applies them. Offline falls back to PatchesCached.
	PatchesRefresh PatchMode = iota
	// PatchesCached applies only the descriptors cached before (by patch sync or an
	// earlier resolve): no network.
	PatchesCached
	// PatchesOff applies no patch rules.
	PatchesOff
)

// MaxPatchRounds bounds how often the solve is repeated while patch rules keep adding
// (or, through changed versions, removing) companions.
const MaxPatchRounds = 10

// Options tune Resolve.
type Options struct {
	// Platform is what patch rules' platform globs match; "" (or "any") means the
	// requests' platform when they agree on one, else this machine's, where a request
	// for "any" (a platform-independent package installed here) states no platform.
	// The lock itself holds every platform the packages publish.
	Platform string
	// OCI reaches repositories (for ref: dependencies) and the patch registry.
	OCI oci.Options
	// Offline uses only local caches: tap indexes, repositories' tags resolved before,
	// and cached patch descriptors.
	Offline bool
	// Patches says where patch rules come from (default PatchesRefresh).
	Patches PatchMode
	// MaxSteps is the solver's budget (resolve.Options.MaxSteps).
	MaxSteps int
	// Warn receives warnings (an unreachable patch registry that is not required, a
	// repository served from its cache); nil discards them.
	Warn func(format string, args ...any)
	// Debugf hears which cached tap index the solve reads, and how old it is (-v); nil
	// discards it.
	Debugf func(format string, args ...any)
}

func (o Options) warn(format string, args ...any) {
	if o.Warn != nil {
		o.Warn(format, args...)
	}
}

// Result is a lock and how the patch rules shaped it.
type Result struct {
	Lock *api.Lock
	// Applied is every patch rule that added a companion, sorted by package, companion,
	// descriptor and rule.
	Applied []Applied
	// Rounds is how many solves it took for the patch rules to settle.
	Rounds int
}

// Applied is one rule that added a companion to a package of the lock.
type Applied struct {
	// Package is the patched package (its name in the lock) and Version its version.
	Package string
	Version string
	// Companion is the companion's name in the lock; Request is the companion as the
	// rule writes it (corp/ca-bundle@^1), and Constraint its version constraint (^1).
	Companion  string
	Request    string
	Constraint string
	// Descriptor is the package name the descriptor is published for, or _global;
	// Reference is where it lives, REGISTRY/NAME:patches@DIGEST.
	Descriptor string
	Reference  string
	// Rule is the index of the rule in the descriptor, and Match what it matches.
	Rule  int
	Match string
}

// Resolve turns requests into a Lock: every package they reach (dependencies, and
// the patch companions the site's rules add, with their own dependencies) at one
// version each, where it lives, and the order to install and compose them in.
func Resolve(ctx context.Context, home string, requests []resolve.Request, opts Options) (*api.Lock, error) {
	res, err := Solve(ctx, home, requests, opts)
	if err != nil {
		return nil, err
	}
	return res.Lock, nil
}

// Solve is Resolve that also says which patch rules applied.
func Solve(ctx context.Context, home string, requests []resolve.Request, opts Options) (*Result, error) {
	if len(requests) == 0 {
		return nil, fault.New(fault.Usage, fmt.Errorf("nothing to resolve"), "name packages (hello, core/hello@^1) or read PackageRef documents with -f")
	}
	src, err := NewSource(home, opts)
	if err != nil {
		return nil, err
	}
	return src.solve(ctx, requests)
}

// solve runs the solver, then the patch rules, until the companions settle.
func (s *Source) solve(ctx context.Context, requests []resolve.Request) (*Result, error) {
	base, err := s.canonical(requests)
	if err != nil {
		return nil, err
	}
	platform := s.platform(requests)
	var companions []companion
	for round := 1; ; round++ {
		written := slices.Clone(requests)
		for _, c := range companions {
			written = append(written, c.request)
		}
		if err := s.pinRequests(written, companions); err != nil {
			return nil, err
		}
		reqs, err := s.canonical(written)
		if err != nil {
			return nil, err
		}
		sol, err := resolve.Solve(ctx, s, reqs, resolve.Options{MaxSteps: s.opts.MaxSteps})
		if err != nil {
			return nil, s.staleCaches(s.bareNames(blameRules(err, companions)))
		}
		if err := s.checkTaps(sol); err != nil {
			return nil, err
		}
		next, err := s.patches.companions(ctx, sol, platform)
		if err != nil {
			return nil, err
		}
		if sameCompanions(next, companions) {
			lock, err := resolve.NewLock(reqs, sol)
			if err != nil {
				return nil, err
			}
			restoreRequestNames(lock, requests, base)
			s.warnYanked(sol, reqs)
			return &Result{Lock: lock, Applied: applied(next), Rounds: round}, nil
		}
		if round == MaxPatchRounds {
			return nil, fault.New(fault.Conflict,
				fmt.Errorf("the patch rules did not settle after %d rounds: each solve changes the companions the rules add (last: %s)", MaxPatchRounds, describeCompanions(next)),
				"check the patch descriptors for rules whose companions change the versions that select them (pkg-dep patch list)")
		}
		companions = next
	}
}

// warnYanked warns of each yanked version the solution selects, as cargo does: only an
// exact pin selects one, and whoever wrote it may not know its publisher withdrew it.
// An installed package held at its version is not warned of again at every solve
// (pkg-dep outdated marks it).
func (s *Source) warnYanked(sol *resolve.Solution, requests []resolve.Request) {
	held, locked, pinned := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, r := range requests {
		held[r.Name] = held[r.Name] || r.Installed
		locked[r.Name] = locked[r.Name] || r.Locked
		pinned[r.Name] = pinned[r.Name] || !r.Installed && !r.Locked && strings.HasPrefix(strings.TrimSpace(r.Constraint), "=")
	}
	for _, p := range sol.Packages {
		switch {
		case !p.Yanked || held[p.Name]:
		case locked[p.Name] && !pinned[p.Name]:
			// Kept because the lock holds it (as cargo keeps a yanked version in
			// Cargo.lock), not because anyone pinned it.
			s.opts.warn("the lock holds %s %s, which its publisher yanked: --update %s moves it", p.Name, p.Version, p.Name)
		default:
			s.opts.warn("selected %s %s, which its publisher yanked: only an exact pin selects a yanked version", p.Name, p.Version)
		}
	}
}

// platform is what patch rules match: the option, else the platform the requests
// agree on, else this machine's.
func (s *Source) platform(requests []resolve.Request) string {
	platforms := make([]string, len(requests))
	for i, r := range requests {
		platforms[i] = r.Platform
	}
	return rulePlatform(s.opts.Platform, platforms)
}

// anyPlatform is the platform of a package that runs everywhere (published without
// platforms), as installed.yaml records it.
const anyPlatform = "any"

// rulePlatform is the platform patch rules' globs match in one solve: option when set,
// else the one platform the packages were asked for (or installed on), else this
// machine's. `any` and "" are no preference: a platform-independent package installed
// here runs on this machine, so `platform: linux/*` rules keep applying to it.
func rulePlatform(option string, platforms []string) string {
	if option != "" && option != anyPlatform {
		return option
	}
	p := ""
	for _, q := range platforms {
		switch {
		case q == "" || q == anyPlatform:
		case p == "":
			p = q
		case p != q:
			return store.HostPlatform()
		}
	}
	if p == "" {
		return store.HostPlatform()
	}
	return p
}

// restoreRequestNames puts the names the user wrote (core/hello, a repository with its
// tag turned into a constraint) back into the lock's requests, which NewLock recorded in
// their canonical form.
func restoreRequestNames(lock *api.Lock, original, canonical []resolve.Request) {
	i := 0
	for k, r := range original {
		if r.PatchOf != "" || i >= len(lock.Requests) {
			continue
		}
		lock.Requests[i].Name = writtenName(r.Name)
		lock.Requests[i].Version = canonical[k].Constraint
		i++
	}
}

// writtenName is a request's name as the user wrote it, for the lock's requests and
// the solver's explanations: NAME or TAP/NAME as typed; a repository without the tag
// that became its constraint (a layout's path made absolute), as the lock names it.
func writtenName(name string) string {
	name = strings.TrimSpace(name)
	if id := identify(name); id.repository {
		return id.key
	}
	return name
}

// loadConfig reads the tap configuration and checks every tap has a cache, so that a
// package missing from a tap means what it says.
func loadConfig(home string) (*tap.Config, error) {
	c, err := tap.Load(home)
	if err != nil {
		return nil, err
	}
	taps, err := c.List()
	if err != nil {
		return nil, err
	}
	for _, t := range taps {
		if t.Digest == "" {
			return nil, fault.New(fault.NotFound, fmt.Errorf("tap %s has no cache", t.Name),
				fmt.Sprintf("run `pkg-tap update %s` to fetch its index", t.Name))
		}
	}
	return c, nil
}

// Requests turns PackageRef documents (pkg-tap search -o yaml, pkg-pull add -f) into
// requests; platform, when set, overrides theirs.
func Requests(refs []*api.PackageRef, platform string) []resolve.Request {
	out := make([]resolve.Request, 0, len(refs))
	for _, r := range refs {
		name := r.Name
		if name == "" {
			name = r.Ref
		}
		p := r.Platform
		if platform != "" {
			p = platform
		}
		out = append(out, resolve.Request{Name: name, Constraint: r.Version, Platform: p})
	}
	return out
}

// withHint attaches hint to err. A hint lib/plan gave before (a patch rule's, a bare
// name's) is kept after it; the solver's own, which only says to relax a constraint, is
// replaced.
// staleCaches adds to the solver's own hint that the taps are read from their caches:
// a version published since the last `pkg-tap update` is not seen, and "matches no
// version" is then the cache's word, not the registry's.
func (s *Source) staleCaches(err error) error {
	if !solverHint(err) || len(s.cfg.Taps) == 0 {
		return err
	}
	return fault.Hinted(err, fault.HintOf(err)+"; the taps are read from their caches: if a version was published since, run `pkg-tap update` first")
}

func withHint(err error, hint string) error {
	if prev := fault.HintOf(err); prev != "" && !solverHint(err) {
		hint += "; " + prev
	}
	return fault.Hinted(err, hint)
}

// solverHint reports whether err's hint (fault.HintOf's) is the one resolve.Solve gave
// its failure.
func solverHint(err error) bool {
	var f *fault.Error
	for e := err; errors.As(e, &f); e = f.Err {
		if f.Hint != "" {
			_, ok := f.Err.(*resolve.Failure)
			return ok
		}
	}
	return false
}
