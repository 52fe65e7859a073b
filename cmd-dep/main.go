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
