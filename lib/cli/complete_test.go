package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// completionApp has a Default taking a directory, verbs with dynamic arguments and flag
// values, and a group.
func completionApp() *App {
	noop := func(context.Context, *Env, []string) error { return nil }
	installed := func(_ context.Context, _ *Env, c Completion) ([]string, Directive) {
		if c.Flag == "tap" {
			return []string{"core", "extra"}, CompleteNoFiles
		}
		if c.Flag == "seen" {
			// Echoes what was typed before, so the test sees Flags.
			return []string{strings.Join(c.Flags["tap"], ",") + "|" + strings.Join(c.Flags["platform"], ",")}, CompleteNoFiles
		}
		if c.Flag != "" {
			return nil, CompleteDefault
		}
		return []string{"hello\tinstalled 1.0.0", "helm", "zlib"}, CompleteNoFiles
	}
	output := NewOutputFlags(Table, YAML, JSON)
	return &App{
		Binary: "pkg-test",
		Default: &Command{
			Flags: func(fs *pflag.FlagSet) {
				fs.String("to", "", "target repository")
			},
			Complete: func(context.Context, *Env, Completion) ([]string, Directive) { return nil, CompleteDirs },
			Run:      noop,
		},
		Commands: []*Command{
			{Name: "remove", Aliases: []string{"rm"}, Short: "remove packages", Complete: installed, Run: noop,
				Flags: func(fs *pflag.FlagSet) {
					output.AddTo(fs)
					fs.Bool("cascade", false, "remove dependents too")
					fs.String("tap", "", "only this tap")
					fs.String("seen", "", "echoes the flags typed before it")
					fs.String("platform", "", "platform")
					CompleteValues(fs, "platform", Platforms...)
				}},
			{Name: "index", Short: "publish indexes", Subcommands: []*Command{
				{Name: "add", Short: "add entries", Run: noop},
				{Name: "build", Short: "build an index", Run: noop},
			}},
		},
	}
}

