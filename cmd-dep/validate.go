package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/plan"
	"longshore.dev/lib/tap"
)

func newValidateCmd() *cli.Command {
	var files cli.FileFlags
	var registry cli.RegistryFlags
	var remote bool
	return &cli.Command{
		Name:  "validate",
		Short: "check a lock",
		Use:   "-f LOCK [--remote]",
		Long: `Checks that a lock is consistent: packages sorted and unique, every dependency and
patch edge naming a package of the lock, requiredBy the inverse of those edges, semantic
versions, well-formed sha256 digests, and an order that is topological (each package
after its dependencies, each patch companion after the package it patches). With
--remote it also asks each package's repository whether its root digest and every
platform digest exist (one HEAD request each).

Each problem is printed on stderr; an inconsistent lock exits 6, a digest the registry
does not have exits 3.`,
		Example: `{prog} -f tools.lock.yaml
pkg-dep resolve hello | {prog} -f - --remote`,
		Flags: func(fs *pflag.FlagSet) {
			files.AddTo(fs)
			fs.BoolVar(&remote, "remote", false, "also check that every digest exists in its repository")
			registry.AddTo(fs)
		},
		Args: cli.ExactArgs(),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			if len(files.Paths) == 0 {
				return cli.Usagef("give the lock to check with -f (- for stdin)")
			}
			lock, err := readLock(env, files)
			if err != nil {
				return err
			}
			if problems := plan.Check(lock); len(problems) > 0 {
				for _, p := range problems {
					fmt.Fprintf(env.Stderr, "  - %s\n", cli.PrintableLines(fmt.Sprint(p)))
				}
				return fault.New(fault.Verify, fmt.Errorf("the lock is not valid: %d problem(s), listed above", len(problems)),
					"resolve it again with `pkg-dep resolve -f LOCK` rather than editing it by hand")
			}
			if !remote {
				env.Infof("The lock is valid: %d packages, in a valid order.", len(lock.Packages))
				return nil
			}
			opts := registry.Options(env)
			opts.Credentials = tap.CredentialStore(env.Getenv)
			problems, err := plan.CheckRemote(ctx, lock, opts)
			if err != nil {
				return err
			}
			if len(problems) > 0 {
				for _, p := range problems {
					fmt.Fprintf(env.Stderr, "  - %s\n", cli.PrintableLines(fmt.Sprint(p)))
				}
				return fault.New(fault.NotFound, fmt.Errorf("%d digest(s) of the lock do not exist in their repositories, listed above", len(problems)),
					"the versions were deleted or the lock points at another registry: resolve it again")
			}
			env.Infof("The lock is valid: %d packages, in a valid order, and every digest exists.", len(lock.Packages))
			return nil
		},
	}
}
