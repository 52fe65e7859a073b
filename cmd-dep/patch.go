package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/plan"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/suggest"
	"longshore.dev/lib/tap"
)

func newPatchCmd() *cli.Command {
	return &cli.Command{
		Name:  "patch",
		Short: "sync and explain infrastructure patches",
		Use:   "sync|list|why|registry ...",
		Long: `A site's patch registry adds companion packages (a CA bundle, proxy settings) to the
packages installed here, without forking them; operators publish the rules with
'pkg-push patch' (docs/patches.md).`,
		Example: `{prog} registry registry.corp.example/patches
{prog} sync -o yaml | pkg-pull -f -
{prog} why ca-bundle`,
		Subcommands: []*cli.Command{newPatchSyncCmd(), newPatchListCmd(), newPatchWhyCmd(), newPatchRegistryCmd()},
	}
}

func newPatchSyncCmd() *cli.Command {
	var flags planFlags
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:  "sync",
		Short: "refresh the descriptors of installed packages and print the Lock with their companions",
		Use:   "[-o yaml]",
		Long: `Asks the patch registry for the descriptors of the installed packages and the global
one: one request each when nothing changed, the descriptor itself only when its digest
did. Descriptors are cached in $LONGSHORE_HOME/patches for offline use (a package
without one is cached as having none). Then prints the Lock of the installed packages,
pinned at their installed versions, with the companions the rules add (each resolved
with its own dependencies, right after the package it patches); pipe it to
'pkg-pull -f -' to install them.

A patch registry that cannot be reached is an error (exit 7) while patches.required is
true, the default; with required false it is a warning and the cached descriptors are
used.`,
		Example: `{prog} -o yaml | pkg-pull -f -
{prog} --offline -o table`,
		Flags: func(fs *pflag.FlagSet) {
			output.AddTo(fs)
			flags.addTo(fs, false)
		},
		Args: cli.ExactArgs(),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			h, err := home(env)
			if err != nil {
				return err
			}
			res, err := plan.Sync(ctx, h, flags.options(env))
			if err != nil {
				return err
			}
			// A descriptor never cached from this registry was not used: say so, rather
			// than count it among those used.
			uncached := ""
			if len(res.Uncached) > 0 {
				uncached = fmt.Sprintf(" None was cached for %s, so no rules of theirs apply.", strings.Join(res.Uncached, ", "))
			}
			switch {
			case flags.offline && len(res.Cached) == 0:
				env.Infof("Offline: no descriptor was cached before.%s", uncached)
			case flags.offline:
				env.Infof("Offline: used the %d cached descriptors (%s).%s", len(res.Cached), strings.Join(res.Cached, ", "), uncached)
			case len(res.Cached)+len(res.Uncached) > 0:
				// The warning said the registry cannot be read: say what was used
				// instead, and claim no check that was not made.
				msg := fmt.Sprintf("The patch registry could not be read: used the descriptors cached before, unchecked, for %s.", strings.Join(res.Cached, ", "))
				if len(res.Cached) == 0 {
					msg = "The patch registry could not be read, and no descriptor was cached before."
				}
				msg += uncached
				if len(res.Checked) > 0 {
					msg += fmt.Sprintf(" Checked before that: %s", strings.Join(res.Checked, ", "))
					if len(res.Changed) > 0 {
						msg += fmt.Sprintf(" (updated: %s)", strings.Join(res.Changed, ", "))
					}
					msg += "."
				}
				env.Infof("%s", msg)
			case len(res.Changed) == 0:
				env.Infof("Patch descriptors are up to date (%d checked: %s).", len(res.Checked), strings.Join(res.Checked, ", "))
			default:
				env.Infof("Updated %d of %d patch descriptors: %s.", len(res.Changed), len(res.Checked), strings.Join(res.Changed, ", "))
			}
			if len(res.Dropped) > 0 {
				env.Warnf("%s: pkg-pull remove %s", unneeded(res.Dropped, "no rule adds any more, so once this lock is installed nothing needs"), strings.Join(res.Dropped, " "))
			}
			for _, a := range res.Applied {
				env.Debugf("patch: %s %s gets %s (rule %d of %s)", a.Package, a.Version, a.Request, a.Rule, a.Reference)
			}
			if len(res.Lock.Packages) == 0 {
				env.Infof("Nothing is installed.")
			}
			return cli.PrintLocks(env.Stdout, format, res.Lock)
		},
	}
}

