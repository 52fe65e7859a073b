package plan

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/patch"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/resolve"
	"longshore.dev/lib/store"
	"longshore.dev/lib/tap"
)

// SyncResult is what Sync did and the lock it made.
type SyncResult struct {
	Result
	// Checked names the descriptors the registry was asked about and answered for
	// (installed package names and _global), Changed those whose cached copy changed
	// (learning that the registry has none for a name, the first time, is no change).
	Checked, Changed []string
	// Cached names the descriptors used as cached before without asking: all of them
	// offline, and those not yet checked when the registry could not be read
	// (patches.required false).
	Cached []string
	// Uncached names the descriptors that would have been used as cached but never were
	// cached from this patch registry: no rules of theirs apply.
	Uncached []string
	// Dropped names the installed patch companions (as installed.yaml does) that the
	// lock no longer holds: no rule adds them now, so once the lock is installed
	// nothing needs them. pkg-pull leaves them installed until `pkg-pull remove`.
	Dropped []string
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
	res := &SyncResult{}
	for _, n := range names {
		if !opts.Offline && !src.patches.isUnreachable() {
			if _, err := src.patches.refresh(ctx, n); err != nil {
				return nil, err
			}
		}
		if opts.Offline || src.patches.isUnreachable() {
			cached, err := src.patches.isCached(n)
			if err != nil {
				return nil, err
			}
			if cached {
				res.Cached = append(res.Cached, n)
			} else {
				res.Uncached = append(res.Uncached, n)
			}
		} else {
			res.Checked = append(res.Checked, n)
		}
	}
	res.Changed = slices.Clone(src.patches.changed)
	src.patches.mode = PatchesCached
	r, err := src.installedPlan(ctx, installed)
	if err != nil {
		return nil, err
	}
	res.Result = *r
	res.Dropped = src.dropped(installed, r.Lock)
	return res, nil
}

// dropped lists the installed patch companions that lock holds neither by name nor
// by repository.
func (s *Source) dropped(installed []*api.Installed, lock *api.Lock) []string {
	var out []string
	for _, inst := range installed {
		if inst.Reason != api.ReasonPatch {
			continue
		}
		key, repo := PackageName(s.installedName(inst)), RepositoryName(inst.Source)
		if !slices.ContainsFunc(lock.Packages, func(p api.LockedPackage) bool { return p.Name == key || p.Repository == repo }) {
			out = append(out, inst.Name)
		}
	}
	return out
}

// Installed is the graph of what is installed, as installed.yaml records it, for tree
// and why: every installed package at its installed version, named as a solve names
// it, with the tap or repository it came from, its dependency and patch edges (the
// companions installed, whatever the rules say now) and its reason; the requests are
// the packages installed explicitly, at =VERSION. It solves nothing, so a package
// whose tap or repository is gone is shown as it is. The local caches (no network)
// only add the platforms each version publishes besides the one installed, as a lock
// lists them. Nothing installed gives an empty lock.
func Installed(ctx context.Context, home string, opts Options) (*api.Lock, error) {
	opts.Offline = true
	opts.Patches = PatchesOff
	src, err := NewSource(home, opts)
	if err != nil {
		return nil, err
	}
	installed, err := listInstalled(src.home)
	if err != nil {
		return nil, err
	}
	lock := src.installedLock(installed)
	if err := src.addPlatforms(ctx, lock); err != nil {
		return nil, err
	}
	return lock, nil
}

// InstalledPackage is the name that the installed package name (as installed.yaml and
// `pkg-pull list` write it) has in Installed's lock and in InstalledTargets: its bare
// name, or the repository of a package installed by reference that no tap lists (a
// companion a rule names by `ref:`). ok is false when nothing of that name is
// installed.
func InstalledPackage(home, name string) (key string, ok bool, err error) {
	c, err := tap.Load(home)
	if err != nil {
		return "", false, err
	}
	installed, err := listInstalled(c.Home())
	if err != nil {
		return "", false, err
	}
	for _, inst := range installed {
		if inst.Name == name {
			return PackageName(installedName(c, inst)), true, nil
		}
	}
	return "", false, nil
}

