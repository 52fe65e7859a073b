package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/cli"
	"longshore.dev/lib/lint"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/scaffold"
)

type initOptions struct {
	name    string
	version string
}

func newInitCmd() *cli.Command {
	o := &initOptions{}
	return &cli.Command{
		Name:  "init",
		Short: "scaffold a new package",
		Use:   "[DIR]",
		Long: `Writes a package that passes lint and publishes unchanged into DIR (default: the current
directory, created if missing): package.yaml with every field shown and explained,
README.md, an example entry point bin/NAME, .pkgignore, and
.github/workflows/publish.yml, which publishes the package to ghcr.io when a version tag
(v1.2.3) is pushed. The name defaults to DIR's name, lowercased, with characters a
package name cannot hold replaced by '-'. Nothing is overwritten: if any of these files
exists, init writes none and names them (exit 5).`,
		Example: `# a new package in ./hello
{prog} hello

# here, with an explicit name and version
{prog} --name hello-tool --version 1.0.0`,
		Flags: func(fs *pflag.FlagSet) {
			fs.StringVar(&o.name, "name", "", "package name (default: DIR's name, sanitized)")
			fs.StringVar(&o.version, "version", scaffold.DefaultVersion, "package version (SemVer, no leading v)")
		},
		Args:     maxOneDir,
		Complete: directories,
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			return runInit(env, o, dirArg(args))
		},
	}
}

// maxOneDir accepts an optional DIR.
func maxOneDir(args []string) error {
	if len(args) > 1 {
		return fmt.Errorf("unexpected argument %q: expected at most one DIR", args[1])
	}
	return nil
}

func dirArg(args []string) string {
	if len(args) == 0 {
		return "."
	}
	return args[0]
}

func runInit(env *cli.Env, o *initOptions, dir string) error {
	name := o.name
	if name == "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return err
		}
		if name = lint.SanitizeName(filepath.Base(abs)); name == "" {
			return cli.Usagef("cannot make a package name from the directory name %q: pass --name NAME", filepath.Base(abs))
		}
	}
	written, err := scaffold.Write(dir, scaffold.Options{Name: name, Version: o.version})
	if err != nil {
		return err
	}
	version := o.version
	if version == "" {
		version = scaffold.DefaultVersion
	}
	env.Infof("Created package %s %s in %s:", name, version, dir)
	for _, p := range written {
		env.Infof("  %s", filepath.Join(dir, filepath.FromSlash(p)))
	}
	env.Infof("Next: in %s, say what the package does (description) and where it lives (homepage, source: replace %s), then check and publish it:",
		filepath.Join(dir, "package.yaml"), pkgspec.PlaceholderOwner)
	env.Infof("  %s %s", commandFor(env.Inv, "lint"), dir)
	env.Infof("  %s %s --to ocidir://./registry/%s", commandFor(env.Inv, ""), dir, name)
	return nil
}

// commandFor is how the user types pkg-push's verb ("" for publishing) under the
// invocation that ran init: a verb link (kubectl pkg init) has no push in it.
func commandFor(inv cli.Invocation, verb string) string {
	if inv.Verb == "" {
		return inv.CommandPath(verb)
	}
	base := strings.TrimSuffix(inv.Prog, " "+inv.Verb)
	if verb == "" {
		return base + " push"
	}
	return base + " " + verb
}