// unneeded writes "cabundle is a patch companion WHY it" for one name, "a and b are
// patch companions WHY them" for more.
func unneeded(names []string, why string) string {
	if len(names) == 1 {
		return names[0] + " is a patch companion " + why + " it"
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " are patch companions " + why + " them"
}

// ruleDoc is the document -o yaml|json|name prints for a rule that applies.
func ruleDoc(a plan.Applied) *api.PatchRule {
	d := api.NewPatchRule()
	d.Package, d.Version, d.Companion, d.Request, d.Constraint = a.Package, a.Version, a.Companion, a.Request, a.Constraint
	d.Descriptor, d.Reference, d.Rule, d.Match = a.Descriptor, a.Reference, a.Rule, a.Match
	return d
}

var ruleColumns = cli.Columns{
	Headers: []string{"PACKAGE", "VERSION", "COMPANION", "DESCRIPTOR", "RULE", "MATCH"},
	Row: func(doc any) []string {
		r := doc.(*api.PatchRule)
		return []string{r.Package, r.Version, r.Request, r.Descriptor, strconv.Itoa(r.Rule), r.Match}
	},
}

// ruleText is a rule as patch why says it on a terminal (and with -o table).
func ruleText(r *api.PatchRule) string {
	// Every field comes from a lock or a patch registry's descriptor (a glob may hold
	// any character): escaped as a table's cells are.
	p := cli.Printable
	return fmt.Sprintf("%s is a companion of %s %s: rule %d of %s (%s) adds %s\n  descriptor %s\n",
		p(r.Companion), p(r.Package), p(r.Version), r.Rule, p(r.Descriptor), p(r.Match), p(r.Request), p(r.Reference))
}

// ruleInput matches the cached rules against the packages of -f's lock, else the
// installed packages.
func ruleInput(env *cli.Env, files cli.FileFlags, platform string) ([]plan.Applied, error) {
	h, err := home(env)
	if err != nil {
		return nil, err
	}
	var targets []plan.RuleTarget
	if len(files.Paths) > 0 {
		lock, err := readLock(env, files)
		if err != nil {
			return nil, err
		}
		targets = plan.LockTargets(lock, platform)
	} else if targets, err = plan.InstalledTargets(h); err != nil {
		return nil, err
	}
	if platform != "" {
		for i := range targets {
			targets[i].Platform = platform
		}
	}
	return plan.Rules(h, targets)
}

func newPatchListCmd() *cli.Command {
	var files cli.FileFlags
	var platform string
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:  "list",
		Short: "list the rules that apply to installed packages",
		Use:   "[-f LOCK]",
		Long: `Lists every patch rule that adds a companion to an installed package (or to a package
of the lock read with -f): the package, the companion as the rule writes it, the
descriptor (the package's own or _global), the rule's index and what it matches. It
reads the descriptors cached by 'pkg-dep patch sync': no network.

The table is the default on a terminal, yaml otherwise. -o yaml and -o json print
PatchRule documents, one per rule, package and companion, with the companion's name
in the lock, its constraint and the descriptor's reference too (-o json always a
List, even of none); -o name prints patchrule/PACKAGE@VERSION,COMPANION.`,
		Example: `{prog}
{prog} -f tools.lock.yaml --platform linux/arm64
{prog} -o json | jq -r '.items[] | select(.descriptor == "_global") | .package'`,
		Flags: func(fs *pflag.FlagSet) {
			files.AddTo(fs)
			output.AddTo(fs)
			cli.PlatformVar(fs, &platform, "platform that rules' platform globs match (default: the one the installed packages, or the lock's requests, share, any not counting; else this machine's)")
		},
		Args: cli.ExactArgs(),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			rules, err := ruleInput(env, files, platform)
			if err != nil {
				return err
			}
			docs := make([]any, len(rules))
			for i, r := range rules {
				docs[i] = ruleDoc(r)
			}
			if len(rules) == 0 {
				env.Infof("No cached patch rule applies (refresh the cache with `pkg-dep patch sync`).")
				if format == cli.Table {
					return nil // a table of no rows says less than the line above
				}
			}
			return cli.PrintList(env.Stdout, format, docs, ruleColumns)
		},
	}
}

