package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/plan"
	"longshore.dev/lib/resolve"
	"longshore.dev/lib/suggest"
)

// edge is one edge of a lock's graph: a dependency or a patch companion.
type edge struct {
	to    string
	patch bool
}

// children lists a package's dependencies, then its patch companions, each sorted.
func children(p *api.LockedPackage) []edge {
	out := make([]edge, 0, len(p.Dependencies)+len(p.Patches))
	for _, d := range p.Dependencies {
		out = append(out, edge{to: d})
	}
	for _, c := range p.Patches {
		out = append(out, edge{to: c, patch: true})
	}
	return out
}

// roots are where the graph is read from: the packages the lock's requests name, in
// request order, then every package they do not reach (a lock of installed packages
// can hold some), in install order.
func roots(lock *api.Lock) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range lock.Requests {
		n := plan.PackageName(r.Name)
		if _, ok := lock.Package(n); ok && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	reached := map[string]bool{}
	var walk func(n string)
	walk = func(n string) {
		if reached[n] {
			return
		}
		reached[n] = true
		if p, ok := lock.Package(n); ok {
			for _, e := range children(p) {
				walk(e.to)
			}
		}
	}
	for _, n := range out {
		walk(n)
	}
	for _, n := range lock.Order {
		if !reached[n] {
			p, _ := lock.Package(n)
			if p != nil && len(p.RequiredBy) > 0 {
				continue // reached from another unreached package below
			}
			out = append(out, n)
			walk(n)
		}
	}
	for _, n := range lock.Order { // what only a cycle reaches
		if !reached[n] {
			out = append(out, n)
			walk(n)
		}
	}
	return out
}

// label is a package as the tree draws it. A lock is input, hand-edited or not: its
// names and versions are escaped as a table's cells are, so that none can put an
// escape sequence on the terminal.
func label(lock *api.Lock, name string) string {
	if p, ok := lock.Package(name); ok {
		return cli.Printable(p.Name + " " + p.Version)
	}
	return cli.Printable(name) + " (not in the lock)"
}

// writeTree draws the lock as indented trees from its roots. A package whose
// dependencies were drawn before is marked (*) and not expanded again; depth > 0 stops
// that many levels below the roots. The indentation is one buffer, grown and cut back
// as the drawing goes down and up: a prefix string per level, each kept by its caller,
// took memory quadratic in the depth (gigabytes for a hand-made chain of 50,000).
func writeTree(w io.Writer, lock *api.Lock, depth int) {
	expanded := map[string]bool{}
	var prefix []byte
	var draw func(name string, level int)
	draw = func(name string, level int) {
		p, ok := lock.Package(name)
		if !ok {
			return
		}
		kids := children(p)
		if depth > 0 && level >= depth {
			return
		}
		for i, e := range kids {
			branch, next := "├── ", "│   "
			if i == len(kids)-1 {
				branch, next = "└── ", "    "
			}
			line := label(lock, e.to)
			if e.patch {
				line += " (patch)"
			}
			c, _ := lock.Package(e.to)
			repeat := expanded[e.to] && c != nil && len(children(c)) > 0
			if repeat {
				line += " (*)"
			}
			fmt.Fprintf(w, "%s%s%s\n", prefix, branch, line)
			if !repeat {
				expanded[e.to] = true
				n := len(prefix)
				prefix = append(prefix, next...)
				draw(e.to, level+1)
				prefix = prefix[:n]
			}
		}
	}
	for _, r := range roots(lock) {
		line := label(lock, r)
		p, _ := lock.Package(r)
		if expanded[r] && p != nil && len(children(p)) > 0 {
			fmt.Fprintf(w, "%s (*)\n", line)
			continue
		}
		fmt.Fprintln(w, line)
		expanded[r] = true
		draw(r, 0)
	}
}

// writeDot writes the lock as a graphviz digraph: a node per package (requested bold,
// patch companions dashed) and an edge per dependency (patch edges dashed, labelled).
// Nodes and edges come in lock order, so the same lock always gives the same bytes.
func writeDot(w io.Writer, lock *api.Lock) {
	fmt.Fprintln(w, "digraph lock {")
	fmt.Fprintln(w, "  rankdir=LR;")
	fmt.Fprintln(w, `  node [shape=box, fontname="Helvetica"];`)
	for _, p := range lock.Packages {
		attrs := []string{"label=" + strconv.Quote(p.Name+"\n"+p.Version)}
		switch p.Reason {
		case api.ReasonRequested:
			attrs = append(attrs, "style=bold")
		case api.ReasonPatch:
			attrs = append(attrs, "style=dashed")
		}
		fmt.Fprintf(w, "  %s [%s];\n", strconv.Quote(p.Name), strings.Join(attrs, ", "))
	}
	for _, p := range lock.Packages {
		for _, e := range children(&p) {
			if e.patch {
				fmt.Fprintf(w, "  %s -> %s [style=dashed, label=\"patch\"];\n", strconv.Quote(p.Name), strconv.Quote(e.to))
			} else {
				fmt.Fprintf(w, "  %s -> %s;\n", strconv.Quote(p.Name), strconv.Quote(e.to))
			}
		}
	}
	fmt.Fprintln(w, "}")
}

