package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"longshore.dev/lib/cli"
	"longshore.dev/lib/gc"
)

func newWhyCmd() *cli.Command {
	var roots rootFlags
	return &cli.Command{
		Name:  "why",
		Short: "explain why something is kept",
		Use:   "DIGEST|PKG",
		Long: `Prints every chain from a root to what is named, one per line: a package name, a
digest (sha256:…), or a unique prefix of one (at least 6 hex digits). Exits 3 when
nothing keeps it: then the next collection removes it, or the store does not hold it.`,
		Example: `{prog} hello
{prog} sha256:4f2a9c
{prog} --keep -f tools.lock.yaml sha256:4f2a9c`,
		Flags: func(fs *pflag.FlagSet) { roots.addTo(fs) },
		Args:  cli.ExactArgs("DIGEST or PKG"),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			opts, err := roots.read(env, false)
			if err != nil {
				return err
			}
			s, err := readStore(env)
			if err != nil {
				return err
			}
			chains, err := gc.Why(s, opts, args[0])
			if err != nil {
				return err
			}
			for _, c := range chains {
				fmt.Fprintln(env.Stdout, c)
			}
			return nil
		},
	}
}