func newPatchWhyCmd() *cli.Command {
	var files cli.FileFlags
	var platform string
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:     "why",
		Complete: suggest.Installed,
		Short:    "show which rule brings each companion in",
		Use:      "[PKG] [-f LOCK]",
		Long: `Shows, for the companion PKG (or every companion), which rule of which descriptor adds
it to which package, and what the rule matches. The packages are the installed ones,
or those of the lock read with -f; the rules are those cached by 'pkg-dep patch sync'.

On a terminal (and with -o table) each rule is two lines: what it adds to which
package, then the descriptor's reference; yaml is the default into a pipe. -o yaml
and -o json print the PatchRule documents 'pkg-dep patch list' prints, for PKG's
rules only (-o json always a List); -o name prints patchrule/PACKAGE@VERSION,COMPANION.`,
		Example: `{prog} ca-bundle
{prog} -f tools.lock.yaml
{prog} ca-bundle -o json | jq -r '.items[].package'`,
		Flags: func(fs *pflag.FlagSet) {
			files.AddTo(fs)
			output.AddTo(fs)
			cli.PlatformVar(fs, &platform, "platform that rules' platform globs match (default: the one the installed packages, or the lock's requests, share, any not counting; else this machine's)")
		},
		Args: func(args []string) error {
			if len(args) > 1 {
				return fmt.Errorf("unexpected argument %q: expected at most one PKG", ref.Redact(args[1]))
			}
			return nil
		},
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			rules, err := ruleInput(env, files, platform)
			if err != nil {
				return err
			}
			target := ""
			switch {
			case len(args) == 1 && len(files.Paths) == 0:
				if target, err = installedKey(env, args[0]); err != nil {
					return err
				}
			case len(args) == 1:
				target = plan.PackageName(args[0])
			}
			docs := []any{}
			for _, r := range rules {
				if target == "" || r.Companion == target {
					docs = append(docs, ruleDoc(r))
				}
			}
			if len(docs) == 0 {
				if target != "" {
					return fault.New(fault.NotFound, fmt.Errorf("no patch rule adds %s to the packages here", args[0]),
						"`pkg-dep patch list` shows the rules that apply; `pkg-dep patch sync` refreshes them")
				}
				env.Infof("No cached patch rule adds a companion (refresh the cache with `pkg-dep patch sync`).")
			}
			if format != cli.Table {
				return cli.PrintList(env.Stdout, format, docs, ruleColumns)
			}
			for _, d := range docs {
				fmt.Fprint(env.Stdout, ruleText(d.(*api.PatchRule)))
			}
			return nil
		},
	}
}

func newPatchRegistryCmd() *cli.Command {
	var required, unset bool
	var fs *pflag.FlagSet
	return &cli.Command{
		Name:  "registry",
		Short: "show or set the patch registry",
		Use:   "[REGISTRY[/PATH] | ocidir://PATH] [--required=false] [--unset]",
		Long: `Without arguments, prints the configured patch registry. With one, sets patches.registry
in config.yaml: descriptors are read from REGISTRY/NAME:patches and
REGISTRY/global/rules:patches. --required=false makes an unreachable registry a warning
instead of an error (the default is required: resolution fails closed). --unset
removes the setting.`,
		Example: `{prog} registry.corp.example/patches
{prog} ocidir://./patches --required=false
{prog} --unset`,
		Flags: func(f *pflag.FlagSet) {
			fs = f
			f.BoolVar(&required, "required", true, "fail when the registry cannot be reached (false: warn and use cached descriptors)")
			f.BoolVar(&unset, "unset", false, "remove the patch registry")
		},
		Args: func(args []string) error {
			switch {
			case len(args) > 1:
				return fmt.Errorf("unexpected argument %q: give one registry", ref.Redact(args[1]))
			case unset && len(args) == 1:
				return fmt.Errorf("--unset takes no registry")
			}
			return nil
		},
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			h, err := home(env)
			if err != nil {
				return err
			}
			if unset {
				if err := tap.SetPatches(h, nil); err != nil {
					return err
				}
				env.Infof("Removed the patch registry.")
				return nil
			}
			c, err := tap.Load(h)
			if err != nil {
				return err
			}
			if len(args) == 0 && !fs.Changed("required") {
				if c.Patches == nil {
					env.Infof("No patch registry is configured.")
					return nil
				}
				fmt.Fprintf(env.Stdout, "%s (required: %v)\n", c.Patches.Registry, c.Patches.IsRequired())
				return nil
			}
			p := &tap.Patches{}
			switch {
			case len(args) == 1:
				p.Registry = args[0]
			case c.Patches != nil:
				p.Registry = c.Patches.Registry
			default:
				return cli.Usagef("no patch registry is configured: give one")
			}
			if !required {
				no := false
				p.Required = &no
			}
			if err := tap.SetPatches(h, p); err != nil {
				return err
			}
			c, err = tap.Load(h)
			if err != nil {
				return err
			}
			env.Infof("Patch registry: %s (required: %v). Run `pkg-dep patch sync` to fetch the descriptors of installed packages.", c.Patches.Registry, c.Patches.IsRequired())
			return nil
		},
	}
}
