package main

import (
	"slices"
	"strings"
	"testing"

	"longshore.dev/lib/cli"
)

// The verbs brew, helm and krew users type: install is add, uninstall and rm are
// remove; search, show and info are pkg-tap's, and say so, where before each was read
// as a registry reference ("invalid reference"). A bare word never was one: a
// reference names a registry and a repository, so no package is out of reach
// (`pkg-pull add install` still adds a package called install).
func TestFamiliarVerbs(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"install"}, 2, "Error: nothing to add: name a package"},
		{[]string{"install", "hello@^1"}, 3, "no taps are configured"},
		{[]string{"-v", "install", "hello"}, 3, "no taps are configured"},
		{[]string{"install", "--help"}, 0, "Usage:\n  pkg-pull add PKG[@CONSTRAINT]... | -f FILE [flags]\n\nAliases:\n  add, install\n"},
		{[]string{"help", "uninstall"}, 0, "Usage:\n  pkg-pull remove PKG... [flags]\n\nAliases:\n  remove, uninstall, rm\n"},
		{[]string{"uninstall", "hello"}, 3, "Error: hello is not installed"},
		{[]string{"rm", "hello"}, 3, "Error: hello is not installed"},
		{[]string{"search", "hello"}, 2, "Error: unknown command \"search\" for \"pkg-pull\"\nHint: to search the taps for a package: pkg-tap search hello\n"},
		{[]string{"show", "core/hello"}, 2, "Hint: to show a package the taps list, with its versions: pkg-tap show core/hello\n"},
		{[]string{"info", "hello", "-o", "yaml"}, 2, "Hint: to show a package the taps list, with its versions: pkg-tap show hello -o yaml\n"},
		{[]string{"add", "install"}, 3, "no taps are configured"},
	} {
		r := pkgPull(t, env, "", tc.args...)
		if r.Code != tc.code || !strings.Contains(r.Stdout+r.Stderr, tc.want) {
			t.Errorf("pkg-pull %s: want exit %d and %q\n%s", strings.Join(tc.args, " "), tc.code, tc.want, r)
		}
	}

	// And they act: rm removes what is installed.
	mustPull(t, env, toolboxLock(t), "-f", "-")
	if r := mustPull(t, env, "", "rm", "app", "-o", "name"); r.Stdout != "installed/app@2.0.0\ninstalled/ca@1.0.0\ninstalled/lib@1.0.0\n" {
		t.Errorf("rm app:\n%s", r)
	}
}

// The dispatcher (kubectl pkg, git pkg) routes an alias to the binary of the verb it
// names, which must then know it: lib/cli's table and pkg-pull's commands agree.
func TestVerbAliasesAgreeWithTheDispatcher(t *testing.T) {
	t.Parallel()
	app := newApp()
	seen := 0
	for _, c := range app.Commands {
		for _, alias := range c.Aliases {
			seen++
			if cli.VerbAliases[alias] != c.Name || cli.VerbLinks[c.Name] != app.Binary {
				t.Errorf("pkg-pull %s has the alias %s, which the dispatcher routes to %q (a verb of %q)", c.Name, alias, cli.VerbAliases[alias], cli.VerbLinks[cli.VerbAliases[alias]])
			}
		}
	}
	for alias, verb := range cli.VerbAliases {
		if i := slices.IndexFunc(app.Commands, func(c *cli.Command) bool { return c.Name == verb }); i < 0 || !slices.Contains(app.Commands[i].Aliases, alias) {
			t.Errorf("the dispatcher routes %s to pkg-pull %s, which does not know it", alias, verb)
		}
	}
	if seen != len(cli.VerbAliases) {
		t.Errorf("pkg-pull has %d aliases, the dispatcher %d", seen, len(cli.VerbAliases))
	}
}
