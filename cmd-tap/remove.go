package main

import (
	"context"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/cli"
	"longshore.dev/lib/suggest"
	"longshore.dev/lib/tap"
)

func newRemoveCmd() *cli.Command {
	var force bool
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:     "remove",
		Complete: suggest.Taps,
		Short:    "remove a tap",
		Use:      "NAME",
		Long: `Removes a tap and its cache. It never uninstalls anything: while installed packages
came through this tap it refuses and lists them; with --force it removes the tap
anyway and says which packages it left without their tap (they stay installed).

Prints the tap it removed as 'pkg-tap list' showed it, a Tap document: a table on a
terminal, yaml otherwise; -o name prints tap/NAME.`,
		Example: "{prog} extra\n{prog} extra --force\n{prog} extra -o name",
		Flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&force, "force", false, "remove the tap even though installed packages came from it (they stay installed)")
			output.AddTo(fs)
		},
		Args: cli.ExactArgs("NAME"),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			h, err := home(env)
			if err != nil {
				return err
			}
			removed, orphaned, err := tap.Remove(h, args[0], force)
			if err != nil {
				return err
			}
			env.Infof("Removed tap %s", args[0])
			if len(orphaned) > 0 {
				names := make([]string, len(orphaned))
				for i, inst := range orphaned {
					names[i] = inst.Name + " " + inst.Version
				}
				verb := "are"
				if len(orphaned) == 1 {
					verb = "is"
				}
				env.Warnf("%s came from tap %s and %s now orphaned (still installed, with no tap to update from): %s",
					plural(len(orphaned), "installed package"), args[0], verb, strings.Join(names, ", "))
			}
			return cli.Print(env.Stdout, format, []any{removed}, tapColumns)
		},
	}
}
