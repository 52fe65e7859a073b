package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestRoute(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args, binary, prog, rest string
	}{
		{"tap list", "pkg-tap", "kubectl pkg tap", "list"},
		{"list -o yaml", "pkg-pull", "kubectl pkg", "list -o yaml"},
		// The area or shortcut word may follow the binary's flags.
		{"-v list", "pkg-pull", "kubectl pkg", "list -v"},
		{"-v tap -o yaml list", "pkg-tap", "kubectl pkg tap", "-v -o yaml list"},
		{"-f lock.yaml pull", "pkg-pull", "kubectl pkg pull", "-f lock.yaml"},
		// A shortcut's alias goes where the shortcut goes, and the binary reads it.
		{"install hello", "pkg-pull", "kubectl pkg", "install hello"},
		{"uninstall hello", "pkg-pull", "kubectl pkg", "uninstall hello"},
		{"-v rm hello", "pkg-pull", "kubectl pkg", "rm -v hello"},
	} {
		binary, prog, rest, err := route("kubectl pkg", strings.Fields(tc.args))
		if err != nil || binary != tc.binary || prog != tc.prog || strings.Join(rest, " ") != tc.rest {
			t.Errorf("route(%s) = %s, %q, %q, %v; want %s, %q, %q", tc.args, binary, prog, rest, err, tc.binary, tc.prog, tc.rest)
		}
	}
}

func TestDispatchUnknownWord(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ args, want string }{
		{"lsit", `Error: unknown command "lsit" for "git pkg"
Hint: did you mean "git pkg list"? (available commands: dep, gc, pull, push, tap, add, env, exec, init, lint, list, remove, upgrade)
`},
		{"lnit", `Hint: did you mean "git pkg init" or "git pkg lint"? (`},
		{"frobnicate", `Hint: available commands: dep, gc, pull, push, tap, add, env, exec, init, lint, list, remove, upgrade
`},
		{"-v", `Error: unknown command "-v" for "git pkg"`},
		// pkg-tap's verbs, typed as brew's and helm's are, name the command that does it.
		{"search hello", `Error: unknown command "search" for "git pkg"
Hint: to search the taps for a package: git pkg tap search hello
`},
		{"info core/hello -o yaml", `Hint: to show a package the taps list, with its versions: git pkg tap show core/hello -o yaml
`},
		{"show", `Hint: to show a package the taps list, with its versions: git pkg tap show
`},
	} {
		var out, errb bytes.Buffer
		env := &Env{Inv: Invocation{Prog: "git pkg", Dispatch: "git pkg"}, Stdout: &out, Stderr: &errb}
		if code := Dispatch(env, strings.Fields(tc.args)); code != ExitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("git pkg %s: exit %d, stderr:\n%s\nwant\n%s", tc.args, code, errb.String(), tc.want)
		}
	}
}

// git's completion asks `git-pkg __complete WORDS... WORD`: the dispatcher answers the
// first word itself, every area and shortcut (git lists no git-pkg-WORD for it).
func TestDispatchComplete(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	env := &Env{Inv: Invocation{Prog: "git pkg", Dispatch: "git pkg"}, Stdout: &out, Stderr: &errb}
	if code := Dispatch(env, []string{"__complete", "a"}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if want := "add\tinstall packages with their dependencies\n:4\n"; out.String() != want {
		t.Errorf("git-pkg __complete a = %q, want %q", out.String(), want)
	}
}
