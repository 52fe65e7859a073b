// Command pkg-gc removes what nothing references from the local store.
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
		Default: &cli.Command{Short: "collect the local store", Use: "[--dry-run]", NotYet: true},
		Commands: []*cli.Command{
			{Name: "why", Short: "explain why something is kept", Use: "DIGEST|PKG", NotYet: true},
			{Name: "remote", Short: "delete all but the newest versions in a registry repository", Use: "REPO --keep-last N", NotYet: true},
		},
	}
}
