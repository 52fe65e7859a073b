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
	cmd := "pkg-dep tree"
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
	return envcomp.QuotePOSIX(s)
}

type whyPath struct {
	names []string
	patch []bool
}

func (w whyPath) format(lock *api.Lock) string {
	var b strings.Builder
	for i, n := range w.names {
		switch {
		case i == 0:
		case w.patch[i]:
			b.WriteString(" -(patch)-> ")
		default:
			b.WriteString(" -> ")
		}
		b.WriteString(label(lock, n))
	}
	if len(w.names) == 1 {
		if p, ok := lock.Package(w.names[0]); ok && p.Reason == api.ReasonRequested {
			b.WriteString(" (requested)")
		}
	}
	return b.String()
}

func newWhyCmd() *cli.Command {
	var files cli.FileFlags
	return &cli.Command{
		Name:  "why",
		Short: "show every path from a request to a package",
		Use:   "PKG [-f LOCK]",
		Long: `Prints every path from a request of the lock to PKG, one a line: dependencies
written "->", patch companions "-(patch)->". The lock is the one read with -f, or
without it the installed packages as installed.yaml records them (also when the tap a
package came from is gone). PKG is NAME, TAP/NAME or a repository, as in the lock.`,
		Example: `{prog} zlib -f tools.lock.yaml
{prog} ca-bundle`,
		// No --platform, --offline or registry flags: why only reads a lock, or the
		// installed packages from installed.yaml and the local caches.
		Flags: func(fs *pflag.FlagSet) { files.AddTo(fs) },
		Args:  cli.ExactArgs("PKG"),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
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
			where := "the lock"
			if installed {
				where = "the installed packages"
			}
			p, ok := lock.Package(target)
			if !ok {
				return fault.New(fault.NotFound, fmt.Errorf("%s is not among %s", args[0], where), fmt.Sprintf("`%s` shows what is there", treeOf(files)))
			}
			// A lock holds one package per name: TAP/NAME asks for that tap's.
			if r, err := ref.Parse(args[0]); err == nil && r.Kind == ref.Package && r.Tap != "" && r.Tap != p.Tap {
				from := "repository " + p.Repository
				if p.Tap != "" {
					from = "tap " + p.Tap
				}
				return fault.New(fault.NotFound, fmt.Errorf("%s is not among %s: its %s comes from %s", args[0], where, p.Name, from),
					fmt.Sprintf("`pkg-dep why %s` shows why that one is there", p.Name))
			}
			found, truncated := paths(lock, target)
			for _, p := range found {
				fmt.Fprintln(env.Stdout, p.format(lock))
			}
			if truncated {
				env.Warnf("only the first %d paths are shown", maxPaths)
			}
			return nil
		},
	}
}
