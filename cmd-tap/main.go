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
			{Name: "add", Short: "add a tap", Use: "NAME REF", NotYet: true},
			{Name: "list", Short: "list taps", NotYet: true},
			{Name: "update", Short: "refresh cached indexes", Use: "[NAME...]", NotYet: true},
			{Name: "remove", Short: "remove a tap", Use: "NAME", NotYet: true},
			{Name: "search", Short: "search packages in taps", Use: "[QUERY]", NotYet: true},
			{Name: "show", Short: "show a package's versions and metadata", Use: "PKG", NotYet: true},
			{Name: "index", Short: "build or update an index and publish it", Use: "build|add ...", NotYet: true},
			{Name: "login", Short: "store credentials for a registry", Use: "REGISTRY", NotYet: true},
			{Name: "logout", Short: "remove stored credentials for a registry", Use: "REGISTRY", NotYet: true},
		},
	}
}
