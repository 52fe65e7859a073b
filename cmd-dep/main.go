// Command pkg-dep resolves package versions into locks and explains dependency graphs.
package main

import (
	"os"

	"longshore.dev/lib/cli"
)

func main() { os.Exit(cli.Main(newApp())) }

func newApp() *cli.App {
	return &cli.App{
		Binary: "pkg-dep",
		Short:  "resolve versions into a lock, show dependency trees, sync patches",
		Example: `{prog} resolve hello -o yaml > hello.lock.yaml
{prog} tree -f hello.lock.yaml
{prog} why libgreet
{prog} outdated
{prog} patch sync`,
		Commands: []*cli.Command{
			newResolveCmd(),
			newTreeCmd(),
			newWhyCmd(),
			newOutdatedCmd(),
			newValidateCmd(),
			newPatchCmd(),
		},
	}
}
