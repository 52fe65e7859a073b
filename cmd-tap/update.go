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
	return &cli.Command{
		Name:     "update",
		Complete: suggest.Taps,
		Short:    "refresh cached indexes",
		Use:      "[NAME...]",
		Long: `Refreshes the cached index of each named tap (every tap without names). An index
that did not change costs one request; one that did costs only its changed shards.
Each tap updates on its own: one that cannot be reached keeps its cache as it was and
is reported, the others still update, and the exit code is 8 (partial). Reports go to
standard error; 'pkg-tap list' shows the result.`,
		Example: "{prog}\n{prog} core extra",
		Flags:   func(fs *pflag.FlagSet) { o.registry.AddTo(fs) },
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			h, err := home(env)
			if err != nil {
				return err
			}
			results, err := tap.Update(ctx, h, args, o.options(env))
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
				case r.Fetch.Changed:
					env.Infof("Updated %s: %s, %s (%s; fetched %s in %d of %s)",
						r.Name, plural(r.Packages, "package"), plural(r.Versions, "version"), cli.ShortDigest(r.Fetch.Digest),
						progress.Bytes(r.Fetch.BytesFetched), r.Fetch.ShardsFetched, plural(r.Fetch.Shards, "shard"))
				default:
					env.Infof("%s is up to date (%s)", r.Name, cli.ShortDigest(r.Fetch.Digest))
				}
			}
			return err
		},
	}
}
