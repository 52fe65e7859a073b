// Command pkg-gc removes what nothing references from the local store, explains why
// something is kept, and deletes old versions from a registry repository.
package main

import (
	"os"

	"longshore.dev/lib/cli"
)

func main() { os.Exit(cli.Main(newApp())) }

func newApp() *cli.App {
	return &cli.App{
		Binary:  "pkg-gc",
		Short:   "remove what nothing references from the local store",
		Default: newCollectCmd(),
		// `pkg-gc` alone collects, as `git gc` and `brew cleanup` do: it only removes
		// what nothing references.
		BareRunsDefault: true,
		Commands: []*cli.Command{
			newWhyCmd(),
			newRemoteCmd(),
		},
	}
}
