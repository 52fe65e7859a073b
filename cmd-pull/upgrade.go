package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/plan"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/suggest"
	"longshore.dev/lib/tap"
	"longshore.dev/lib/version"
)

type upgradeOptions struct {
	install installFlags
	output  *cli.OutputFlags
	refresh bool
	dryRun  bool
}

func newUpgradeCmd() *cli.Command {
	o := &upgradeOptions{output: cli.NewOutputFlags()}
	return &cli.Command{
		Name:     "upgrade",
		Complete: suggest.Explicit,
		Short:    "move installed packages to their newest versions",
		Use:      "[PKG...]",
		Long: `Moves every package installed explicitly (or only each PKG named) to the newest
version there is, with its dependencies at the newest versions that fit, as brew
upgrade and kubectl krew upgrade do: the tap indexes are updated first (--refresh=false
uses the cached ones), then the packages are solved together as 'pkg-pull add' solves
them, and what changed is installed. A package whose tap is gone keeps its version.

A package added with a constraint stays within it (after 'pkg-pull add hello@^1',
upgrade keeps hello at 1.x; 'pkg-pull add hello@^2' moves it on); one added without
any moves to the newest version, across major versions. Each keeps the platform it
was installed for unless --platform says otherwise. PKG is a package installed
explicitly, as 'pkg-pull list' names it; a dependency moves with what needs it.

--dry-run prints what would change and installs nothing: each package that would
move, each dependency that would be removed with nothing needing it any more, and a
warning for a file of yours in $LONGSHORE_HOME/bin that the upgrade would refuse to
replace (without --force). Standard output has the Installed documents of what moved,
or with --dry-run the Lock it would install: a table on a terminal, yaml otherwise
(-o table|yaml|json|name).`,
		Example: `{prog}
{prog} --dry-run
{prog} hello core/tool`,
		Flags: func(fs *pflag.FlagSet) {
			o.output.AddTo(fs)
			fs.BoolVar(&o.refresh, "refresh", true, "update tap indexes and patch descriptors first")
			fs.BoolVar(&o.dryRun, "dry-run", false, "print what would change; install nothing")
			o.install.addTo(fs)
		},
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			return runUpgrade(ctx, env, o, args)
		},
	}
}

