package main

import (
	"context"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
)

// installedColumns lays out Installed records as a table; REQUIRED BY is computed from
// the edges of the records in list (who depends on a dependency, what a companion
// patches).
func installedColumns(list []*api.Installed) cli.Columns {
	requiredBy := map[string][]string{}
	for _, inst := range list {
		for _, d := range inst.Dependencies {
			requiredBy[d] = append(requiredBy[d], inst.Name)
		}
		for _, c := range inst.Patches {
			requiredBy[c] = append(requiredBy[c], inst.Name)
		}
	}
	return cli.Columns{
		Headers: []string{"NAME", "VERSION", "PLATFORM", "REASON", "REQUIRED BY", "DIGEST"},
		Row: func(doc any) []string {
			i := doc.(*api.Installed)
			by := slices.Compact(slices.Sorted(slices.Values(requiredBy[i.Name])))
			reason := i.Reason
			if reason == api.ReasonPatch {
				reason = "patch companion"
			}
			return []string{i.Name, i.Version, i.Platform, reason, orDash(strings.Join(by, ",")), shortDigest(i.Digest)}
		},
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
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
		Name:  "list",
		Short: "list installed packages: explicit, dependency, patch companion",
		Long: `Lists what installed.yaml records: every installed package with its version,
platform, why it is there (explicit: you asked for it; dependency: a package needs it;
patch companion: the patch registry adds it to a package) and which packages need it.
-o yaml prints Installed documents, which pkg-gc --keep reads.`,
		Example: "{prog}\n{prog} -o yaml | pkg-gc --keep -f - --dry-run",
		Flags:   func(fs *pflag.FlagSet) { output.AddTo(fs) },
		Args:    cli.ExactArgs(),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			s, err := readStore(env)
			if err != nil {
				return err
			}
			list, err := s.List()
			if err != nil {
				return err
			}
			if len(list) == 0 && format == cli.Table {
				env.Infof("No packages are installed. Install one with: %s NAME", env.Inv.CommandPath("add"))
				return nil
			}
			return listInstalled(env, format, list)
		},
	}
}
