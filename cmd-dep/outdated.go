package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/plan"
)

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// outdatedDoc is the document -o yaml|json|name prints for a checked package.
func outdatedDoc(o plan.Outdated) *api.Outdated {
	d := api.NewOutdated()
	d.Name, d.Current, d.Tap, d.Repository = o.Name, o.Current, o.Tap, o.Repository
	if o.Err != nil {
		d.Error = o.Err.Error()
	} else {
		d.Wanted, d.Latest, d.Yanked = o.Wanted, o.Latest, o.Yanked
	}
	return d
}

var outdatedColumns = cli.Columns{
	Headers: []string{"NAME", "CURRENT", "WANTED", "LATEST", "FROM"},
	Row: func(doc any) []string {
		o := doc.(*api.Outdated)
		from := o.Repository
		if o.Tap != "" {
			from = "tap " + o.Tap
		}
		wanted, latest := orDash(o.Wanted), orDash(o.Latest)
		if o.Error != "" {
			wanted, latest = "?", "?"
		}
		current := o.Current
		if o.Yanked {
			current += " (yanked)"
		}
		return []string{o.Name, current, wanted, latest, from}
	},
}

func newOutdatedCmd() *cli.Command {
	var flags planFlags
	var files cli.FileFlags
	var all bool
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:  "outdated",
		Short: "list newer versions",
		Use:   "[-f LOCK]",
		Long: `Lists, for each package of the lock, its locked version (CURRENT), the newest version
its constraints allow (WANTED: the requests naming it, what the other locked packages at
their locked versions require of it, and for a patch companion the cached patch rules
that add it) and the newest release there is (LATEST).
Only packages with something newer, or whose current version is yanked (CURRENT
"1.3.0 (yanked)", yanked: true), are listed, unless --all.

The lock is the one read with -f, or without it the installed packages as installed.yaml
records them: WANTED is then what the other installed packages allow, within the
constraint each explicit install was added with (pkg-pull add hello@^1.2). Versions
come from the tap caches ('pkg-tap update' refreshes them first) and repositories'
tags. To move one package of a lock to its WANTED
version: 'pkg-dep resolve -f LOCK --update PKG'; installed packages: 'pkg-pull upgrade
[PKG]' (LATEST, not bound by WANTED's constraints; --dry-run says what would move).

A package whose versions cannot be read (its tap removed, its repository gone) is
listed with "?" (an error field with -o yaml|json) and a warning; the others are
listed all the same, and the command exits 8 (partial).

-o yaml and -o json print Outdated documents (-o json always a List, even of none).`,
		Example: `{prog} -f tools.lock.yaml
{prog} --all
{prog} -o json | jq -r '.items[].name'`,
		Flags: func(fs *pflag.FlagSet) {
			files.AddTo(fs)
			output.AddTo(fs)
			fs.BoolVar(&all, "all", false, "list every package, not only those with newer versions")
			flags.addTo(fs, false)
		},
		Args: cli.ExactArgs(),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			h, err := home(env)
			if err != nil {
				return err
			}
			var list []plan.Outdated
			if len(files.Paths) > 0 {
				lock, err := readLock(env, files)
				if err != nil {
					return err
				}
				list, err = plan.CheckOutdated(ctx, h, lock, flags.options(env))
				if err != nil {
					return err
				}
			} else if list, err = plan.CheckInstalledOutdated(ctx, h, flags.options(env)); err != nil {
				return err
			}
			docs := []any{}
			var failed []string
			for _, o := range list {
				if o.Err != nil {
					failed = append(failed, o.Name)
					if hint := fault.HintOf(o.Err); hint != "" {
						env.Warnf("cannot check %s %s: %v (%s)", o.Name, o.Current, o.Err, hint)
					} else {
						env.Warnf("cannot check %s %s: %v", o.Name, o.Current, o.Err)
					}
				}
				if all || o.IsOutdated() || o.Err != nil {
					docs = append(docs, outdatedDoc(o))
				}
			}
			if len(docs) == 0 {
				switch len(list) {
				case 0:
					env.Infof("There are no packages to check.")
				case 1:
					env.Infof("The one package is up to date.")
				default:
					env.Infof("All %d packages are up to date.", len(list))
				}
				if format == cli.Table {
					return nil // a table of no rows says less than the line above
				}
			}
			if err := cli.PrintList(env.Stdout, format, docs, outdatedColumns); err != nil {
				return err
			}
			if len(failed) > 0 {
				// Partial even when no package could be checked: the rows still say
				// which packages there are and why each is unknown.
				hint := "the warnings above say why; the other packages were checked"
				if len(failed) == len(list) {
					hint = "the warnings above say why"
				}
				return fault.New(fault.Partial,
					fmt.Errorf("could not check %d of %d packages: %s", len(failed), len(list), strings.Join(failed, ", ")), hint)
			}
			if !all {
				env.Debugf("%d of %d packages have newer versions", len(docs), len(list))
			}
			return nil
		},
	}
}
