package main

import (
	"context"

	"github.com/spf13/pflag"

	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/progress"
	"longshore.dev/lib/suggest"
	"longshore.dev/lib/tap"
)

func newUpdateCmd() *cli.Command {
	var o tapOptions
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:     "update",
		Complete: suggest.Taps,
		Short:    "refresh cached indexes",
		Use:      "[NAME...]",
		Long: `Refreshes the cached index of each named tap (every tap without names). An index
that did not change costs one request; one that did costs only its changed shards.
Each tap updates on its own: one that cannot be reached keeps its cache as it was and
is reported, the others still update, and the exit code is 8 (partial). What each
update fetched goes to standard error.

Prints each tap it brought up to date as 'pkg-tap list' shows it, a Tap document: a
table on a terminal, yaml otherwise; -o json always a List, -o name tap/NAME.`,
		Example: "{prog}\n{prog} core extra\n{prog} -o json | jq -r '.items[] | .name + \" \" + .digest'",
		Flags: func(fs *pflag.FlagSet) {
			output.AddTo(fs)
			o.registry.AddTo(fs)
		},
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			h, err := home(env)
			if err != nil {
				return err
			}
			results, err := tap.Update(ctx, h, args, o.options(env))
			var docs []any
			for _, r := range results {
				switch {
				case r.Err != nil:
					if len(results) > 1 {
						// A single tap's failure is the command's error, printed once below.
						env.Infof("Failed: %v", r.Err)
						if hint := fault.HintOf(r.Err); hint != "" {
							env.Infof("  Hint: %s", hint)
						}
					}
					continue
				case r.Fetch.Changed:
					env.Infof("Updated %s: %s, %s (%s; fetched %s in %d of %s)",
						r.Name, plural(r.Packages, "package"), plural(r.Versions, "version"), cli.ShortDigest(r.Fetch.Digest),
						progress.Bytes(r.Fetch.BytesFetched), r.Fetch.ShardsFetched, plural(r.Fetch.Shards, "shard"))
				default:
					env.Infof("%s is up to date (%s)", r.Name, cli.ShortDigest(r.Fetch.Digest))
				}
				docs = append(docs, r.Tap)
			}
			if len(docs) == 0 {
				// Nothing updated: the error says why, and no empty table or List
				// pretends otherwise.
				return err
			}
			if perr := cli.PrintList(env.Stdout, format, docs, tapColumns); perr != nil {
				return perr
			}
			return err
		},
	}
}
