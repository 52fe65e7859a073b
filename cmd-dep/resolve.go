package main

import (
	"context"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/plan"
	"longshore.dev/lib/suggest"
	"longshore.dev/lib/version"
)

func newResolveCmd() *cli.Command {
	var flags planFlags
	var files cli.FileFlags
	var update []string
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:     "resolve",
		Complete: suggest.Resolve,
		Short:    "solve constraints into a Lock",
		Use:      "PKG[@CONSTRAINT]... | -f FILE",
		Long: `Resolves the requests into a Lock: one version of every package they reach (the
newest the constraints allow), with its repository, root digest and every platform's
manifest digest, its dependency and patch edges, and the order to install and compose
packages in (dependencies first, then the package, then its patch companions).

PKG is NAME or TAP/NAME through the taps (a bare name found in several taps needs the
default tap, or TAP/NAME), or a repository (REGISTRY/REPO[:VERSION], ocidir://PATH)
whose tags list its versions; @CONSTRAINT is a semver range (^1.2, ~1.2.3, >=1 <2).
-f reads PackageRef documents (pkg-tap search -o yaml), a Lock (its requests are
resolved again: an update of everything) or Installed documents (pkg-pull list -o
yaml, of this home or another: their explicit installs are requested again, each through
its tap or its repository within the constraint it was added with, and the rest is
solved afresh; 'pkg-pull -f' installs the same records at their digests instead). With
--update PKG, only PKG moves (as far as the constraints allow; its dependencies too
when it cannot move without them), and every other package of the lock stays at its
locked version, as 'cargo update -p' does; patch companions follow the site's rules as
always. Resolving a Lock again says on stderr what changed.

Versions come from the tap caches ('pkg-tap update' refreshes them) and from
repositories' tags; the patch rules of the configured patch registry add companions
(docs/patches.md). The same inputs always print the same bytes. When no version
choice works, the error explains why (exit 5), naming the chain of requirers.`,
		Example: `{prog} hello@^1 core/tool
pkg-tap search db -o yaml | {prog} -f - | pkg-pull -f -
{prog} -f tools.yaml > tools.lock.yaml && pkg-pull -f tools.lock.yaml
{prog} -f tools.lock.yaml --update libgreet > new.lock.yaml   # move libgreet only
pkg-pull list -o yaml > installed.yaml; {prog} -f installed.yaml   # what another machine asked for, at today's versions`,
		Flags: func(fs *pflag.FlagSet) {
			files.AddTo(fs)
			output.AddTo(fs)
			flags.addTo(fs, true)
			fs.StringArrayVar(&update, "update", nil, "with -f LOCK: move only this package of the lock (repeatable), holding the others at their versions")
		},
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			requests, locks, err := requestsOf(env, args, files, flags.platform)
			if err != nil {
				return err
			}
			h, err := home(env)
			if err != nil {
				return err
			}
			if len(update) > 0 {
				if len(locks) != 1 || len(args) > 0 || len(requests) != len(locks[0].Requests) {
					return cli.Usagef("--update moves packages of one lock: read exactly one Lock with -f, and name no other packages")
				}
				lock, err := plan.ResolveUpdate(ctx, h, locks[0], requests, update, flags.options(env))
				if err != nil {
					return err
				}
				printChanges(env, locks[0], lock)
				return cli.PrintLocks(env.Stdout, format, lock)
			}
			res, err := plan.Solve(ctx, h, requests, flags.options(env))
			if err != nil {
				return err
			}
			for _, a := range res.Applied {
				env.Debugf("patch: %s %s gets %s (rule %d of %s)", a.Package, a.Version, a.Request, a.Rule, a.Reference)
			}
			if len(locks) == 1 {
				printChanges(env, locks[0], res.Lock)
			}
			return cli.PrintLocks(env.Stdout, format, res.Lock)
		},
	}
}

// printChanges says on stderr how a lock solved again differs from the one read, one
// line per package, as cargo update does: "Updated libgreet 1.1.0 -> 1.2.0", "Added
// zlib 1.3.0", "Removed oldlib 0.9.0"; "Lock unchanged" when nothing moved.
func printChanges(env *cli.Env, before, after *api.Lock) {
	changed := false
	for _, p := range after.Packages {
		old, ok := before.Package(p.Name)
		switch {
		case !ok:
			env.Infof("Added %s %s", p.Name, p.Version)
		case old.Version != p.Version || old.Digest != p.Digest:
			what := old.Version + " -> " + p.Version
			if old.Version == p.Version {
				what = p.Version + " (republished: " + cli.ShortDigest(old.Digest) + " -> " + cli.ShortDigest(p.Digest) + ")"
			}
			verb := "Updated"
			if lower(p.Version, old.Version) {
				verb = "Downgraded" // a yanked version, a tighter constraint: said, as cargo does
			}
			env.Infof("%s %s %s", verb, p.Name, what)
		default:
			continue
		}
		changed = true
	}
	for _, p := range before.Packages {
		if _, ok := after.Package(p.Name); !ok {
			env.Infof("Removed %s %s", p.Name, p.Version)
			changed = true
		}
	}
	if !changed {
		env.Infof("Lock unchanged: every package is at its locked version")
	}
}

// lower reports whether version a sorts below b; versions that do not parse are not.
func lower(a, b string) bool {
	va, errA := version.Parse(a)
	vb, errB := version.Parse(b)
	return errA == nil && errB == nil && va.Compare(vb) < 0
}
