package plan

import (
	"fmt"
	"slices"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/resolve"
	"longshore.dev/lib/store"
)

// Restore is the Lock that installs exactly what Installed records describe — what
// `pkg-pull list -o yaml` printed, in this home or another — for `pkg-pull -f`, as
// `pip install -r` takes what `pip freeze` printed: each package from the repository
// it was installed from at the root digest its source is pinned by, with its tap, its
// reason and its dependency and patch edges. The explicit installs are the requests,
// with the constraints they were added with, which pkg-pull records again for upgrade
// to keep to. Nothing is resolved and no tap is read. where[i] names records[i] in
// errors (a file and line).
//
// A record names the one platform manifest installed there, and so does the lock: the
// installer takes another platform from the root index (pkg-pull does).
//
// A patch companion no record lists among its patches (a rule changed since it was
// installed, and pkg-pull there warns of it on every install) patches nothing: it is
// left out, and skipped names it. A record given twice is one, explicit if either is
// (two homes' lists put together). Any other record that does not fit — one the store
// would not have written, one name twice with different contents, an edge to a package
// the records do not hold — is a usage fault naming it: the records are restored whole
// or not at all.
func Restore(records []*api.Installed, where []string) (lock *api.Lock, skipped []*api.Installed, err error) {
	var set []*api.Installed
	var at []string
	byName := map[string]int{}
	listed := map[string]bool{} // the companions some record lists among its patches
	for i, inst := range records {
		if err := store.CheckRecord(inst); err != nil {
			return nil, nil, fault.New(fault.Usage, fmt.Errorf("%s: %w", where[i], err),
				"give the records pkg-pull list -o yaml prints, as it prints them")
		}
		if j, dup := byName[inst.Name]; dup {
			if other := set[j]; other.Digest != inst.Digest || RootDigest(other) != RootDigest(inst) {
				return nil, nil, fault.Errorf(fault.Usage, "%s: %s %s is also at %s, as %s %s: one name is installed once",
					where[i], inst.Name, inst.Version, at[j], other.Name, other.Version)
			}
			// The same package from two homes' lists: asked for in one, a dependency in
			// the other. It stays asked for, with the constraint it was asked with.
			if inst.Reason == api.ReasonExplicit && set[j].Reason != api.ReasonExplicit {
				set[j], at[j] = inst, where[i]
			}
			continue
		}
		byName[inst.Name] = len(set)
		set, at = append(set, inst), append(at, where[i])
		for _, c := range inst.Patches {
			listed[c] = true
		}
	}
	// The name each record has in the lock, and what its edges may call it: its own
	// name, or the repository a ref: dependency names it by.
	names := make([]string, 0, len(set))
	key := map[string]string{}
	kept := set[:0:0]
	keptAt := at[:0:0]
	for i, inst := range set {
		if inst.Reason == api.ReasonPatch && !listed[inst.Name] {
			skipped = append(skipped, inst)
			continue
		}
		name := RepositoryName(inst.Source)
		if inst.Tap != "" {
			name = inst.Tap + "/" + inst.Name
		}
		k := PackageName(name)
		if other, dup := key[k]; dup {
			return nil, nil, fault.Errorf(fault.Usage, "%s: %s and %s are both %s in a lock: one package is installed once", at[i], inst.Name, other, k)
		}
		key[k] = inst.Name
		kept, keptAt, names = append(kept, inst), append(keptAt, at[i]), append(names, name)
	}
	edgeKey := map[string]string{}
	for i, inst := range kept {
		k := PackageName(names[i])
		edgeKey[inst.Name] = k
		edgeKey[RepositoryName(inst.Source)] = k
	}
	translate := func(i int, what string, edges []string) ([]string, error) {
		var out []string
		for _, n := range edges {
			k, ok := edgeKey[n]
			if !ok {
				inst := kept[i]
				return nil, fault.New(fault.Usage,
					fmt.Errorf("%s: %s %s %s %s, which the records do not hold", keptAt[i], inst.Name, inst.Version, what, ref.Redact(n)),
					"give every record of the home (pkg-pull list -o yaml, not a part of it), or resolve the explicit installs afresh: pkg-pull add -f FILE")
			}
			out = append(out, k)
		}
		slices.Sort(out)
		return slices.Compact(out), nil
	}
	lock = api.NewLock()
	lock.Requests, lock.Packages = []api.LockRequest{}, []api.LockedPackage{}
	requiredBy := map[string][]string{}
	for i, inst := range kept {
		id := identify(names[i])
		deps, err := translate(i, "depends on", inst.Dependencies)
		if err != nil {
			return nil, nil, err
		}
		patches, err := translate(i, "is patched by", inst.Patches)
		if err != nil {
			return nil, nil, err
		}
		platform := inst.Platform
		if platform == "" {
			platform = "any"
		}
		p := api.LockedPackage{
			Name: id.key, Tap: id.tap, Version: inst.Version, Repository: RepositoryName(inst.Source), Digest: RootDigest(inst),
			Platforms:    []api.Platform{{Platform: platform, Digest: inst.Digest}},
			Dependencies: deps, Patches: patches, Reason: inst.Reason,
		}
		if inst.Reason == api.ReasonExplicit {
			p.Reason = api.ReasonRequested
			lock.Requests = append(lock.Requests, api.LockRequest{Name: writtenName(names[i]), Version: inst.Constraint})
		}
		for _, n := range slices.Concat(deps, patches) {
			requiredBy[n] = append(requiredBy[n], p.Name)
		}
		lock.Packages = append(lock.Packages, p)
	}
	sortWithRequiredBy(lock, requiredBy)
	if lock.Order, err = resolve.Order(lock.Packages); err != nil {
		return nil, nil, err
	}
	return lock, skipped, nil
}

// InstalledRequest asks again for what the explicit install inst asked for: its
// package through the tap it came through (TAP/NAME), or, installed by reference, its
// repository's tags; within the constraint it was added with (any version when none),
// for platform ("" for this machine's). pkg-pull upgrade asks it of what is installed;
// pkg-dep resolve -f and pkg-pull add -f of Installed documents, to resolve what
// another home installed afresh.
func InstalledRequest(inst *api.Installed, platform string) *api.PackageRef {
	r := api.NewPackageRef()
	r.Platform, r.Version = platform, inst.Constraint
	switch {
	case inst.Tap != "":
		r.Name = inst.Tap + "/" + inst.Name
	default:
		if src, err := ref.ParseArtifact(inst.Source); err == nil {
			r.Ref = src.Locator()
		} else {
			r.Name = inst.Name
		}
	}
	return r
}
