package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/envcomp"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/store"
	"longshore.dev/lib/suggest"
)

// compose builds the environment of recs (store.Closure: the packages named and what
// they reach, dependencies and patch companions), in the lock's order, onto base.
// Overrides are reported on stderr. It also returns the packages' entry points by
// name, so exec finds them whether or not a package puts its bin/ on PATH.
func compose(env *cli.Env, s *store.Store, recs []*api.Installed, base []string) (*envcomp.Result, map[string]string, error) {
	entry := map[string]string{}
	// The named packages' entry points win over their dependencies': visit them last.
	for _, r := range slices.Backward(recs) {
		for _, b := range r.Bin {
			entry[path.Base(b)] = filepath.Join(r.Path, filepath.FromSlash(b))
		}
	}
	pkgs := make([]envcomp.Package, len(recs))
	for i, r := range recs {
		c, err := s.Config(r)
		if err != nil {
			return nil, nil, err
		}
		pkgs[i] = envcomp.Package{Name: r.Name, Version: r.Version, Path: r.Path, Env: c.Env, Dependencies: r.Dependencies, Patches: r.Patches}
	}
	ordered, err := envcomp.Order(pkgs)
	if err != nil {
		return nil, nil, fault.Hinted(err, "installed.yaml holds a cycle: reinstall the packages with pkg-pull add")
	}
	res, err := envcomp.Compose(base, ordered)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range res.Notes {
		if n.Level == envcomp.Warning {
			env.Warnf("%s", n.Text)
		} else {
			env.Infof("Info: %s", n.Text)
		}
	}
	return res, entry, nil
}

func newEnvCmd() *cli.Command {
	var shell string
	return &cli.Command{
		Name:     "env",
		Complete: suggest.Installed,
		Short:    "print the composed environment of packages",
		Use:      "PKG... [--shell sh|bash|zsh|fish|json|yaml|github]",
		Long: `Prints the environment the packages declare (their env entries, with their
dependencies' and patch companions'), composed in the lock's order onto the current
environment: dependencies first, patch companions right after the package they patch.
A later set overriding an earlier one is reported on stderr (a warning between
packages, an info line for a patch companion, which overrides by design).

Without --shell, the syntax is that of the shell running pkg-pull (its parent process,
past git or kubectl), else of the login shell $SHELL (-v says so). Values are quoted
alike for every shell, so sh, bash, zsh and fish read them back the same, whichever
evaluates the output. json and yaml print one object of NAME: value. github appends
to the files $GITHUB_ENV and $GITHUB_PATH (entries prepended to PATH go to
$GITHUB_PATH), as a step in GitHub Actions expects.`,
		Example: `eval "$({prog} hello)"
{prog} hello --shell fish | source
{prog} hello --shell json | jq -r .PATH
{prog} hello --shell github       # in a GitHub Actions step`,
		Flags: func(fs *pflag.FlagSet) {
			fs.StringVar(&shell, "shell", "", "output syntax: "+strings.Join(envcomp.Shells, "|")+" (default: the shell running it, else $SHELL)")
			cli.CompleteValues(fs, "shell", envcomp.Shells...)
		},
		Args: cli.MinArgs(1, "PKG: an installed package"),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			if shell == "" {
				login := env.Getenv("SHELL")
				var known bool
				var from string
				above := ancestors()
				shell, known, from = envcomp.DetectShell(above, login)
				if from == "$SHELL" {
					// A program between the shell and pkg-pull hides the shell that will
					// read the output: say what decided instead.
					env.Debugf("printing %s syntax, for $SHELL (%s): no shell runs pkg-pull directly (above it: %s); if another shell reads the output, name it with --shell",
						shell, login, strings.Join(above, ", "))
				}
				if !known {
					what := "the shell running it, " + from + ","
					if from == "$SHELL" {
						what = "$SHELL, " + filepath.Base(login) + ","
					}
					env.Warnf("pkg-pull env has no syntax for %s; printing %s syntax (choose with --shell %s)", what, shell, strings.Join(envcomp.Shells, "|"))
				}
			}
			if !slices.Contains(envcomp.Shells, shell) {
				return cli.Usagef("unknown --shell %q: use one of %s", shell, strings.Join(envcomp.Shells, ", "))
			}
			s, err := readStore(env)
			if err != nil {
				return err
			}
			recs, err := s.Closure(args)
			if err != nil {
				return err
			}
			res, _, err := compose(env, s, recs, os.Environ())
			if err != nil {
				return err
			}
			if shell == "github" {
				return writeGitHub(env, res)
			}
			return envcomp.Write(env.Stdout, shell, res.Vars)
		},
	}
}

func writeGitHub(env *cli.Env, res *envcomp.Result) error {
	envFile, pathFile := env.Getenv("GITHUB_ENV"), env.Getenv("GITHUB_PATH")
	if envFile == "" || pathFile == "" {
		return fault.New(fault.Usage, fmt.Errorf("--shell github writes to the files named by $GITHUB_ENV and $GITHUB_PATH, and they are not set"),
			"run it in a GitHub Actions step, or set both variables to the files to write")
	}
	open := func(name string) (*os.File, error) {
		return os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	}
	ef, err := open(envFile)
	if err != nil {
		return err
	}
	defer ef.Close()
	pf, err := open(pathFile)
	if err != nil {
		return err
	}
	defer pf.Close()
	if err := envcomp.WriteGitHub(ef, pf, res.Vars); err != nil {
		return err
	}
	if err := ef.Close(); err != nil {
		return err
	}
	return pf.Close()
}

func newExecCmd() *cli.Command {
	return &cli.Command{
		Name:     "exec",
		Complete: suggest.Installed,
		Short:    "run a command in the composed environment of packages",
		Use:      "PKG... -- CMD [ARGS...]",
		Long: `Runs CMD with the environment pkg-pull env would print, composed onto the
current one. CMD is an entry point of the packages (their bin), else it is looked up on
the composed PATH. pkg-pull replaces itself with CMD,
so its exit code and signals are CMD's. It reads only the local store: nothing is
downloaded; a package that is not installed is an error.`,
		Example: "{prog} hello -- hello --version\n{prog} hello tool -- sh -c 'echo $HELLO_HOME'",
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			dash := env.ArgsLenAtDash
			if dash < 0 {
				return cli.Usagef("missing --: write the packages, then -- and the command, e.g. exec hello -- hello --version")
			}
			pkgs, argv := args[:dash], args[dash:]
			if len(pkgs) == 0 {
				return cli.Usagef("missing PKG: name the installed packages whose environment to use, before --")
			}
			if len(argv) == 0 {
				return cli.Usagef("missing CMD after --: the command to run")
			}
			s, err := readStore(env)
			if err != nil {
				return err
			}
			recs, err := s.Closure(pkgs)
			if err != nil {
				return err
			}
			res, entry, err := compose(env, s, recs, os.Environ())
			if err != nil {
				return err
			}
			// The trees stay while CMD runs: pkg-gc does not remove a tree whose lock
			// CMD holds (inherited across exec) even if the package is removed meanwhile.
			held, err := s.UseTrees(recs)
			if err != nil {
				return err
			}
			err = execCommand(argv, res.Environ, entry)
			for _, f := range held {
				f.Close() // exec failed: nothing runs in the trees
			}
			return err
		},
	}
}