// installedLock is installed.yaml as a Lock. Each package carries its root digest and
// the platform installed; edges keep only the installed packages they name. The order
// is the lock's (resolve.Order), or by name when the edges hold a cycle pkg-pull would
// not have written: for a report that will do.
func (s *Source) installedLock(installed []*api.Installed) *api.Lock {
	lock := api.NewLock()
	lock.Requests, lock.Packages, lock.Order = []api.LockRequest{}, []api.LockedPackage{}, []string{}
	names := make([]string, len(installed))
	key := make(map[string]string, len(installed)) // installed name → name in a lock
	for i, inst := range installed {
		names[i] = s.installedName(inst)
		key[inst.Name] = PackageName(names[i])
	}
	translate := func(edges []string) []string {
		var out []string
		for _, n := range edges {
			if k, ok := key[n]; ok {
				out = append(out, k)
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	requiredBy := map[string][]string{}
	for i, inst := range installed {
		id := identify(names[i])
		p := api.LockedPackage{
			Name: id.key, Tap: id.tap, Version: inst.Version, Repository: RepositoryName(inst.Source), Digest: RootDigest(inst),
			Platforms:    []api.Platform{{Platform: inst.Platform, Digest: inst.Digest}},
			Dependencies: translate(inst.Dependencies), Patches: translate(inst.Patches), Reason: inst.Reason,
		}
		if inst.Reason == api.ReasonExplicit {
			p.Reason = api.ReasonRequested
			lock.Requests = append(lock.Requests, api.LockRequest{Name: writtenName(names[i]), Version: "=" + inst.Version, Platform: inst.Platform})
		}
		for _, n := range slices.Concat(p.Dependencies, p.Patches) {
			requiredBy[n] = append(requiredBy[n], p.Name)
		}
		lock.Packages = append(lock.Packages, p)
	}
	sortWithRequiredBy(lock, requiredBy)
	order, err := resolve.Order(lock.Packages)
	if err != nil {
		order = make([]string, len(lock.Packages))
		for i, p := range lock.Packages {
			order[i] = p.Name
		}
	}
	lock.Order = order
	return lock
}

// RootDigest is the root of an installed version: the digest its source is pinned by,
// else the index the platform was chosen from, else the manifest itself.
func RootDigest(inst *api.Installed) string {
	if r, err := ref.ParseArtifact(inst.Source); err == nil && r.Digest != "" {
		return r.Digest
	}
	if inst.Index != "" {
		return inst.Index
	}
	return inst.Digest
}

// addPlatforms lists, for each package of an installed lock, every platform its
// version publishes, when the caches know the version with the same root: a lock holds
// them all, installed.yaml only the one installed. A package whose versions cannot be
// read (its tap removed, its repository not cached) keeps the installed platform.
func (s *Source) addPlatforms(ctx context.Context, lock *api.Lock) error {
	for i := range lock.Packages {
		p := &lock.Packages[i]
		cands, err := s.packageVersions(ctx, p)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if err != nil {
			continue
		}
		for _, c := range cands {
			if c.Version.String() == p.Version && c.Origin.Digest == p.Digest && len(c.Origin.Platforms) > 0 {
				p.Platforms = slices.SortedFunc(slices.Values(c.Origin.Platforms), func(a, b api.Platform) int { return strings.Compare(a.Platform, b.Platform) })
			}
		}
	}
	return nil
}

func listInstalled(home string) ([]*api.Installed, error) {
	return (&store.Store{Home: home}).List()
}

// installedPlan pins every installed package that is not a patch companion as a
// request at its version (=VERSION), solves with the patch rules, and puts the
// installed reasons back: only explicit installs stay requests, with the constraint
// they were installed with (installed.yaml's, none for any), packages installed as
// dependencies keep reason dependency, and companions come from the rules again (a
// rule removed since drops its companion from the lock). The solve needs the versions
// of every pinned package: one whose tap is gone fails it (see tapsGone).
func (s *Source) installedPlan(ctx context.Context, installed []*api.Installed) (*Result, error) {
	var requests []resolve.Request
	var pinned []*api.Installed
	// asked is, for each explicit install, the constraint it was asked for.
	asked := map[string]string{}
	for _, inst := range installed {
		if inst.Reason == api.ReasonPatch {
			continue
		}
		pinned = append(pinned, inst)
		name := s.installedName(inst)
		requests = append(requests, resolve.Request{Name: name, Constraint: "=" + inst.Version, Platform: inst.Platform, Installed: true})
		if inst.Reason != api.ReasonDependency {
			asked[PackageName(name)] = inst.Constraint
		}
	}
	if len(requests) == 0 {
		lock := api.NewLock()
		lock.Requests, lock.Packages, lock.Order = []api.LockRequest{}, []api.LockedPackage{}, []string{}
		return &Result{Lock: lock}, nil
	}
	res, err := s.solve(ctx, requests)
	if err != nil {
		return nil, s.tapsGone(err, pinned)
	}
	lock := res.Lock
	// The requests say what was asked for, not the pins: pkg-pull -f records a
	// request's constraint, and a =VERSION there would hold the package at that version
	// for every later upgrade.
	kept := lock.Requests[:0]
	for _, r := range lock.Requests {
		if c, ok := asked[PackageName(r.Name)]; ok {
			r.Version = c
			kept = append(kept, r)
		}
	}
	lock.Requests = kept
	for i := range lock.Packages {
		p := &lock.Packages[i]
		if _, ok := asked[p.Name]; p.Reason != api.ReasonRequested || ok {
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

// tapsGone adds a hint to err, a solve that failed for want of a package, when some of
// the installed packages it pinned came from taps that are no longer configured
// (`pkg-tap remove --force` leaves them installed): the solve cannot read their
// versions, and the way out is the tap or the packages, not the name. The packages to
// remove are those installed explicitly (their dependencies go with them), else the
// dependencies themselves.
func (s *Source) tapsGone(err error, pinned []*api.Installed) error {
	if fault.KindOf(err) != fault.NotFound {
		return err
	}
	var taps, explicit, others []string
	for _, inst := range pinned {
		if _, ok := s.cfg.Tap(inst.Tap); inst.Tap == "" || ok {
			continue
		}
		taps = append(taps, inst.Tap)
		if inst.Reason == api.ReasonExplicit {
			explicit = append(explicit, inst.Name)
		} else {
			others = append(others, inst.Name)
		}
	}
	if len(taps) == 0 {
		return err
	}
	slices.Sort(taps)
	taps = slices.Compact(taps)
	remove := explicit
	if len(remove) == 0 {
		remove = others
	}
	slices.Sort(remove)
	which, it, add := "tap "+taps[0]+" is", "it", "pkg-tap add "+taps[0]+" REF"
	if len(taps) > 1 {
		which, it, add = "taps "+strings.Join(taps, ", ")+" are", "them", "pkg-tap add NAME REF"
	}
	return fault.Hinted(err, fmt.Sprintf("%s no longer configured, and installed packages came from %s: add %s back with `%s`, or remove those packages with `pkg-pull remove %s`",
		which, it, it, add, strings.Join(remove, " ")))
}

// installedName is the request name of an installed package: TAP/NAME when it came
// through a tap; for one installed by reference, TAP/NAME when a tap lists the same
// repository under that name, else the repository; for a patch companion installed
// by reference (a rule's `ref:`), the repository always.
func (s *Source) installedName(inst *api.Installed) string { return installedName(s.cfg, inst) }

func installedName(cfg *tap.Config, inst *api.Installed) string {
	if inst.Tap != "" {
		return inst.Tap + "/" + inst.Name
	}
	r, err := ref.ParseArtifact(inst.Source)
	if err != nil {
		return inst.Name
	}
	repo := r.Locator()
	if inst.Reason == api.ReasonPatch {
		// A companion without a tap came from a rule's `ref:`, and every solve names
		// it so, whether or not some tap also lists the repository.
		return repo
	}
	if tapName, pkg, err := cfg.Find(inst.Name); err == nil && RepositoryName(pkg.Repository) == repo {
		return tapName + "/" + inst.Name
	}
	for _, spec := range cfg.Taps {
		if _, pkg, err := cfg.Find(spec.Name + "/" + inst.Name); err == nil && RepositoryName(pkg.Repository) == repo {
			return spec.Name + "/" + inst.Name
		}
	}
	return repo
}

// sortWithRequiredBy sorts lock's packages by name and fills in each one's RequiredBy
// from requiredBy (package name → the packages that depend on or patch it).
func sortWithRequiredBy(lock *api.Lock, requiredBy map[string][]string) {
	slices.SortFunc(lock.Packages, func(a, b api.LockedPackage) int { return strings.Compare(a.Name, b.Name) })
	for i := range lock.Packages {
		p := &lock.Packages[i]
		if by := requiredBy[p.Name]; len(by) > 0 {
			p.RequiredBy = slices.Compact(slices.Sorted(slices.Values(by)))
		}
	}
}
