//go:build unix

package cli

import (
	"os"
	"syscall"
)

const exeSuffix = ""

// execBinary replaces this process, so signals and the exit code belong to the sibling.
func execBinary(path string, args []string, prog string, env *Env) int {
	argv := append([]string{path}, args...)
	err := syscall.Exec(path, argv, append(os.Environ(), EnvProg+"="+prog))
	// Exec only returns on failure; fall back to running it as a child.
	env.Debugf("exec %s: %v; running it as a child", path, err)
	return runChild(path, args, prog, env)
}
