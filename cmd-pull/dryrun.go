package main

import (
	"fmt"
	"slices"
	"strings"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/store"
)

// previewLock is what add --dry-run and upgrade --dry-run print instead of installing
// lock: on stderr what would change, one line a package — "Would upgrade hello 1.0.0
// -> 1.1.0", "Would install zlib 1.3.0", "Would remove lib 0.1.0: …" for a dependency
// the tidy after the install would remove — or unchanged when nothing would change;
// on stdout the Lock, which pkg-pull -f would install. Nothing is downloaded.
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
