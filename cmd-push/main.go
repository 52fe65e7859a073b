// Command pkg-push scaffolds, lints and publishes longshore packages.
package main

import (
	"os"

	"longshore.dev/lib/cli"
)

func main() { os.Exit(cli.Main(newApp())) }

func newApp() *cli.App {
	return &cli.App{
		Binary:  "pkg-push",
		Short:   "scaffold, lint and publish packages to OCI registries",
		Default: newPushCmd(),
		Commands: []*cli.Command{
			newInitCmd(),
			newLintCmd(),
			newPatchCmd(),
		},
		DefaultTakesPath: true,
	}
}
