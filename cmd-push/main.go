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
			{Name: "init", Short: "scaffold a new package", Use: "[DIR]", NotYet: true},
			{Name: "lint", Short: "check a package before publishing", Use: "[DIR]", NotYet: true},
			{Name: "patch", Short: "publish a patch descriptor to a patch registry", Use: "FILE --for NAME --to REGISTRY", NotYet: true},
		},
	}
}
