package main

import (
	"context"
	"strconv"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
)

var tapColumns = cli.Columns{
	Headers: []string{"NAME", "DEFAULT", "SOURCE", "DIGEST", "PACKAGES", "VERSIONS", "UPDATED"},
	Row: func(doc any) []string {
		t := doc.(*api.Tap)
		def := ""
		if t.Default {
			def = "yes"
		}
		digest, updated := cli.ShortDigest(t.Digest), t.Updated
		if digest == "" {
			digest, updated = "-", "never"
		}
		return []string{t.Name, def, t.Source, digest, strconv.Itoa(t.Packages), strconv.Itoa(t.Versions), updated}
	},
}

func newListCmd() *cli.Command {
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:  "list",
		Short: "list taps",
		Long: `Lists the configured taps with the state of their caches: the index digest, how
many packages and versions it holds, and when it was last updated. Reads only local
files: it works offline.`,
		Example: "{prog}\n{prog} -o yaml",
		Flags:   func(fs *pflag.FlagSet) { output.AddTo(fs) },
		Args:    cli.ExactArgs(),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			c, err := loadConfig(env)
			if err != nil {
				return err
			}
			list, err := c.List()
			if err != nil {
				return err
			}
			if len(list) == 0 && format == cli.Table {
				env.Infof("No taps are configured. Add one with: pkg-tap add NAME REF")
				return nil
			}
			docs := make([]any, len(list))
			for i, t := range list {
				docs[i] = t
			}
			return cli.PrintList(env.Stdout, format, docs, tapColumns)
		},
	}
}
