// Command pkg-pull installs longshore packages into the local store and runs them.
package main

import (
	"os"

	"longshore.dev/lib/cli"
)

func main() { os.Exit(cli.Main(newApp())) }

func newApp() *cli.App {
	return &cli.App{
		Binary:  "pkg-pull",
		Short:   "install packages into the local store and run them",
		Default: newPullCmd(),
		Commands: []*cli.Command{
			{Name: "add", Short: "resolve and install packages with their dependencies", Use: "PKG[@CONSTRAINT]...", NotYet: true},
			{Name: "remove", Short: "uninstall packages", Use: "PKG...", NotYet: true},
			newListCmd(),
			{Name: "env", Short: "print the composed environment of packages", Use: "PKG...", NotYet: true},
			{Name: "exec", Short: "run a command in the composed environment of packages", Use: "PKG... -- CMD [ARGS...]", NotYet: true},
			{Name: "mirror", Short: "copy a resolved set of packages to another registry", Use: "-f LOCK --to REGISTRY", NotYet: true},
		},
	}
}
