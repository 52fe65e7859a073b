package main

import (
	"context"

	"github.com/spf13/pflag"

	"longshore.dev/lib/cli"
	"longshore.dev/lib/plan"
)

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

var outdatedColumns = cli.Columns{
	Headers: []string{"NAME", "CURRENT", "WANTED", "LATEST", "FROM"},
	Row: func(doc any) []string {
		o := doc.(plan.Outdated)
		from := o.Repository
		if o.Tap != "" {
			from = "tap " + o.Tap
		}
		wanted, latest := orDash(o.Wanted), orDash(o.Latest)
		if o.Err != nil {
			wanted, latest = "?", "?"
		}
		return []string{o.Name, o.Current, wanted, latest, from}
	},
}

func newOutdatedCmd() *cli.Command {
	var flags planFlags
	var files cli.FileFlags
	var all bool
	return &cli.Command{
		Name:  "outdated",
		Short: "list newer versions",
		Use:   "[-f LOCK]",
		Long: `Lists, for each package of the lock, its locked version (CURRENT), the newest version
its constraints allow (WANTED: the requests naming it, and what the other locked packages
at their locked versions require of it) and the newest release there is (LATEST).
Only packages with something newer are listed, unless --all.

The lock is the one read with -f, or without it the installed packages; their requests
are not recorded, so WANTED is then what the other installed packages allow. Versions
come from the tap caches ('pkg-tap update' refreshes them first) and repositories' tags.`,
		Example: `{prog} -f tools.lock.yaml
{prog} --all`,
		Flags: func(fs *pflag.FlagSet) {
			files.AddTo(fs)
			fs.BoolVar(&all, "all", false, "list every package, not only those with newer versions")
			flags.addTo(fs, false)
		},
		Args: cli.ExactArgs(),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			lock, installed, err := lockInput(ctx, env, files, &flags)
			if err != nil {
				return err
			}
			if installed {
				for i := range lock.Requests {
					lock.Requests[i].Version = "" // the installed version, not a wish
				}
			}
			h, err := home(env)
			if err != nil {
				return err
			}
			list, err := plan.CheckOutdated(ctx, h, lock, flags.options(env))
			if err != nil {
				return err
			}
			var rows []any
			for _, o := range list {
				if o.Err != nil {
					env.Warnf("%s: %v", o.Name, o.Err)
				}
				if all || o.IsOutdated() || o.Err != nil {
					rows = append(rows, o)
				}
			}
			if len(rows) == 0 {
				env.Infof("All %d packages are up to date.", len(list))
				return nil
			}
			if err := cli.Print(env.Stdout, cli.Table, rows, outdatedColumns); err != nil {
				return err
			}
			if !all {
				env.Debugf("%d of %d packages have newer versions", len(rows), len(list))
			}
			return nil
		},
	}
}