// treeFormats are tree's -o values: its own drawings, and the lock as data.
var treeFormats = []string{"tree", "dot", "yaml", "json"}

func newTreeCmd() *cli.Command {
	var flags planFlags
	var files cli.FileFlags
	var output string
	var depth int
	return &cli.Command{
		Name:     "tree",
		Complete: suggest.Packages,
		Short:    "show the dependency tree",
		Use:      "[PKG...] [-f FILE]",
		Long: `Draws the dependency graph of a lock as a tree from its requests: dependencies,
then patch companions (marked "(patch)"). A package whose dependencies were drawn
before is marked "(*)" and not expanded again.

The graph is the lock read with -f, or the Lock that PKG arguments or PackageRef
documents (-f) resolve to, or without either the installed packages as installed.yaml
records them (also when the tap a package came from is gone). -o dot writes a graphviz
digraph (pipe it to 'dot -Tsvg'); -o yaml and -o json write the Lock itself.`,
		Example: `{prog} hello
{prog} -f tools.lock.yaml --depth 1
{prog} hello -o dot | dot -Tsvg > hello.svg`,
		Flags: func(fs *pflag.FlagSet) {
			files.AddTo(fs)
			fs.StringVarP(&output, "output", "o", "tree", "output format: "+strings.Join(treeFormats, "|"))
			cli.CompleteValues(fs, "output", treeFormats...)
			fs.IntVar(&depth, "depth", 0, "draw at most N levels below the requests (0: all)")
			flags.addTo(fs, true)
		},
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			output = strings.ToLower(output)
			if !slices.Contains(treeFormats, output) {
				// Not the -o group of the other verbs: a graph has no rows to tabulate or
				// name, so say so rather than only listing what is accepted.
				return cli.Usagef("unknown output format %q: tree has its own text formats in place of table and name, tree (the default, an indented drawing) and dot (graphviz), and writes the lock itself as yaml or json; use one of %s",
					output, strings.Join(treeFormats, ", "))
			}
			if depth < 0 {
				return cli.Usagef("--depth %d: give a number of levels, or 0 for all", depth)
			}
			lock, err := graphInput(ctx, env, args, files, &flags)
			if err != nil {
				return err
			}
			switch output {
			case "dot":
				writeDot(env.Stdout, lock)
			case "yaml", "json":
				return cli.Print(env.Stdout, cli.Format(output), []any{lock}, cli.Columns{})
			default:
				writeTree(env.Stdout, lock, depth)
			}
			return nil
		},
	}
}

// graphInput is the lock tree works on: PKG arguments and PackageRef documents are
// resolved, a Lock document is read as is, and with neither it is the installed
// packages as installed.yaml records them.
func graphInput(ctx context.Context, env *cli.Env, args []string, files cli.FileFlags, flags *planFlags) (*api.Lock, error) {
	requests, locks, err := readInput(env, files, flags.platform, "PackageRef", "Lock")
	if err != nil {
		return nil, err
	}
	switch {
	case len(locks) > 1:
		// Said as why and validate say it: "not both" would blame packages not given.
		return nil, cli.Usagef("-f: expected one Lock document, found %d (pkg-dep resolve writes one)", len(locks))
	case len(locks) > 0 && (len(requests) > 0 || len(args) > 0):
		return nil, cli.Usagef("give one Lock with -f, or packages to resolve (PKG arguments, PackageRef documents), not both")
	case len(locks) == 1:
		return locks[0], nil
	case len(args) == 0 && len(requests) == 0 && len(files.Paths) > 0:
		// Not the installed packages: the user asked about a file, and drawing something
		// else would hide that it is empty (a failed `pkg-dep resolve … > FILE`).
		return nil, cli.Usagef("-f: found no Lock or PackageRef document (pkg-dep resolve writes a Lock)")
	case len(args) == 0 && len(requests) == 0:
		lock, _, err := lockInput(ctx, env, cli.FileFlags{}, flags)
		return lock, err
	}
	var all []resolve.Request
	for _, a := range args {
		r, err := parseRequest(a, flags.platform)
		if err != nil {
			return nil, err
		}
		all = append(all, r)
	}
	all = append(all, requests...)
	h, err := home(env)
	if err != nil {
		return nil, err
	}
	return plan.Resolve(ctx, h, all, flags.options(env))
}