func runUpgrade(ctx context.Context, env *cli.Env, o *upgradeOptions, args []string) error {
	format, err := o.output.Format(env)
	if err != nil {
		return err
	}
	s, err := readStore(env)
	if err != nil {
		return err
	}
	before, err := s.List()
	if err != nil {
		return err
	}
	chosen, err := upgradeTargets(before, args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		// A package whose tap is gone has no versions to move to: the solve holds what
		// it depends on instead, and warns.
		cfg, err := tap.Load(s.Home)
		if err != nil {
			return err
		}
		var kept []*api.Installed
		var tapless []string
		for _, inst := range chosen {
			if _, ok := cfg.Tap(inst.Tap); inst.Tap == "" || ok {
				kept = append(kept, inst)
			} else {
				tapless = append(tapless, fmt.Sprintf("%s %s (tap %s)", inst.Name, inst.Version, inst.Tap))
			}
		}
		chosen = kept
		if len(chosen) == 0 && len(tapless) > 0 {
			// Not "nothing is installed": say what is, and why it stays.
			env.Infof("Nothing to upgrade: every explicit install came through a tap that is not configured, so it has no versions to move to: %s; `pkg-tap add TAP REF` adds a tap back",
				strings.Join(tapless, ", "))
			return cli.PrintList(env.Stdout, format, nil, cli.Columns{})
		}
	}
	if len(chosen) == 0 {
		env.Infof("Nothing is installed explicitly: nothing to upgrade.")
		return cli.PrintList(env.Stdout, format, nil, cli.Columns{})
	}
	if o.install.platform == "" {
		if o.install.platform, err = upgradePlatform(chosen); err != nil {
			return err
		}
	}
	opts, closeMeter, err := o.install.options(env)
	if err != nil {
		return err
	}
	defer closeMeter()
	if o.refresh && !o.install.offline {
		if err := refreshTaps(ctx, env, s.Home, opts.Registry); err != nil {
			return err
		}
	}
	reqs := make([]*api.PackageRef, len(chosen))
	for i, inst := range chosen {
		reqs[i] = plan.InstalledRequest(inst, o.install.platform)
	}
	ro := resolveOptions{Platform: o.install.platform, Offline: o.install.offline, OCI: opts.Registry, Warn: env.Warnf, Debugf: env.Debugf, Patches: plan.PatchesCached}
	if o.refresh && !o.install.offline {
		ro.Patches = plan.PatchesRefresh
	}
	lock, err := resolveLock(ctx, s.Home, reqs, ro)
	if err != nil {
		return err
	}
	changes := lockChanges(before, lock)
	if !o.dryRun {
		for _, p := range lock.Packages {
			if inst := installedFor(before, &p); inst != nil && movedFrom(inst, &p) != "" {
				env.Warnf("%s %s%s", inst.Name, p.Version, movedFrom(inst, &p))
			}
		}
	}
	if o.dryRun {
		closeMeter()
		return previewLock(env, s, format, before, lock, opts, "upgrade", "Everything is up to date: "+countPackages(len(lock.Packages)))
	}
	if len(changes) == 0 {
		closeMeter()
		env.Infof("Everything is up to date: %s", countPackages(len(lock.Packages)))
		return cli.PrintList(env.Stdout, format, nil, cli.Columns{})
	}
	if s, err = openStore(env); err != nil {
		return err
	}
	out, err := installLocks(ctx, s, []*api.Lock{lock}, []string{"the upgrade"}, opts)
	if err != nil {
		return err
	}
	closeMeter()
	tidy(ctx, env, s)
	// What moved: the others were only checked (stderr said "Up to date").
	had := map[string]string{}
	for _, inst := range before {
		had[inst.Name] = inst.Digest
	}
	moved := slices.DeleteFunc(out, func(inst *api.Installed) bool { return had[inst.Name] == inst.Digest })
	return printInstalled(env, format, moved)
}

func countPackages(n int) string {
	if n == 1 {
		return "1 package checked"
	}
	return fmt.Sprintf("%d packages checked", n)
}

// upgradePlatform is the platform the chosen installs were made for, so that an
// upgrade without --platform keeps it: one added with --platform linux/arm64 stays an
// arm64 build rather than becoming this machine's. "" (this machine's) when all run
// anywhere. Installs made for different platforms cannot share one install of a Lock,
// which is of one platform: the error names them, to be upgraded apart.
func upgradePlatform(chosen []*api.Installed) (string, error) {
	byPlatform := map[string][]string{}
	for _, inst := range chosen {
		if inst.Platform != "" && inst.Platform != "any" {
			byPlatform[inst.Platform] = append(byPlatform[inst.Platform], inst.Name)
		}
	}
	platforms := slices.Sorted(maps.Keys(byPlatform))
	switch len(platforms) {
	case 0:
		return "", nil
	case 1:
		return platforms[0], nil
	}
	var which, commands []string
	for _, p := range platforms {
		which = append(which, p+" ("+strings.Join(byPlatform[p], ", ")+")")
		commands = append(commands, "`pkg-pull upgrade "+strings.Join(byPlatform[p], " ")+"`")
	}
	return "", fault.New(fault.Usage, fmt.Errorf("the packages to upgrade were installed for different platforms: %s", strings.Join(which, ", ")),
		"upgrade those of each platform on their own: "+strings.Join(commands, ", then "))
}

