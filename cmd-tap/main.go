// Command pkg-tap manages taps: named sources of package metadata.
package main

import (
	"os"

	"longshore.dev/lib/cli"
)

func main() { os.Exit(cli.Main(newApp())) }

func newApp() *cli.App {
	return &cli.App{
		Binary: "pkg-tap",
		Short:  "add, update and search taps (package indexes) and log in to registries",
		Commands: []*cli.Command{
			newAddCmd(),
			newListCmd(),
			newUpdateCmd(),
			newRemoveCmd(),
			newSearchCmd(),
			newShowCmd(),
			newIndexCmd(),
			newLoginCmd(),
			newLogoutCmd(),
		},
	}
}
