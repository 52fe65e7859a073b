package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/gc"
	"longshore.dev/lib/suggest"
)

func newWhyCmd() *cli.Command {
	var roots rootFlags
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:     "why",
		Short:    "explain why something is kept",
		Complete: suggest.Installed,
		Use:      "DIGEST|PKG",
		Long: `Prints every chain from a root to what is named, one per line: a package name, a
digest (sha256:…), or a unique prefix of one (sha256:4f2a; without sha256:, at least
6 hex digits, as fewer read as a package name). Exits 3 when nothing keeps it: then the
next collection removes it, or the store does not hold it.

The lines are the table format: the default on a terminal (yaml is otherwise), and
-o table. -o yaml and -o json print KeepChain documents, one per chain: the target, the
root and the links (kind and digest; the tree of a manifest the chain ends at); -o json
always a List. -o name prints the links, keepchain/manifest:sha256:…,layer:sha256:….`,
		Example: `{prog} hello
{prog} sha256:4f2a9c
{prog} --keep -f tools.lock.yaml sha256:4f2a9c
{prog} sha256:4f2a9c -o json | jq -r '.items[].root'`,
		Flags: func(fs *pflag.FlagSet) {
			roots.addTo(fs)
			output.AddTo(fs)
		},
		Args: roots.args(cli.ExactArgs("DIGEST or PKG")),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
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
			if format == cli.Table {
				for _, c := range chains {
					fmt.Fprintln(env.Stdout, cli.Printable(c.String()))
				}
				return nil
			}
			docs := make([]any, len(chains))
			for i, c := range chains {
				docs[i] = keepChainDoc(args[0], c)
			}
			return cli.PrintList(env.Stdout, format, docs, cli.Columns{})
		},
	}
}

// keepChainDoc is the KeepChain document of c, asked about as target.
func keepChainDoc(target string, c gc.Chain) *api.KeepChain {
	d := api.NewKeepChain()
	d.Target, d.Root = target, c.Root
	for i, l := range c.Links {
		link := api.KeepLink{Kind: l.Kind, Digest: l.Digest.String()}
		if l.Kind == "manifest" && i == len(c.Links)-1 {
			link.Tree = fmt.Sprintf("pkgs/%s/%s", l.Digest.Algorithm(), l.Digest.Encoded())
		}
		d.Links = append(d.Links, link)
	}
	return d
}