// upgradeTargets are the explicit installs args name, or all of them without args.
func upgradeTargets(list []*api.Installed, args []string) ([]*api.Installed, error) {
	if len(args) == 0 {
		var out []*api.Installed
		for _, inst := range list {
			if inst.Reason == api.ReasonExplicit {
				out = append(out, inst)
			}
		}
		return out, nil
	}
	var out []*api.Installed
	for _, arg := range args {
		inst := findInstalled(list, arg)
		var needers []string
		for _, other := range list {
			if inst != nil && (slices.Contains(other.Dependencies, inst.Name) || slices.Contains(other.Patches, inst.Name)) {
				needers = append(needers, other.Name)
			}
		}
		switch {
		case inst == nil:
			return nil, fault.New(fault.NotFound, fmt.Errorf("%s is not installed", ref.Redact(arg)),
				"`pkg-pull list` shows what is; `pkg-pull add "+ref.Redact(arg)+"` installs it")
		case inst.Reason != api.ReasonExplicit:
			by := "the packages that need it"
			if len(needers) > 0 {
				by = strings.Join(needers, ", ")
			}
			return nil, fault.New(fault.Usage, fmt.Errorf("%s is installed as a %s, not explicitly: it moves with %s", inst.Name, reasonNoun(inst.Reason), by),
				fmt.Sprintf("upgrade %s, or `pkg-pull add %s` to install it explicitly", by, inst.Name))
		}
		out = append(out, inst)
	}
	return out, nil
}

func reasonNoun(reason string) string {
	if reason == api.ReasonPatch {
		return "patch companion"
	}
	return reason
}

// findInstalled is the record arg names: NAME, TAP/NAME, or the repository it came from.
func findInstalled(list []*api.Installed, arg string) *api.Installed {
	for _, inst := range list {
		if satisfiedBy(&api.PackageRef{Name: arg}, inst) || satisfiedBy(&api.PackageRef{Ref: arg}, inst) {
			return inst
		}
	}
	return nil
}

// lockChanges says, per package, how installing lock changes what is installed:
// "upgrade hello 1.0.0 -> 1.1.0", "install zlib 1.3.0" (a new dependency), and "hello
// 1.0.0: from REPO, not OLD where it was installed from" for a package whose tap now
// lists it in another repository (a tap re-added under the same name, a package that
// moved): the upgrade follows the tap, which is the user's to know.
func lockChanges(installed []*api.Installed, lock *api.Lock) []string {
	var out []string
	for _, name := range lock.Order {
		p, ok := lock.Package(name)
		if !ok {
			continue
		}
		inst := installedFor(installed, p)
		switch {
		case inst == nil:
			out = append(out, fmt.Sprintf("install %s %s", p.Name, p.Version))
		case inst.Version != p.Version:
			verb := "upgrade"
			if v, w := parseVersion(inst.Version), parseVersion(p.Version); v != nil && w != nil && w.Compare(v) < 0 {
				verb = "downgrade"
			}
			out = append(out, fmt.Sprintf("%s %s %s -> %s%s", verb, inst.Name, inst.Version, p.Version, movedFrom(inst, p)))
		case plan.RootDigest(inst) != p.Digest || movedFrom(inst, p) != "":
			out = append(out, fmt.Sprintf("reinstall %s %s%s", inst.Name, p.Version, movedFrom(inst, p)))
		}
	}
	return out
}

// installedFor is the installed record that installing the lock's package p replaces.
// A lock names a package found through a tap by its name, and one asked for by
// repository (an install by reference, which upgrade asks for by its repository's
// tags; a ref: dependency) by that repository, as pkg-dep resolve does; installed.yaml
// records each under the package's own name, with the repository in its source (the
// store names it so: commit). A repository holds one package, so the record installed
// from p's repository is p's.
func installedFor(installed []*api.Installed, p *api.LockedPackage) *api.Installed {
	if pkgspec.ValidName(p.Name) {
		for _, inst := range installed {
			if inst.Name == p.Name {
				return inst
			}
		}
		return nil
	}
	repo := plan.RepositoryName(p.Name)
	for _, inst := range installed {
		if plan.RepositoryName(inst.Source) == repo {
			return inst
		}
	}
	return nil
}

// movedFrom is ", from REPO, not OLD where it was installed from" when the lock has inst's
// package in another repository than the one it was installed from; else "".
func movedFrom(inst *api.Installed, p *api.LockedPackage) string {
	// Both sides as keys: an index may spell its repository oci://REGISTRY/REPO, which
	// the recorded source drops, and that is no move.
	was := plan.RepositoryName(inst.Source)
	if was == plan.RepositoryName(p.Repository) {
		return ""
	}
	return fmt.Sprintf(", from %s, not %s where it was installed from", p.Repository, was)
}

func parseVersion(s string) *version.Version {
	v, err := version.Parse(s)
	if err != nil {
		return nil
	}
	return v
}
