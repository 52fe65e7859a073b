package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/envcomp"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/plan"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/suggest"
)

// maxPaths bounds why's answer: the paths through a dense graph grow exponentially.
const maxPaths = 1000

// paths lists every path from a root of the lock to target, roots in order and
// children in order (dependencies, then companions), each path without repeats. A
// path is its packages; patch[i] says whether the edge into path[i] is a patch edge.
func paths(lock *api.Lock, target string) (out []whyPath, truncated bool) {
	var cur []string
	var patch []bool
	on := map[string]bool{}
	var walk func(n string, viaPatch bool)
	walk = func(n string, viaPatch bool) {
		if on[n] || truncated {
			return
		}
		cur, patch = append(cur, n), append(patch, viaPatch)
		on[n] = true
		defer func() {
			cur, patch = cur[:len(cur)-1], patch[:len(patch)-1]
			on[n] = false
		}()
		if n == target {
			if len(out) == maxPaths {
				truncated = true
				return
			}
			out = append(out, whyPath{names: append([]string(nil), cur...), patch: append([]bool(nil), patch...)})
			return
		}
		p, ok := lock.Package(n)
		if !ok {
			return
		}
		for _, e := range children(p) {
			walk(e.to, e.patch)
		}
	}
	for _, r := range roots(lock) {
		walk(r, false)
	}
	return out, truncated
}

// treeOf is the tree command that draws the lock why read: of the same -f input, or
// of the installed packages.
func treeOf(files cli.FileFlags) string {
	return withFiles("pkg-dep tree", files)
}

// withFiles is cmd reading the same -f files as the command that failed, so that a hint
// names the same lock rather than the installed packages.
func withFiles(cmd string, files cli.FileFlags) string {
	for _, p := range files.Paths {
		cmd += " -f " + shellWord(p)
	}
	return cmd
}

// shellWord is s as a shell reads it back: as it is when it holds nothing the shell
// would interpret, else single-quoted.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:@+=,%") == "" {
		return s
	}
	return envcomp.Quote(s)
}

type whyPath struct {
	names []string
	patch []bool
}

// doc is the DependencyPath -o yaml|json|name prints for w, whose packages are all in
// lock (paths only walks through packages it finds there, and ends at one).
func (w whyPath) doc(lock *api.Lock, target string) *api.DependencyPath {
	d := api.NewDependencyPath()
	d.Target = target
	for i, n := range w.names {
		s := api.PathStep{Name: n}
		if p, ok := lock.Package(n); ok {
			s.Version, s.Tap = p.Version, p.Tap
			if i == 0 && p.Reason == api.ReasonRequested {
				s.Edge = api.EdgeRequest
			}
		}
		switch {
		case i == 0:
		case w.patch[i]:
			s.Edge = api.EdgePatch
		default:
			s.Edge = api.EdgeDependency
		}
		d.Steps = append(d.Steps, s)
	}
	return d
}

// whyText is a path as why prints it on a terminal (and with -o table), one line:
// "hello 1.1.0 -> libgreet 1.2.0 -(patch)-> certs 1.0.0", or "hello 1.1.0
// (requested)" for a path of the request alone.
func whyText(d *api.DependencyPath) string {
	var b strings.Builder
	for i, s := range d.Steps {
		switch {
		case i == 0:
		case s.Edge == api.EdgePatch:
			b.WriteString(" -(patch)-> ")
		default:
			b.WriteString(" -> ")
		}
		b.WriteString(cli.Printable(s.Name + " " + s.Version)) // from a lock: escaped as a table's cells are
	}
	if len(d.Steps) == 1 && d.Steps[0].Edge == api.EdgeRequest {
		b.WriteString(" (requested)")
	}
	return b.String()
}

func newWhyCmd() *cli.Command {
	var files cli.FileFlags
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:     "why",
		Complete: suggest.Installed,
		Short:    "show every path from a request to a package",
		Use:      "PKG [-f LOCK]",
		Long: `Prints every path from a request of the lock to PKG, one a line: dependencies
written "->", patch companions "-(patch)->". The lock is the one read with -f, or
without it the installed packages as installed.yaml records them (also when the tap a
package came from is gone). PKG is NAME, TAP/NAME or a repository, as in the lock.
At most 1000 paths are printed, with a warning when there are more.

The lines are the table format: the default on a terminal (yaml is otherwise), and
-o table. -o yaml and -o json print DependencyPath documents, one per path: the
target and the steps, each with its name, version, tap and the edge into it (request,
dependency or patch); -o json always a List. -o name prints one line per path, its
steps NAME@VERSION joined by commas: dependencypath/hello@1.1.0,libgreet@1.2.0,zlib@1.4.0.`,
		Example: `{prog} zlib -f tools.lock.yaml
{prog} ca-bundle
{prog} zlib -o json | jq -r '.items[].steps[0].name' | sort -u`,
		// No --platform, --offline or registry flags: why only reads a lock, or the
		// installed packages from installed.yaml and the local caches.
		Flags: func(fs *pflag.FlagSet) {
			files.AddTo(fs)
			output.AddTo(fs)
		},
		Args: cli.ExactArgs("PKG"),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			lock, installed, err := lockInput(ctx, env, files, &planFlags{})
			if err != nil {
				return err
			}
			target := plan.PackageName(args[0])
			if installed {
				if target, err = installedKey(env, args[0]); err != nil {
					return err
				}
			}
			where := "in the lock"
			if installed {
				where = "installed"
			}
			p, ok := lock.Package(target)
			if !ok {
				return fault.New(fault.NotFound, fmt.Errorf("%s is not %s", args[0], where), fmt.Sprintf("`%s` shows what is there", treeOf(files)))
			}
			// A lock holds one package per name: TAP/NAME asks for that tap's.
			if r, err := ref.Parse(args[0]); err == nil && r.Kind == ref.Package && r.Tap != "" && r.Tap != p.Tap {
				from := "repository " + p.Repository
				if p.Tap != "" {
					from = "tap " + p.Tap
				}
				return fault.New(fault.NotFound, fmt.Errorf("%s is not %s: its %s comes from %s", args[0], where, p.Name, from),
					fmt.Sprintf("`%s` shows why that one is there", withFiles("pkg-dep why "+shellWord(p.Name), files)))
			}
			found, truncated := paths(lock, target)
			docs := make([]any, len(found))
			for i, w := range found {
				docs[i] = w.doc(lock, target)
			}
			if truncated {
				env.Warnf("only the first %d paths are shown", maxPaths)
			}
			if format != cli.Table {
				return cli.PrintList(env.Stdout, format, docs, cli.Columns{})
			}
			// The table of a path is its line: the columns of a path are its steps,
			// as many as it has.
			for _, d := range docs {
				fmt.Fprintln(env.Stdout, whyText(d.(*api.DependencyPath)))
			}
			return nil
		},
	}
}
