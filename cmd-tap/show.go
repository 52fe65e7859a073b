package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/cli"
	"longshore.dev/lib/index"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/suggest"
)

var errNoTaps = errors.New("no taps are configured")

// versionRow is one version in show's table.
type versionRow struct{ v index.Version }

var versionColumns = cli.Columns{
	Headers: []string{"VERSION", "PLATFORMS", "DEPENDENCIES", "DIGEST"},
	Row: func(doc any) []string {
		v := doc.(versionRow).v
		version := v.Version
		if v.Yanked {
			version += " (yanked)"
		}
		platforms := make([]string, len(v.Platforms))
		for i, p := range v.Platforms {
			platforms[i] = p.Platform
		}
		return []string{version, orDash(strings.Join(platforms, ", ")), orDash(dependencies(v.Dependencies)), cli.ShortDigest(v.Digest)}
	},
}

func dependencies(deps []pkgspec.Dependency) string {
	parts := make([]string, len(deps))
	for i, d := range deps {
		name := d.Name
		if name == "" {
			name = d.Ref
		}
		if d.Version != "" {
			name += " " + d.Version
		}
		parts[i] = name
	}
	return strings.Join(parts, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newShowCmd() *cli.Command {
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:     "show",
		Complete: suggest.Packages,
		Short:    "show a package's versions and metadata",
		Use:      "PKG",
		Long: `Shows what the taps know of a package: its repository, description, homepage,
license and keywords, and for every version its platforms, dependencies and digest.
PKG is TAP/NAME or a bare NAME (see 'pkg-tap add' for how bare names resolve). Reads
only the local cache: it works offline.

-o yaml and -o json print the package as an IndexEntry document (the entry-file format
of 'pkg-tap index build').`,
		Example: "{prog} hello\n{prog} core/hello -o json",
		Flags:   func(fs *pflag.FlagSet) { output.AddTo(fs) },
		Args:    cli.ExactArgs("PKG"),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			c, err := loadConfig(env)
			if err != nil {
				return err
			}
			tapName, p, err := c.Resolve(args[0])
			if err != nil {
				return err
			}
			if format != cli.Table {
				return cli.Print(env.Stdout, format, []any{index.ToEntry(*p)}, cli.Columns{})
			}
			// The index's publisher wrote all of this: no escape sequence reaches the
			// terminal, no newline makes up a line.
			w, printable := env.Stdout, cli.Printable
			fmt.Fprintf(w, "%s/%s", printable(tapName), printable(p.Name))
			if p.Description != "" {
				fmt.Fprintf(w, ": %s", printable(p.Description))
			}
			fmt.Fprintf(w, "\n\nRepository:  %s\n", printable(p.Repository))
			if p.Homepage != "" {
				fmt.Fprintf(w, "Homepage:    %s\n", printable(p.Homepage))
			}
			if p.License != "" {
				fmt.Fprintf(w, "License:     %s\n", printable(p.License))
			}
			if len(p.Keywords) > 0 {
				fmt.Fprintf(w, "Keywords:    %s\n", printable(strings.Join(p.Keywords, ", ")))
			}
			if latest, ok := p.Latest(); ok {
				fmt.Fprintf(w, "Latest:      %s\n", printable(latest.Version))
			}
			fmt.Fprintln(w)
			// Newest first: what a reader looks for.
			docs := make([]any, 0, len(p.Versions))
			for i := len(p.Versions) - 1; i >= 0; i-- {
				docs = append(docs, versionRow{p.Versions[i]})
			}
			return cli.Print(w, cli.Table, docs, versionColumns)
		},
	}
}
