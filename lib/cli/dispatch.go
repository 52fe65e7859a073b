package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"longshore.dev/lib/fault"
)

// Dispatch serves the kubectl-pkg and git-pkg entries: the first word names an area
// (`kubectl pkg tap …`) or a linked verb (`kubectl pkg add …`), and the sibling binary
// that serves it replaces this process. krew links only one binary per plugin, so any of
// the five can be the entry; none needs to know the others beyond their names.
func Dispatch(env *Env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printDispatchHelp(env.Stdout, env.Inv.Dispatch)
		return ExitOK
	}
	if args[0] == completeVerb {
		// git's completion for `git pkg` (the scripts of completion.go) asks git-pkg itself.
		return DispatchComplete(env, args[1:])
	}
	if args[0] == "--version" || args[0] == "version" {
		fmt.Fprintf(env.Stdout, "%s version %s\n", env.Inv.Dispatch, VersionString())
		return ExitOK
	}
	binary, prog, rest, err := route(env.Inv.Dispatch, args)
	if err != nil {
		PrintError(env.Stderr, err)
		return ExitCode(err)
	}
	path, err := findSibling(binary)
	if err != nil {
		PrintError(env.Stderr, err)
		return ExitError
	}
	return execBinary(path, rest, prog, env)
}

// DispatchComplete answers the completion of `kubectl pkg WORDS...` (invoked as
// kubectl_complete-pkg) and of `git pkg WORDS...` (git-pkg __complete): the area or
// shortcut word itself, or else what the sibling binary that serves it answers to
// `__complete`.
func DispatchComplete(env *Env, words []string) int {
	if len(words) <= 1 {
		word := ""
		if len(words) == 1 {
			word = words[0]
		}
		// kubectl lists the kubectl-pkg-WORD plugins on PATH itself: offer the others
		// (all of them where only kubectl-pkg is installed, as krew does).
		var words []string
		for _, w := range dispatchWords() {
			name, _, _ := strings.Cut(w, "\t")
			if _, err := exec.LookPath("kubectl-pkg-" + name); err != nil || !strings.HasPrefix(env.Inv.Dispatch, "kubectl") {
				words = append(words, w)
			}
		}
		writeCandidates(env.Stdout, words, CompleteNoFiles, word)
		return ExitOK
	}
	binary, prog, rest, err := route(env.Inv.Dispatch, words[:len(words)-1])
	if err != nil {
		writeCandidates(env.Stdout, nil, CompleteNoFiles, "")
		return ExitOK
	}
	path, err := findSibling(binary)
	if err != nil {
		writeCandidates(env.Stdout, nil, CompleteNoFiles, "")
		return ExitOK
	}
	args := append(append([]string{completeVerb}, rest...), words[len(words)-1])
	return execBinary(path, args, prog, env)
}

// dispatchWords are the dispatcher's first words with what they do, as its help says.
func dispatchWords() []string {
	return []string{
		"tap\tadd, update and search package sources (taps and their indexes)",
		"push\tscaffold, lint and publish packages (init, lint, push)",
		"pull\tinstall packages into the local store and run them",
		"dep\tresolve versions into a lock, show trees, sync patches",
		"gc\tremove what nothing references from the local store",
		"add\tinstall packages with their dependencies",
		"upgrade\tmove installed packages to their newest versions",
		"remove\tuninstall packages",
		"list\tthe installed packages",
		"env\tprint the composed environment of packages",
		"exec\trun a command in it",
		"init\tscaffold a package",
		"lint\tcheck a package before publishing",
	}
}

// route is where the dispatcher (dispatch: "kubectl pkg") sends args: the binary, the
// command its usage lines start with, and its arguments. The area or shortcut word may
// follow flags (`kubectl pkg -v list`), which all belong to the binary: as in an App
// without a Default, the first known word is taken.
func route(dispatch string, args []string) (binary, prog string, rest []string, err error) {
	words := append(Sorted(Binaries), Sorted(VerbLinks)...)
	routed := append(slices.Clip(words), Sorted(VerbAliases)...)
	args = hoistVerb(args, func(word string) bool { return slices.Contains(routed, word) })
	word := args[0]
	if b, ok := Binaries[word]; ok {
		return b, dispatch + " " + word, args[1:], nil
	}
	if b, ok := VerbLinks[word]; ok {
		// Keep the verb as the first argument; the usage prefix stays "kubectl pkg".
		return b, dispatch, args, nil
	}
	if verb, ok := VerbAliases[word]; ok {
		// The binary knows its verbs' aliases: `kubectl pkg install` is pkg-pull install.
		return VerbLinks[verb], dispatch, args, nil
	}
	if err := areaVerbError(Invocation{Prog: dispatch}, dispatch, args); err != nil {
		return "", "", nil, err
	}
	return "", "", nil, &UsageError{
		Err:  fmt.Errorf("unknown command %q for %q", word, dispatch),
		Prog: dispatch,
		Hint: unknownHint(word, words, func(w string) string { return dispatch + " " + w }, "commands"),
	}
}

// findSibling looks next to this executable first (a krew or release install keeps all
// five together), then on PATH.
func findSibling(binary string) (string, error) {
	if self, err := os.Executable(); err == nil {
		if resolved, err := filepath.EvalSymlinks(self); err == nil {
			self = resolved
		}
		candidate := filepath.Join(filepath.Dir(self), binary+exeSuffix)
		if st, err := os.Stat(candidate); err == nil && !st.IsDir() {
			return candidate, nil
		}
	}
	path, err := exec.LookPath(binary)
	if err != nil {
		return "", fault.New(fault.NotFound,
			fmt.Errorf("%s is not installed next to this program or on PATH", binary),
			"install all five longshore binaries together (scripts/install.sh or the krew plugin)")
	}
	return path, nil
}

// runChild is the portable fallback for execBinary: run, wait, pass the exit code on.
func runChild(path string, args []string, prog string, env *Env) int {
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = env.Stdin, env.Stdout, env.Stderr
	cmd.Env = append(os.Environ(), EnvProg+"="+prog)
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		PrintError(env.Stderr, err)
		return ExitError
	}
	return ExitOK
}

func printDispatchHelp(w io.Writer, prog string) {
	fmt.Fprintf(w, `%[1]s: longshore, packages as OCI artifacts in any OCI registry

Usage:
  %[1]s COMMAND [args] [flags]

Areas:
  tap    add, update and search package sources (taps and their indexes)
  push   scaffold, lint and publish packages (init, lint, push)
  pull   install packages into the local store and run them
  dep    resolve versions into a lock, show trees, sync patches
  gc     remove what nothing references from the local store

Shortcuts:
  add     %[1]s pull add: install packages with their dependencies
  upgrade %[1]s pull upgrade: move installed packages to their newest versions
  remove  %[1]s pull remove: uninstall packages
  list    %[1]s pull list: the installed packages
  env     %[1]s pull env: print the composed environment of packages
  exec    %[1]s pull exec: run a command in it
  init    %[1]s push init: scaffold a package
  lint    %[1]s push lint: check a package before publishing

Examples:
  %[1]s push ./hello --to localhost:5000/demo/hello
  %[1]s pull localhost:5000/demo/hello:1.0.0

Use "%[1]s COMMAND --help" for more about a command.
`, prog)
}
