package main

import (
	"context"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/plan"
)

// lockRow is one package of a lock in a table, in install order.
type lockRow struct{ p *api.LockedPackage }

var lockColumns = cli.Columns{
	Headers: []string{"NAME", "VERSION", "REASON", "FROM", "DIGEST"},
	Row: func(doc any) []string {
		p := doc.(lockRow).p
		from := p.Repository
		if p.Tap != "" {
			from = "tap " + p.Tap
		}
		return []string{p.Name, p.Version, p.Reason, from, cli.ShortDigest(p.Digest)}
	},
}

// printLock writes a lock: the document for yaml, json and name, one row per package
// in install order for a table.
func printLock(env *cli.Env, format cli.Format, lock *api.Lock) error {
	if format != cli.Table {
		return cli.Print(env.Stdout, format, []any{lock}, cli.Columns{})
	}
	rows := make([]any, 0, len(lock.Order))
	for _, n := range lock.Order {
		if p, ok := lock.Package(n); ok {
			rows = append(rows, lockRow{p})
		}
	}
	return cli.Print(env.Stdout, format, rows, lockColumns)
}

func newResolveCmd() *cli.Command {
	var flags planFlags
	var files cli.FileFlags
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:  "resolve",
		Short: "solve constraints into a Lock",
		Use:   "PKG[@CONSTRAINT]... | -f FILE",
		Long: `Resolves the requests into a Lock: one version of every package they reach (the
newest the constraints allow), with its repository, root digest and every platform's
manifest digest, its dependency and patch edges, and the order to install and compose
packages in (dependencies first, then the package, then its patch companions).

PKG is NAME or TAP/NAME through the taps (a bare name found in several taps needs the
default tap, or TAP/NAME), or a repository (REGISTRY/REPO[:VERSION], ocidir://PATH)
whose tags list its versions; @CONSTRAINT is a semver range (^1.2, ~1.2.3, >=1 <2).
-f reads PackageRef documents (pkg-tap search -o yaml) or a Lock (its requests are
resolved again: an update).

Versions come from the tap caches ('pkg-tap update' refreshes them) and from
repositories' tags; the patch rules of the configured patch registry add companions
(docs/patches.md). The same inputs always print the same bytes. When no version
choice works, the error explains why (exit 5), naming the chain of requirers.`,
		Example: `{prog} hello@^1 core/tool
pkg-tap search db -o yaml | {prog} -f - | pkg-pull -f -
{prog} -f tools.yaml > tools.lock.yaml && pkg-pull -f tools.lock.yaml`,
		Flags: func(fs *pflag.FlagSet) {
			files.AddTo(fs)
			output.AddTo(fs)
			flags.addTo(fs, true)
		},
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			requests, err := requestsOf(env, args, files, flags.platform)
			if err != nil {
				return err
			}
			h, err := home(env)
			if err != nil {
				return err
			}
			res, err := plan.Solve(ctx, h, requests, flags.options(env))
			if err != nil {
				return err
			}
			for _, a := range res.Applied {
				env.Debugf("patch: %s %s gets %s (rule %d of %s)", a.Package, a.Version, a.Request, a.Rule, a.Reference)
			}
			return printLock(env, format, res.Lock)
		},
	}
}
