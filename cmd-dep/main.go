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
			{Name: "resolve", Short: "solve constraints into a Lock", Use: "PKG[@CONSTRAINT]... | -f FILE", NotYet: true},
			{Name: "tree", Short: "show the dependency tree", Use: "PKG... | -f FILE", NotYet: true},
			{Name: "why", Short: "show every path from a request to a package", Use: "PKG", NotYet: true},
			{Name: "outdated", Short: "list newer versions", NotYet: true},
			{Name: "validate", Short: "check a lock", Use: "-f LOCK", NotYet: true},
			{Name: "patch", Short: "sync and explain infrastructure patches", Use: "sync|list|why", NotYet: true},
		},
	}
}