// completeWith runs `__complete words...` under inv and returns the candidates (values
// only) and the directive line.
func completeWith(t *testing.T, inv Invocation, words ...string) (values []string, directive string) {
	t.Helper()
	var out bytes.Buffer
	env := &Env{Inv: inv, Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	if code := completionApp().Main(context.Background(), env, append([]string{completeVerb}, words...)); code != 0 {
		t.Fatalf("__complete %q: exit %d\n%s", words, code, out.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	for _, l := range lines[:len(lines)-1] {
		value, _, _ := strings.Cut(l, "\t")
		values = append(values, value)
	}
	return values, lines[len(lines)-1]
}

func TestComplete(t *testing.T) {
	t.Parallel()
	plain := Invocation{Prog: "pkg-test"}
	for _, tc := range []struct {
		name      string
		inv       Invocation
		words     []string
		want      string
		directive string
	}{
		{"verbs, and the default's directories", plain, []string{""}, "remove index completion", ":16"},
		{"a verb's prefix", plain, []string{"re"}, "remove", ":16"},
		{"the default's flags", plain, []string{"--"}, "--to --help --verbose", ":4"},
		{"installed packages", plain, []string{"remove", "he"}, "hello helm", ":4"},
		{"after other arguments and flags", plain, []string{"remove", "--cascade", "zlib", "-v", ""}, "hello helm zlib", ":4"},
		{"a verb's flags", plain, []string{"remove", "--c"}, "--cascade", ":4"},
		{"-o values", plain, []string{"remove", "-o", ""}, "table yaml json", ":4"},
		{"--output= values", plain, []string{"remove", "--output=y"}, "--output=yaml", ":4"},
		{"static values", plain, []string{"remove", "--platform", "linux/a"}, "linux/amd64 linux/arm64 linux/arm/v7", ":4"},
		{"dynamic flag values", plain, []string{"remove", "--tap", ""}, "core extra", ":4"},
		{"a flag's value is not an argument", plain, []string{"remove", "--tap", "core", "z"}, "zlib", ":4"},
		{"subcommands", plain, []string{"index", ""}, "add build", ":4"},
		{"a subcommand's flags", plain, []string{"index", "add", "--h"}, "--help", ":4"},
		{"after -- a command line", plain, []string{"remove", "hello", "--", "ec"}, "", ":0"},
		{"shells", plain, []string{"completion", ""}, "bash zsh fish", ":4"},
		{"a word that is no verb is the default's argument", plain, []string{"nosuch", "--tap", ""}, "", ":16"},
		{"a verb fixed by the invocation", Invocation{Prog: "kubectl pkg remove", Verb: "remove"}, []string{"h"}, "hello helm", ":4"},
		{"flags before the verb", plain, []string{"-v", "remove", "z"}, "zlib", ":4"},
		{"the values of earlier flags reach the completer", plain, []string{"remove", "--tap", "core", "--platform=linux/amd64", "--seen", ""}, "core|linux/amd64", ":4"},
		// An alias completes as its verb, and is not offered beside it (as cobra does).
		{"after an alias", plain, []string{"rm", "he"}, "hello helm", ":4"},
		{"an alias is no candidate", plain, []string{"r"}, "remove", ":16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			values, directive := completeWith(t, tc.inv, tc.words...)
			if got := strings.Join(values, " "); got != tc.want || directive != tc.directive {
				t.Errorf("__complete %q = %q %s, want %q %s", tc.words, got, directive, tc.want, tc.directive)
			}
		})
	}
}

// Descriptions ride after a tab; control characters in them cannot break the lines.
func TestCompleteOutput(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	writeCandidates(&out, []string{"hello\tinstalled\x1b[2J 1.0", "bad\nname", "world"}, CompleteNoFiles, "")
	if got, want := out.String(), "hello\tinstalled [2J 1.0\nworld\n:4\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCompletionScripts(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "fish"} {
		var out, errb bytes.Buffer
		env := &Env{Inv: Invocation{Prog: "pkg-test"}, Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
		if code := completionApp().Main(context.Background(), env, []string{"completion", shell}); code != 0 || !strings.Contains(out.String(), " __complete ") || !strings.Contains(out.String(), "_pkg_test_complete") {
			t.Errorf("completion %s: exit %d\n%s%s", shell, code, out.String(), errb.String())
		}
	}
	var out, errb bytes.Buffer
	env := &Env{Inv: Invocation{Prog: "pkg-test"}, Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if code := completionApp().Main(context.Background(), env, []string{"completion", "tcsh"}); code != ExitUsage || !strings.Contains(errb.String(), "bash, zsh and fish") {
		t.Errorf("completion tcsh: exit %d\n%s", code, errb.String())
	}
}

// The bash script, run by a real bash against a stand-in program that answers
// __complete as the binaries do: candidates, no file names when the directive says so,
// file names when there is nothing else.
func TestBashScript(t *testing.T) {
	t.Parallel()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	var script bytes.Buffer
	env := &Env{Inv: Invocation{Prog: "pkg-test"}, Stdout: &script, Stderr: &script, Getenv: func(string) string { return "" }}
	if code := completionApp().Main(context.Background(), env, []string{"completion", "bash"}); code != 0 {
		t.Fatal(script.String())
	}
	fake := fakeProgram
	if err := os.WriteFile(filepath.Join(dir, "pkg-test"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "afile"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(words ...string) string {
		t.Helper()
		prog := script.String() + `
COMP_WORDS=(` + strings.Join(quoteAll(words), " ") + `)
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_pkg_test_complete
printf '%s|' "${COMPREPLY[@]}"
`
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prog)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		return string(out)
	}
	if got := run("pkg-test", "remove", "he"); got != "hello|helm|" {
		t.Errorf("remove he: %q", got)
	}
	if got := run("pkg-test", "remove", "zz"); got != "|" {
		t.Errorf("remove zz (no candidate, no files): %q", got)
	}
}

// The zsh and fish scripts, where those shells are installed (the CI machine may have
// neither; bash above always runs): the same stand-in, the same answers. zsh's
// completion system needs a terminal, so its functions are stubbed to print what
// they are given.
func TestZshAndFishScripts(t *testing.T) {
	t.Parallel()
	fake := fakeProgram
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pkg-test"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	script := func(shell string) string {
		var out bytes.Buffer
		env := &Env{Inv: Invocation{Prog: "pkg-test"}, Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
		if code := completionApp().Main(context.Background(), env, []string{"completion", shell}); code != 0 {
			t.Fatal(out.String())
		}
		return out.String()
	}
	run := func(shell string, args ...string) string {
		t.Helper()
		return runShell(t, dir, shell, args...)
	}
	t.Run("zsh", func(t *testing.T) {
		zsh, err := exec.LookPath("zsh")
		if err != nil {
			t.Skip("zsh is not installed")
		}
		prog := `compdef() { }
_describe() { print -rl -- "${(@P)4}" }
_files() { print FILES }
_path_files() { print DIRS }
` + script("zsh") + `
words=(pkg-test remove he); CURRENT=3; _pkg_test_complete
words=(pkg-test remove zz); CURRENT=3; _pkg_test_complete
words=(pkg-test other x); CURRENT=3; _pkg_test_complete
`
		if got := run(zsh, "-f", "-c", prog); got != "hello:installed 1.0.0\nhelm\nFILES\n" {
			t.Errorf("zsh completion: %q", got)
		}
	})
	t.Run("fish", func(t *testing.T) {
		fish, err := exec.LookPath("fish")
		if err != nil {
			t.Skip("fish is not installed")
		}
		prog := script("fish") + `
complete -C "pkg-test remove he"
echo sep
complete -C "pkg-test remove zz"
`
		if got := run(fish, "--no-config", "-c", prog); got != "hello\tinstalled 1.0.0\nhelm\nsep\n" {
			t.Errorf("fish completion: %q", got)
		}
	})
}

// fakeProgram stands in for a binary in the shell script tests: it answers __complete
// as the real program would for these words.
const fakeProgram = `#!/bin/sh
[ "$1" = __complete ] || exit 1
shift
case "$*" in
"remove he") printf 'hello\tinstalled 1.0.0\nhelm\n:4\n' ;;
"remove zz") printf ':4\n' ;;
*) printf ':0\n' ;;
esac
`

func quoteAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return out
}

// gitFake stands in for pkg-pull and its git names in the git completion tests: it
// answers with the name it was run as, so a test sees which program git's hook asked.
const gitFake = `#!/bin/sh
[ "$1" = __complete ] || exit 1
shift
case "$*" in
"remove he") printf 'hello\t1.0.0\nhe-%s\n:4\n' "$(basename "$0")" ;;
*) printf ':0\n' ;;
esac
`

// The git plugin forms, `git pkg …` and `git pkg-pull …`, through each shell's hook for
// git's own completion: in bash, git's completion script (where installed) calls
// _git_pkg; zsh's _git calls _git-pkg (here straight, and autoloaded from $fpath as
// scripts/install.sh installs it); fish forwards `git pkg …` to the command git-pkg.
func TestGitCompletion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"pkg-pull", "git-pkg-pull", "git-pkg"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(gitFake), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script := func(shell string) string {
		s, err := CompletionScript(GitDispatcher, shell)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	t.Run("bash", func(t *testing.T) {
		var gitScript string
		for _, p := range []string{
			"/usr/share/bash-completion/completions/git",
			"/usr/share/git/completion/git-completion.bash",
			"/etc/bash_completion.d/git",
		} {
			if _, err := os.Stat(p); err == nil {
				gitScript = p
				break
			}
		}
		if gitScript == "" {
			t.Skip("git's bash completion is not installed")
		}
		prog := `source ` + gitScript + `
` + script("bash") + `
for line in "git pkg remove he" "git -C /tmp pkg remove he" "git pkg-pull remove he" "pkg-pull remove he"; do
    read -ra COMP_WORDS <<<"$line"
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMP_LINE=$line COMP_POINT=${#line}
    COMPREPLY=()
    if [[ ${COMP_WORDS[0]} == git ]]; then __git_wrap__git_main; else _pkg_pull_complete; fi
    printf '%s|' "${COMPREPLY[@]}"
    echo
done
`
		want := "hello|he-git-pkg|\nhello|he-git-pkg|\nhello|he-git-pkg-pull|\nhello|he-pkg-pull|\n"
		if got := runShell(t, dir, "bash", "--norc", "--noprofile", "-c", prog); got != want {
			t.Errorf("bash: got\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("zsh", func(t *testing.T) {
		if _, err := exec.LookPath("zsh"); err != nil {
			t.Skip("zsh is not installed")
		}
		fpath := filepath.Join(dir, "fpath")
		if err := os.MkdirAll(fpath, 0o755); err != nil {
			t.Fatal(err)
		}
		_, body, _ := strings.Cut(script("zsh"), "\n")
		if err := os.WriteFile(filepath.Join(fpath, "_git-pkg"), []byte("#compdef git-pkg\n"+body), 0o644); err != nil {
			t.Fatal(err)
		}
		prog := `compdef() { }
_describe() { print -rl -- "${(@P)4}" }
fpath=(` + fpath + ` $fpath)
autoload -Uz _git-pkg
words=(pkg remove he); CURRENT=3; _git-pkg
words=(pkg remove he); CURRENT=3; _git-pkg
` + script("zsh") + `
words=(pkg-pull remove he); CURRENT=3; _git-pkg-pull
`
		want := "hello:1.0.0\nhe-git-pkg\nhello:1.0.0\nhe-git-pkg\nhello:1.0.0\nhe-git-pkg-pull\n"
		if got := runShell(t, dir, "zsh", "-f", "-c", prog); got != want {
			t.Errorf("zsh: got\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("fish", func(t *testing.T) {
		if _, err := exec.LookPath("fish"); err != nil {
			t.Skip("fish is not installed")
		}
		prog := script("fish") + `
complete -C "git-pkg remove he"
complete -C "git-pkg-pull remove he"
`
		want := "hello\t1.0.0\nhe-git-pkg\nhello\t1.0.0\nhe-git-pkg-pull\n"
		if got := runShell(t, dir, "fish", "--no-config", "-c", prog); got != want {
			t.Errorf("fish: got\n%s\nwant\n%s", got, want)
		}
	})
}

// runShell runs shell with args in dir, dir leading PATH (where the stand-ins are), and
// returns what it printed.
func runShell(t *testing.T, dir, shell string, args ...string) string {
	t.Helper()
	cmd := exec.Command(shell, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", shell, err, out)
	}
	return string(out)
}
