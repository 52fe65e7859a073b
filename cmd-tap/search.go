package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/suggest"
)

var hitColumns = cli.Columns{
	Headers: []string{"NAME", "VERSION", "DESCRIPTION"},
	Row: func(doc any) []string {
		r := doc.(*api.PackageRef)
		return []string{r.Name, r.Latest, r.Description}
	},
}

func newSearchCmd() *cli.Command {
	var tapName string
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:     "search",
		Complete: suggest.OnlyFlag("tap", suggest.Taps),
		Short:    "search packages in taps",
		Use:      "[WORD...]",
		Long: `Finds packages whose name, keywords or description contain every WORD (ignoring
case, in any order); without a WORD it lists every package. Exact name matches come
first, then names that start with the words, names that contain them, keyword matches
and description matches (a package ranks by its weakest word); ties sort by name. It
reads only the local caches ('pkg-tap update' refreshes them), so it works offline.

-o yaml and -o json print PackageRef documents with what the table shows (name as
TAP/NAME, latest, description), which 'pkg-dep resolve -f -' and 'pkg-pull add -f -'
read as requests for the highest version.`,
		Example: `{prog} hello
{prog} db --tap core
{prog} json parser          # both words, in the name, keywords or description
{prog} db -o yaml | pkg-dep resolve -f -`,
		Flags: func(fs *pflag.FlagSet) {
			fs.StringVar(&tapName, "tap", "", "search only this tap")
			output.AddTo(fs)
		},
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			c, err := loadConfig(env)
			if err != nil {
				return err
			}
			if len(c.Taps) == 0 {
				return fault.New(fault.NotFound, errNoTaps, "add one with `pkg-tap add NAME REF`")
			}
			query := strings.Join(args, " ")
			hits, searchErr := c.Search(query, tapName)
			if searchErr != nil && hits == nil {
				return searchErr
			}
			if len(hits) == 0 {
				// A note on stderr whatever the format: an empty document stream says
				// nothing to whoever reads the pipe's end. Search reads only the caches,
				// so say where it looked and how to refresh them.
				where, update := fmt.Sprintf("the cached indexes of %s", plural(len(c.Taps), "tap")), "`pkg-tap update` refreshes them"
				if tapName != "" {
					where, update = "the cached index of tap "+tapName, fmt.Sprintf("`pkg-tap update %s` refreshes it", tapName)
				}
				if query == "" {
					env.Infof("No packages: searched %s; %s.", where, update)
				} else {
					env.Infof("No package matches %q: searched %s; %s.", query, where, update)
				}
				if format == cli.Table {
					return searchErr
				}
			}
			// The documents carry what the table shows, and stay requests that
			// pkg-pull add -f and pkg-dep resolve -f read (latest is not a constraint).
			docs := make([]any, len(hits))
			for i, h := range hits {
				r := api.NewPackageRef()
				r.Name, r.Latest, r.Description = h.Qualified(), h.Version, h.Description
				docs[i] = r
			}
			if err := cli.PrintList(env.Stdout, format, docs, hitColumns); err != nil {
				return err
			}
			return searchErr
		},
	}
}
