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
			newAddCmd(),
			newUpgradeCmd(),
			newRemoveCmd(),
			newListCmd(),
			newEnvCmd(),
			newExecCmd(),
			newMirrorCmd(),
		},
		TypoHint: func(word string) string { return "to install the package " + word + ": {prog} add " + word },
	}
}
