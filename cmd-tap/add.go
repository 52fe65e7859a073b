package main

import (
	"context"

	"github.com/spf13/pflag"

	"longshore.dev/lib/cli"
	"longshore.dev/lib/tap"
)

func newAddCmd() *cli.Command {
	var o tapOptions
	var def bool
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:  "add",
		Short: "add a tap",
		Use:   "NAME REF",
		Long: `Adds a tap called NAME and fetches its index at once, so a wrong REF fails here and
nothing is saved. REF is an index artifact, REGISTRY/REPO[:TAG|@DIGEST] or
ocidir://PATH[:TAG] (the tag defaults to "latest"), or a local directory or file of
IndexEntry documents (re-read on every update).

NAME is lowercase letters, digits and '-' (at most 64). A tap's packages are always
reachable as NAME/PACKAGE; a bare PACKAGE name found in two taps resolves to the
default tap's, or is an error listing both. A NAME already configured is refused,
except with its own REF and --default: that makes it the default, fetching nothing.
Private registries use the credentials of the docker config: see 'pkg-tap login'.`,
		Example: `# a published index
{prog} core ghcr.io/org/index
# a local layout, made the default for bare names
{prog} local-dev ocidir://./registry/index --default
# a directory of entry files
{prog} team ./index-entries`,
		Flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&def, "default", false, "make this the default tap: bare names found in several taps resolve here")
			output.AddTo(fs)
			o.registry.AddTo(fs)
		},
		Args: cli.ExactArgs("NAME", "REF"),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			h, err := home(env)
			if err != nil {
				return err
			}
			res, err := tap.Add(ctx, h, tap.Spec{Name: args[0], Source: args[1], Default: def}, o.options(env))
			if err != nil {
				return err
			}
			t := res.Tap
			switch {
			case !res.Existing:
				env.Infof("Added tap %s: %s, %s from %s (%s)", t.Name, plural(t.Packages, "package"), plural(t.Versions, "version"), t.Source, cli.ShortDigest(t.Digest))
			case res.PreviousDefault == "":
				env.Infof("Tap %s (%s) is the default tap; nothing was fetched (`pkg-tap update %s` refreshes it)", t.Name, t.Source, t.Name)
			}
			if res.PreviousDefault != "" {
				env.Infof("%s is now the default tap instead of %s", t.Name, res.PreviousDefault)
			}
			return cli.Print(env.Stdout, format, []any{t}, tapColumns)
		},
	}
}
