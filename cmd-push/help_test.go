package main

import (
	"testing"

	"longshore.dev/lib/cli/clitest"
)

// TestHelpOfEveryVerb checks the help of the binary and of every verb: a one-line summary, a
// usage line, an example, and prose that fits a terminal.
func TestHelpOfEveryVerb(t *testing.T) {
	t.Parallel()
	clitest.CheckHelp(t, newApp())
}
