package main

import (
	"context"

	"github.com/spf13/pflag"

	"longshore.dev/lib/cli"
)

func newRemoveCmd() *cli.Command {
	var cascade bool
	return &cli.Command{
		Name:  "remove",
		Short: "uninstall packages; dependencies nothing else needs go with them",
		Use:   "PKG...",
		Long: `Removes packages from installed.yaml and their entry points from
$LONGSHORE_HOME/bin. A package another installed package depends on is refused, naming
that package, unless --cascade removes the dependents too. Dependencies and patch
companions that no remaining package needs are removed from installed.yaml with them.
The bytes stay in the store until pkg-gc frees what nothing references.`,
		Example: "{prog} hello\n{prog} libgreet --cascade",
		Flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&cascade, "cascade", false, "also remove the installed packages that depend on PKG")
		},
		Args: cli.MinArgs(1, "PKG: the installed package to remove"),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			s, err := openStore(env)
			if err != nil {
				return err
			}
			res, err := s.Remove(args, cascade)
			if err != nil {
				return err
			}
			for _, inst := range res.Removed {
				env.Infof("Removed %s %s", inst.Name, inst.Version)
			}
			for _, inst := range res.Unneeded {
				env.Infof("Removed %s %s (a %s nothing installed needs any more)", inst.Name, inst.Version, inst.Reason)
			}
			if len(res.Removed)+len(res.Unneeded) > 0 {
				env.Infof("Their files stay in the store until `pkg-gc` frees what nothing uses.")
			}
			return nil
		},
	}
}
