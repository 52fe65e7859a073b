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
		Example: `{prog} add core ghcr.io/org/index --default
{prog} search hello
{prog} show core/hello
{prog} update
pkg-push ./hello --to ghcr.io/org/hello -o yaml | {prog} index add -f - --to ghcr.io/org/index`,
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
