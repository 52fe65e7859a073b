//go:build !unix

package cli

const exeSuffix = ".exe"

func execBinary(path string, args []string, prog string, env *Env) int {
	return runChild(path, args, prog, env)
}
