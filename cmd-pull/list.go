package main

import (
	"context"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/store"
)

var installedColumns = cli.Columns{
	Headers: []string{"NAME", "VERSION", "PLATFORM", "REASON", "DIGEST"},
	Row: func(doc any) []string {
		i := doc.(*api.Installed)
		return []string{i.Name, i.Version, i.Platform, i.Reason, shortDigest(i.Digest)}
	},
}

func shortDigest(d string) string {
	if _, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		return d[:len(d)-len(hex)] + hex[:12]
	}
	return d
}

func newListCmd() *cli.Command {
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:    "list",
		Short:   "list installed packages",
		Example: "{prog}\n{prog} -o yaml",
		Flags:   func(fs *pflag.FlagSet) { output.AddTo(fs) },
		Args:    cli.ExactArgs(),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			home, err := store.DefaultHome(env.Getenv)
			if err != nil {
				return err
			}
			s, err := store.Open(home)
			if err != nil {
				return err
			}
			list, err := s.List()
			if err != nil {
				return err
			}
			docs := make([]any, len(list))
			for i, inst := range list {
				docs[i] = inst
			}
			return cli.Print(env.Stdout, format, docs, installedColumns)
		},
	}
}
