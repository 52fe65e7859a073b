package main

import (
	"fmt"
	"slices"
	"strings"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/store"
)

// previewLock is what add --dry-run and upgrade --dry-run print instead of installing
// lock: on stderr what would change, one line a package — "Would upgrade hello 1.0.0
// -> 1.1.0", "Would install zlib 1.3.0", "Would remove lib 0.1.0: …" for a dependency
// the tidy after the install would remove — and a warning for each entry point the
// install would refuse to link over (a file of the user's in bin/), or unchanged when
// nothing would change; on stdout the Lock, which pkg-pull -f would install. verb names
// the command in the warnings ("add", "upgrade"). Nothing is downloaded: what it reads
// besides installed.yaml and bin/ is the store's copy of a package's config.
func previewLock(env *cli.Env, s *store.Store, format cli.Format, before []*api.Installed, lock *api.Lock, opts store.InstallOptions, verb, unchanged string) error {
	changes := lockChanges(before, lock)
	for _, name := range lock.Order {
		p, _ := lock.Package(name)
		if inst := installedFor(before, p); inst != nil && p.Reason == api.ReasonRequested && inst.Reason != api.ReasonExplicit {
			changes = append(changes, fmt.Sprintf("record %s as installed explicitly, not as a %s", inst.Name, reasonNoun(inst.Reason)))
		}
	}
	for _, inst := range store.UnneededDependencies(afterInstall(before, lock)) {
		changes = append(changes, fmt.Sprintf("remove %s %s: a dependency nothing installed needs any more", inst.Name, inst.Version))
	}
	for _, c := range changes {
		env.Infof("Would %s", c)
	}
	if len(changes) == 0 {
		env.Infof("%s", unchanged)
	}
	warnBins(env, s, before, lock, opts, verb)
	return cli.PrintLocks(env.Stdout, format, lock)
}

// afterInstall is what installed.yaml would hold once lock is installed over before,
// as the store commits a set: a package of the lock replaces the record installedFor
// finds (or is new), with the lock's edges, and a record explicit before stays so.
// Versions, reasons and edges are what it gets right; digests and paths it leaves.
func afterInstall(before []*api.Installed, lock *api.Lock) []*api.Installed {
	byName := map[string]*api.Installed{}
	for _, inst := range before {
		c := *inst
		byName[c.Name] = &c
	}
	recordName := map[string]string{} // the lock's names → the records'
	for _, p := range lock.Packages {
		recordName[p.Name] = p.Name
		if inst := installedFor(before, &p); inst != nil {
			recordName[p.Name] = inst.Name
		}
	}
	edges := func(names []string) []string {
		var out []string
		for _, n := range names {
			out = append(out, recordName[n])
		}
		return out
	}
	for _, p := range lock.Packages {
		rec := byName[recordName[p.Name]]
		if rec == nil {
			rec = &api.Installed{Name: recordName[p.Name]}
			byName[rec.Name] = rec
		}
		if rec.Reason != api.ReasonExplicit {
			rec.Reason = p.Reason
			if rec.Reason == api.ReasonRequested {
				rec.Reason = api.ReasonExplicit
			}
		}
		rec.Version, rec.Dependencies, rec.Patches = p.Version, edges(p.Dependencies), edges(p.Patches)
	}
	out := make([]*api.Installed, 0, len(byName))
	for _, rec := range byName {
		out = append(out, rec)
	}
	slices.SortFunc(out, func(a, b *api.Installed) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// warnBins warns of each package of lock whose install would be refused for what is in
// bin/ where an entry point of it goes: a file or a symlink the store did not make (the
// user's own program; --force replaces it) or a directory. Those are what the install
// checks only once every package is downloaded, so a dry run is where they are best
// learned. A package's entry points are read from the store's copy of its config;
// one the store has not seen is judged by the entry points of the version installed,
// and one new to it is not judged (its config is not downloaded for a dry run).
func warnBins(env *cli.Env, s *store.Store, before []*api.Installed, lock *api.Lock, opts store.InstallOptions, verb string) {
	platform := opts.Platform
	if platform == "" {
		platform = store.HostPlatform()
	}
	for _, name := range lock.Order {
		p, _ := lock.Package(name)
		pl, ok := store.PickPlatform(p.Platforms, platform)
		if !ok {
			continue // the install says it has no such build, whatever bin/ holds
		}
		inst := installedFor(before, p)
		if inst != nil && inst.Digest == pl.Digest && !opts.OverwriteBin {
			continue // the same tree: nothing is linked anew, what the user put there stays
		}
		pkgName, bins := "", []string(nil)
		if c, err := s.Config(&api.Installed{Name: p.Name, Digest: pl.Digest}); err == nil {
			pkgName, bins = c.Name, c.Bin
		} else if inst != nil {
			pkgName, bins = inst.Name, inst.Bin
		}
		if err := s.CheckEntryPoints(pkgName, p.Version, bins, opts.OverwriteBin); err != nil {
			env.Warnf("%v, so the %s would be refused: %s", err, verb, fault.HintOf(err))
		}
	}
}
