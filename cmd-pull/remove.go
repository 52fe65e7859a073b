package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/pflag"

	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/store"
	"longshore.dev/lib/suggest"
)

func newRemoveCmd() *cli.Command {
	var cascade, dryRun bool
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:     "remove",
		Aliases:  []string{"uninstall", "rm"},
		Complete: suggest.Installed,
		Short:    "uninstall packages; dependencies nothing else needs go with them",
		Use:      "PKG...",
		Long: `Removes packages from installed.yaml and their entry points from
$LONGSHORE_HOME/bin. PKG is a package as 'pkg-pull list' names it, or TAP/NAME of the
tap it came through. A package another installed package depends on is refused, naming
that package, unless --cascade removes the dependents too. Dependencies and patch
companions that no remaining package needs are removed from installed.yaml with them.
The bytes stay in the store until pkg-gc frees what nothing references.

Prints the records it removed from installed.yaml, what was asked for first, as
Installed documents: a table on a terminal, yaml otherwise; -o name prints
installed/NAME@VERSION, so a script sees which dependencies went too. With --dry-run
it prints the records it would remove, says so on stderr ("Would remove …"), and
removes nothing.`,
		Example: "{prog} hello\n{prog} core/hello\n{prog} libgreet --cascade --dry-run\n{prog} hello -o name",
		Flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&cascade, "cascade", false, "also remove the installed packages that depend on PKG")
			fs.BoolVar(&dryRun, "dry-run", false, "print what would be removed; remove nothing")
			output.AddTo(fs)
		},
		Args: cli.MinArgs(1, "PKG: the installed package to remove"),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			s, err := readStore(env)
			if err != nil {
				return err
			}
			if _, err := os.Stat(s.Home); errors.Is(err, fs.ErrNotExist) {
				// Nothing is installed: say so as Remove would, without creating the home.
				return fault.New(fault.NotFound, fmt.Errorf("%s is not installed (nothing is: %s does not exist)", args[0], s.Home),
					"pkg-pull list shows what is installed")
			}
			var res *store.RemoveResult
			did := "Removed"
			if dryRun {
				did = "Would remove"
				res, err = s.RemovePlan(args, cascade)
			} else {
				res, err = s.Remove(ctx, args, cascade, func() {
					env.Infof("Waiting for pkg-gc (or another command), which holds %s, to finish…", s.RecordsLockPath())
				})
			}
			if err != nil {
				return err
			}
			for _, inst := range res.Removed {
				env.Infof("%s %s %s", did, inst.Name, inst.Version)
			}
			for _, inst := range res.Unneeded {
				env.Infof("%s %s %s (a %s nothing installed needs any more)", did, inst.Name, inst.Version, inst.Reason)
			}
			if len(res.Removed)+len(res.Unneeded) > 0 && !dryRun {
				env.Infof("Their files stay in the store until `pkg-gc` frees what nothing uses.")
			}
			return printInstalled(env, format, append(res.Removed, res.Unneeded...))
		},
	}
}
