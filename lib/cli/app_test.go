package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"longshore.dev/lib/fault"
)

func testApp(ran *[]string) *App {
	var to string
	return &App{
		Binary: "pkg-test",
		Short:  "a test binary",
		Default: &Command{
			Short: "do the default thing", Use: "DIR --to REPO",
			Example: "{prog} ./dir --to x",
			Flags:   func(fs *pflag.FlagSet) { fs.StringVar(&to, "to", "", "target") },
			Args:    ExactArgs("DIR"),
			Run: func(ctx context.Context, env *Env, args []string) error {
				if to == "" {
					return Usagef("--to is required")
				}
				*ran = append(*ran, "default:"+args[0]+":"+to)
				return nil
			},
		},
		Commands: []*Command{
			{Name: "list", Aliases: []string{"ls"}, Short: "list things", Args: ExactArgs(), Run: func(ctx context.Context, env *Env, args []string) error {
				*ran = append(*ran, "list")
				return nil
			}},
			{Name: "fail", Short: "fail", Run: func(ctx context.Context, env *Env, args []string) error {
				return fault.New(fault.NotFound, errors.New("tag 9.9.9 not found"), "name a version that exists")
			}},
			{Name: "later", Short: "not yet", NotYet: true},
		},
	}
}

func runApp(t *testing.T, inv Invocation, args ...string) (code int, stdout, stderr string, ran []string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Inv: inv, Binary: "pkg-test", Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code = testApp(&ran).Main(context.Background(), env, args)
	return code, out.String(), errb.String(), ran
}

func TestAppMain(t *testing.T) {
	t.Parallel()
	plain := Invocation{Prog: "pkg-test"}
	tests := []struct {
		name     string
		inv      Invocation
		args     []string
		code     int
		stdout   []string
		stderr   []string
		ran      string
		emptyOut bool
		emptyErr bool
	}{
		{name: "help", inv: plain, args: []string{"-h"}, stdout: []string{"Usage:\n  pkg-test DIR --to REPO [flags]", "later", "not available yet", "--to string"}, emptyErr: true},
		{name: "no args prints help", inv: plain, stdout: []string{"Commands:"}},
		{name: "version", inv: plain, args: []string{"--version"}, stdout: []string{"pkg-test version "}},
		{name: "default runs with flags after positionals", inv: plain, args: []string{"./d", "--to", "r"}, ran: "default:./d:r", emptyOut: true},
		{name: "verb", inv: plain, args: []string{"list"}, ran: "list"},
		{name: "unknown flag is usage", inv: plain, args: []string{"list", "--nope"}, code: 2, stderr: []string{"Error: unknown flag: --nope", "Usage: pkg-test list [flags]", "Run 'pkg-test list --help'"}, emptyOut: true},
		{name: "extra arg is usage", inv: plain, args: []string{"list", "x"}, code: 2, stderr: []string{"takes no arguments"}},
		{name: "missing positional", inv: plain, args: []string{"--to", "r"}, code: 2, stderr: []string{"missing DIR"}},
		{name: "verb usage error gets usage line", inv: plain, args: []string{"./d"}, code: 2, stderr: []string{"Error: --to is required", "Usage: pkg-test DIR --to REPO [flags]"}},
		{name: "fault maps to exit code and hint", inv: plain, args: []string{"fail"}, code: ExitNotFound, stderr: []string{"Error: tag 9.9.9 not found\nHint: name a version that exists\n"}},
		{name: "not yet", inv: plain, args: []string{"later"}, code: 2, stderr: []string{`"pkg-test later" is not available yet`}, emptyOut: true},
		{name: "not yet help still works", inv: plain, args: []string{"later", "--help"}, stdout: []string{"not available yet"}},
		{name: "kubectl form in usage", inv: Invocation{Prog: "kubectl pkg test"}, args: []string{"list", "--help"}, stdout: []string{"Usage:\n  kubectl pkg test list [flags]"}},
		{name: "example expands prog", inv: Invocation{Prog: "git pkg-test"}, args: []string{"--help"}, stdout: []string{"git pkg-test ./dir --to x"}},
		{name: "verb link", inv: Invocation{Prog: "kubectl pkg list", Verb: "list"}, args: []string{"--help"}, stdout: []string{"Usage:\n  kubectl pkg list [flags]"}},
		{name: "help VERB", inv: plain, args: []string{"help", "list"}, stdout: []string{"pkg-test list [flags]"}},
		{name: "unknown help topic", inv: plain, args: []string{"help", "nope"}, code: 2, stderr: []string{`unknown command "nope"`}},
		{name: "flags before the verb", inv: plain, args: []string{"-v", "list"}, ran: "list"},
		{name: "flag values before the verb", inv: plain, args: []string{"-o", "yaml", "-v", "list"}, code: 2, stderr: []string{"Error: unknown shorthand flag: 'o'", "Usage: pkg-test list"}},
		{name: "flags before the default's arguments", inv: plain, args: []string{"--to", "r", "./d"}, ran: "default:./d:r"},
		{name: "a flag's value named like a verb", inv: plain, args: []string{"--to", "list", "./d"}, ran: "default:./d:list"},
		{name: "an argument after the default's flags named like a verb", inv: plain, args: []string{"--to", "r", "list"}, ran: "default:list:r"},
		{name: "a typo of a verb is not the default's argument", inv: plain, args: []string{"lsit"}, code: 2, stderr: []string{`unknown command "lsit"`, `Hint: did you mean "pkg-test list"? (available commands: list, fail, later, completion)`}},
		{name: "a start of a verb", inv: plain, args: []string{"lat"}, code: 2, stderr: []string{`did you mean "pkg-test later"?`}},
		{name: "a word far from every verb is the default's argument", inv: plain, args: []string{"hello"}, code: 2, stderr: []string{"--to is required"}},
		{name: "an alias runs its verb", inv: plain, args: []string{"ls"}, ran: "list"},
		{name: "an alias after flags", inv: plain, args: []string{"-v", "ls"}, ran: "list"},
		{name: "an alias's help is its verb's", inv: plain, args: []string{"ls", "--help"}, stdout: []string{"pkg-test list: list things", "Usage:\n  pkg-test list [flags]\n\nAliases:\n  list, ls\n"}},
		{name: "help ALIAS", inv: plain, args: []string{"help", "ls"}, stdout: []string{"Usage:\n  pkg-test list [flags]"}},
		{name: "aliases are not listed as commands", inv: plain, args: []string{"--help"}, stdout: []string{"Commands:\n  list "}},
		{name: "another area's verb names its command", inv: plain, args: []string{"search", "hello"}, code: 2, stderr: []string{`Error: unknown command "search" for "pkg-test"`, "Hint: to search the taps for a package: pkg-tap search hello\n"}, emptyOut: true},
		{name: "another area's verb under kubectl", inv: Invocation{Prog: "kubectl pkg test"}, args: []string{"info", "hello"}, code: 2, stderr: []string{"Hint: to show a package the taps list, with its versions: kubectl pkg tap show hello\n"}},
		{name: "arguments a shell would read otherwise are not repeated", inv: plain, args: []string{"search", "a b"}, code: 2, stderr: []string{"pkg-tap search ...\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut, ran := runApp(t, tc.inv, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, errOut)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errOut)
				}
			}
			if tc.emptyOut && out != "" {
				t.Errorf("stdout should be empty (data only), got:\n%s", out)
			}
			if tc.emptyErr && errOut != "" {
				t.Errorf("stderr should be empty, got:\n%s", errOut)
			}
			if got := strings.Join(ran, ","); got != tc.ran {
				t.Errorf("ran %q, want %q", got, tc.ran)
			}
		})
	}
}

func TestHoistVerb(t *testing.T) {
	t.Parallel()
	var s string
	var b bool
	app := &App{
		Default: &Command{Flags: func(fs *pflag.FlagSet) {
			fs.StringVarP(&s, "filename", "f", "", "")
			fs.StringVar(&s, "to", "", "")
			fs.BoolVar(&b, "dry-run", false, "")
		}},
		Commands: []*Command{
			{Name: "list", Flags: func(fs *pflag.FlagSet) { fs.StringVarP(&s, "output", "o", "", "") }},
			{Name: "mirror", Flags: func(fs *pflag.FlagSet) {
				fs.StringVarP(&s, "filename", "f", "", "")
				fs.StringVar(&s, "to", "", "")
			}},
			{Name: "init"},
			{Name: "index", Subcommands: []*Command{
				{Name: "add", Flags: func(fs *pflag.FlagSet) { fs.StringVar(&s, "to", "", "") }},
			}},
		},
	}
	for _, tc := range []struct{ args, want string }{
		{"list -v", "list -v"},
		{"-v list", "list -v"},
		{"-v -v list -o yaml", "list -v -v -o yaml"},
		// A flag's value is not the verb.
		{"-f list", "-f list"},
		{"-f list -v", "-f list -v"},
		{"--filename list", "--filename list"},
		{"-vf list", "-vf list"},
		{"-f=x mirror", "mirror -f=x"},
		{"-fx mirror", "mirror -fx"},
		{"--to=x mirror", "mirror --to=x"},
		// A word after a flag only the Default takes is the Default's argument.
		{"--to ocidir://x init", "--to ocidir://x init"},
		{"--dry-run list", "--dry-run list"},
		{"-fx list", "-fx list"},
		{"--to r mirror", "mirror --to r"},
		{"-f lock.yaml -v mirror", "mirror -f lock.yaml -v"},
		{"--to r index add", "index --to r add"},
		// Only flags come before the verb.
		{"-f a b list", "-f a b list"},
		{"-v -- list", "-v -- list"},
		{"-v - list", "-v - list"},
		// A flag the Default does not know is a verb's; its value is not the verb.
		{"-o yaml -v list", "list -o yaml -v"},
		{"-o list", "list -o"},
		{"-vo yaml list", "list -vo yaml"},
		{"--nope x y list", "--nope x y list"},
	} {
		if got := strings.Join(app.hoistVerb(strings.Fields(tc.args)), " "); got != tc.want {
			t.Errorf("hoistVerb(%s) = %s, want %s", tc.args, got, tc.want)
		}
	}

	// Without a Default every flag is a verb's: the first verb name is the verb.
	app.Default = nil
	if got := strings.Join(app.hoistVerb([]string{"-f", "list"}), " "); got != "list -f" {
		t.Errorf("without a Default: hoistVerb(-f list) = %s, want list -f", got)
	}
}

// A package directory named like a typo of a verb ("lis") is the default's argument
// where the App says its default takes a directory, and a typo elsewhere.
func TestDirectoryNamedLikeAVerb(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, dir := range []string{"lis", "search"} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, takesPath := range []bool{true, false} {
		var ran []string
		app := testApp(&ran)
		app.DefaultTakesPath = takesPath
		var out, errb bytes.Buffer
		env := &Env{Inv: Invocation{Prog: "pkg-test"}, Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
		code := app.Main(context.Background(), env, []string{"lis", "--to", "r"})
		switch {
		case takesPath && (code != 0 || strings.Join(ran, ",") != "default:lis:r"):
			t.Errorf("DefaultTakesPath: exit %d, ran %q; stderr:\n%s", code, ran, errb.String())
		case !takesPath && (code != 2 || !strings.Contains(errb.String(), `did you mean "pkg-test list"?`)):
			t.Errorf("a default that takes no path: exit %d, ran %q; stderr:\n%s", code, ran, errb.String())
		}
		// Nor is a directory named like another area's verb (AreaVerbs) refused.
		ran, out, errb = nil, bytes.Buffer{}, bytes.Buffer{}
		code = app.Main(context.Background(), env, []string{"search", "--to", "r"})
		switch {
		case takesPath && (code != 0 || strings.Join(ran, ",") != "default:search:r"):
			t.Errorf("DefaultTakesPath, a directory named search: exit %d, ran %q; stderr:\n%s", code, ran, errb.String())
		case !takesPath && (code != 2 || !strings.Contains(errb.String(), "pkg-tap search")):
			t.Errorf("a default that takes no path, search: exit %d, ran %q; stderr:\n%s", code, ran, errb.String())
		}
	}
}

// An App's TypoHint follows the suggestion for a word typed where the verb goes.
func TestTypoHint(t *testing.T) {
	t.Parallel()
	var ran []string
	app := testApp(&ran)
	app.TypoHint = func(word string) string { return "to install the package " + word + ": {prog} add " + word }
	run := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		env := &Env{Inv: Invocation{Prog: "kubectl pkg test"}, Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
		return app.Main(context.Background(), env, args), errb.String()
	}
	want := `Hint: did you mean "kubectl pkg test list"? (available commands: list, fail, later, completion); to install the package lsit: kubectl pkg test add lsit` + "\n"
	if code, errOut := run("lsit"); code != 2 || !strings.Contains(errOut, want) {
		t.Errorf("lsit: exit %d, stderr:\n%s\nwant %s", code, errOut, want)
	}
	if code, errOut := run("help", "lsit"); code != 2 || strings.Contains(errOut, "to install") {
		t.Errorf("help lsit: exit %d, stderr:\n%s", code, errOut)
	}
	app.Default = nil
	if code, errOut := run("lsit"); code != 2 || !strings.Contains(errOut, want) {
		t.Errorf("lsit without a Default: exit %d, stderr:\n%s\nwant %s", code, errOut, want)
	}
}

// Verbs as near as each other are all named.
func TestTyposNearSeveralVerbs(t *testing.T) {
	t.Parallel()
	var ran []string
	app := testApp(&ran)
	for _, name := range []string{"init", "lint"} {
		app.Commands = append(app.Commands, &Command{Name: name, Run: func(ctx context.Context, env *Env, args []string) error { return nil }})
	}
	for _, tc := range []struct{ word, hint string }{
		{"lnit", `did you mean "pkg-test init" or "pkg-test lint"? (available commands: list, fail, later, init, lint, completion)`},
		{"lsit", `did you mean "pkg-test list"? (`},
		{"lit", `did you mean "pkg-test list" or "pkg-test lint"? (`},
		{"ilnt", `did you mean "pkg-test lint"? (`},
	} {
		var out, errb bytes.Buffer
		env := &Env{Inv: Invocation{Prog: "pkg-test"}, Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
		if code := app.Main(context.Background(), env, []string{tc.word}); code != 2 || !strings.Contains(errb.String(), "Hint: "+tc.hint) {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant Hint: %s", tc.word, code, errb.String(), tc.hint)
		}
	}
	path := func(name string) string { return "x " + name }
	if got, want := unknownHint("ab", []string{"abc", "abd", "abe"}, path, "commands"),
		`did you mean "x abc", "x abd" or "x abe"? (available commands: abc, abd, abe)`; got != want {
		t.Errorf("three as near:\n%s\nwant\n%s", got, want)
	}
}

func TestBareRunsDefault(t *testing.T) {
	t.Parallel()
	var ran []string
	app := testApp(&ran)
	app.Default.Args, app.Default.Run = ExactArgs(), func(ctx context.Context, env *Env, args []string) error {
		ran = append(ran, "collect")
		return nil
	}
	app.BareRunsDefault = true
	var out, errb bytes.Buffer
	env := &Env{Inv: Invocation{Prog: "pkg-test"}, Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if code := app.Main(context.Background(), env, nil); code != 0 || strings.Join(ran, ",") != "collect" {
		t.Errorf("exit %d, ran %q, stdout %q; want the default run", code, ran, out.String())
	}
}

func TestVerbsWithoutDefault(t *testing.T) {
	t.Parallel()
	var ran []string
	app := testApp(&ran)
	app.Default = nil
	app.Commands = append(app.Commands, &Command{Name: "index", Subcommands: []*Command{
		{Name: "build", Args: ExactArgs(), Run: func(ctx context.Context, env *Env, args []string) error {
			ran = append(ran, fmt.Sprintf("build v=%d", env.Verbose))
			return nil
		}},
	}})
	run := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		env := &Env{Inv: Invocation{Prog: "pkg-test"}, Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
		return app.Main(context.Background(), env, args), errb.String()
	}
	if code, errOut := run("serach"); code != 2 || !strings.Contains(errOut, `unknown command "serach"`) || strings.Contains(errOut, "did you mean") {
		t.Errorf("far typo: exit %d, stderr:\n%s", code, errOut)
	}
	if code, errOut := run("lst"); code != 2 || !strings.Contains(errOut, `Hint: did you mean "pkg-test list"? (available commands: list, fail, later, index, completion)`) {
		t.Errorf("near typo: exit %d, stderr:\n%s", code, errOut)
	}
	if code, errOut := run("-v", "index", "-v", "build"); code != 0 || strings.Join(ran, ",") != "build v=2" {
		t.Errorf("flags before the verb and the subcommand: exit %d, ran %q, stderr:\n%s", code, ran, errOut)
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("x"), ExitError},
		{fault.Errorf(fault.Usage, "x"), ExitUsage},
		{fmt.Errorf("ctx: %w", fault.Errorf(fault.NotFound, "x")), ExitNotFound},
		{fault.Errorf(fault.Auth, "x"), ExitAuth},
		{fault.Errorf(fault.Conflict, "x"), ExitConflict},
		{fault.Errorf(fault.Verify, "x"), ExitVerify},
		{fault.Errorf(fault.Network, "x"), ExitNetwork},
		{fault.Errorf(fault.Partial, "x"), ExitPartial},
		{fmt.Errorf("stopping: %w", context.Canceled), ExitInterrupted},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestOutputFormat(t *testing.T) {
	t.Parallel()
	o := NewOutputFlags()
	if f, _ := o.Format(&Env{StdoutTTY: true}); f != Table {
		t.Errorf("TTY default = %s, want table", f)
	}
	if f, _ := o.Format(&Env{}); f != YAML {
		t.Errorf("pipe default = %s, want yaml", f)
	}
	o.Output = "xml"
	if _, err := o.Format(&Env{}); err == nil || !strings.Contains(err.Error(), "table, yaml, json, name") {
		t.Errorf("bad format error: %v", err)
	}
}

type named struct{ Kind, Name string }

func (n named) ObjectKind() string { return n.Kind }
func (n named) ObjectName() string { return n.Name }

func TestPrintTableAndName(t *testing.T) {
	t.Parallel()
	docs := []any{named{"Installed", "hello@1.0.0"}, named{"Installed", "world@2.0.0"}}
	cols := Columns{Headers: []string{"NAME", "KIND"}, Row: func(d any) []string { n := d.(named); return []string{n.Name, n.Kind} }}
	var buf bytes.Buffer
	if err := Print(&buf, Table, docs, cols); err != nil {
		t.Fatal(err)
	}
	want := "NAME          KIND\nhello@1.0.0   Installed\nworld@2.0.0   Installed\n"
	if buf.String() != want {
		t.Errorf("table:\n%q\nwant\n%q", buf.String(), want)
	}
	buf.Reset()
	if err := Print(&buf, Name, docs, cols); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "installed/hello@1.0.0\ninstalled/world@2.0.0\n" {
		t.Errorf("name output: %q", buf.String())
	}
	// A document without a name (a Lock of nothing) has no line, not "lock/".
	buf.Reset()
	if err := Print(&buf, Name, []any{named{"Lock", ""}}, cols); err != nil || buf.String() != "" {
		t.Errorf("a nameless document: %q %v", buf.String(), err)
	}
}

// A cell's text comes from data: it reaches the terminal without its control
// characters, on one line, in its column.
func TestPrintTableEscapesCells(t *testing.T) {
	t.Parallel()
	docs := []any{named{"desc \x1b[31mred\x1b[0m", "a\tb\nc"}, named{"ok", "d"}, named{"\u202etxt.exe", "e"}}
	cols := Columns{Headers: []string{"NAME", "DESCRIPTION"}, Row: func(d any) []string { n := d.(named); return []string{n.Name, n.Kind} }}
	var buf bytes.Buffer
	if err := Print(&buf, Table, docs, cols); err != nil {
		t.Fatal(err)
	}
	want := "NAME     DESCRIPTION\n" +
		"a b\\nc   desc \\x1b[31mred\\x1b[0m\n" +
		"d        ok\n" +
		"e        \\u202etxt.exe\n"
	if buf.String() != want {
		t.Errorf("table:\n%q\nwant\n%q", buf.String(), want)
	}
}

func TestPrintable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"héllo wörld ✓ 日本", "héllo wörld ✓ 日本"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"two\nlines\r\n", `two\nlines\x0d\n`},
		{"a\tb", "a b"},
		{"bell\a nul\x00 del\x7f", `bell\x07 nul\x00 del\x7f`},
		// C1 controls: CSI as a code point, and a lone byte that is not UTF-8.
		{"\u009b31m \u0085", `\x9b31m \x85`},
		{"\x9b31m \xff", `\x9b31m \xff`},
		{"\ufffd", "\ufffd"},
		{`C:\dir\x1b`, `C:\dir\x1b`},
		// Controls of the layout, which show nothing and reorder or break what does.
		{"invoice\u202eexe.txt", `invoice\u202eexe.txt`},
		{"\u202a\u202b\u202c\u202d \u2066\u2067\u2068\u2069", `\u202a\u202b\u202c\u202d \u2066\u2067\u2068\u2069`},
		{"\u200e \u200f \u061c", `\u200e \u200f \u061c`},
		{"line\u2028sep\u2029para", `line\u2028sep\u2029para`},
		{"שלום עולם مرحبا", "שלום עולם مرحبا"}, // right-to-left text itself stays
	} {
		if got := Printable(tc.in); got != tc.want {
			t.Errorf("Printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Errors, hints, warnings and notes quote what registries, indexes and locks said: a
// registry's error text with an escape sequence (clear the screen, print a fake line,
// set the window title) reaches the terminal escaped, and the message keeps its lines.
func TestMessagesEscapeControlCharacters(t *testing.T) {
	t.Parallel()
	hostile := "\x1b[2J\x1b[31mFAKE\x1b[0m\rOVER \x1b]0;title\a"
	escaped := `\x1b[2J\x1b[31mFAKE\x1b[0m\x0dOVER \x1b]0;title\x07`
	var buf bytes.Buffer
	PrintError(&buf, fault.New(fault.Verify, errors.New("fetching x: denied: "+hostile), "hint "+hostile))
	env := &Env{Stderr: &buf, Verbose: 1}
	env.Warnf("index says %s", hostile)
	env.Infof("note %s\nsecond line\tcolumn", hostile)
	env.Debugf("%s", hostile)
	want := "Error: fetching x: denied: " + escaped + "\n" +
		"Hint: hint " + escaped + "\n" +
		"Warning: index says " + escaped + "\n" +
		"note " + escaped + "\nsecond line\tcolumn\n" +
		escaped + "\n"
	if buf.String() != want {
		t.Errorf("got\n%q\nwant\n%q", buf.String(), want)
	}
	for _, tc := range []struct{ in, want string }{
		{"plain, ascii", "plain, ascii"},
		{"two\nlines\tand a tab", "two\nlines\tand a tab"},
		{"héllo ✓", "héllo ✓"},
		{"cr\r\n", `cr\x0d` + "\n"},
		{"\u009b31m \xff", `\x9b31m \xff`},
		{"\u202eexe.txt\n\u2066x\u2069", `\u202eexe.txt` + "\n" + `\u2066x\u2069`},
		{"one\u2028Hint: two", `one\u2028Hint: two`},
	} {
		if got := PrintableLines(tc.in); got != tc.want {
			t.Errorf("PrintableLines(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A listing verb prints one List with -o json however many items it has; a single
// document elsewhere is printed as itself.
func TestPrintListIsAlwaysAList(t *testing.T) {
	t.Parallel()
	type doc struct {
		Kind string `json:"kind"`
		Name string `json:"name"`
	}
	for n := range 3 {
		docs := make([]any, n)
		for i := range docs {
			docs[i] = doc{"Installed", fmt.Sprint("p", i)}
		}
		var buf bytes.Buffer
		if err := PrintList(&buf, JSON, docs, Columns{}); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Kind  string `json:"kind"`
			Items []doc  `json:"items"`
		}
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil || got.Kind != "List" || len(got.Items) != n {
			t.Errorf("%d items: %v\n%s", n, err, buf.String())
		}
	}
	var buf bytes.Buffer
	if err := Print(&buf, JSON, []any{doc{"Lock", "x"}}, Columns{}); err != nil || !strings.HasPrefix(buf.String(), "{\n  \"kind\": \"Lock\"") {
		t.Errorf("one document with Print: %v\n%s", err, buf.String())
	}
}

func TestSubcommands(t *testing.T) {
	t.Parallel()
	var got []string
	var to string
	app := &App{Binary: "pkg-test", Commands: []*Command{{
		Name: "index", Short: "index things", Example: "{prog} add x",
		Subcommands: []*Command{
			{Name: "add", Short: "add one", Use: "X", Args: ExactArgs("X"),
				Flags: func(fs *pflag.FlagSet) { fs.StringVar(&to, "to", "", "target") },
				Run: func(ctx context.Context, env *Env, args []string) error {
					got = append(got, args[0]+">"+to)
					if to == "" {
						return Usagef("--to is required")
					}
					return nil
				}},
		},
	}}}
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		env := &Env{Inv: Invocation{Prog: "kubectl pkg test"}, Binary: "pkg-test", Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
		return app.Main(context.Background(), env, args), out.String(), errb.String()
	}
	if code, _, _ := run("index", "add", "x", "--to", "r"); code != 0 || strings.Join(got, ",") != "x>r" {
		t.Fatalf("subcommand run: exit %d, ran %v", code, got)
	}
	if code, out, _ := run("index", "--help"); code != 0 || !strings.Contains(out, "Usage:\n  kubectl pkg test index add ... [flags]") || !strings.Contains(out, "add  add one") || !strings.Contains(out, "kubectl pkg test index add x") {
		t.Errorf("group help: exit %d\n%s", code, out)
	}
	if code, out, _ := run("index", "add", "-h"); code != 0 || !strings.Contains(out, "Usage:\n  kubectl pkg test index add X [flags]") {
		t.Errorf("subcommand help: exit %d\n%s", code, out)
	}
	// help GROUP SUB is SUB's help, as help VERB is VERB's.
	if code, out, _ := run("help", "index", "add"); code != 0 || !strings.Contains(out, "Usage:\n  kubectl pkg test index add X [flags]") {
		t.Errorf("help index add: exit %d\n%s", code, out)
	}
	if code, _, errOut := run("help", "index", "nope"); code != 2 || !strings.Contains(errOut, `unknown subcommand "nope"`) {
		t.Errorf("help index nope: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := run("index"); code != 2 || !strings.Contains(errOut, "missing subcommand: add") {
		t.Errorf("no subcommand: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := run("index", "nope"); code != 2 || !strings.Contains(errOut, `unknown subcommand "nope"`) || !strings.Contains(errOut, "Hint: available subcommands: add\n") {
		t.Errorf("unknown subcommand: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := run("index", "dad", "-v"); code != 2 || !strings.Contains(errOut, `Hint: did you mean "kubectl pkg test index add"? (available subcommands: add)`) {
		t.Errorf("a typo of a subcommand: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := run("index", "add", "x"); code != 2 || !strings.Contains(errOut, "Usage: kubectl pkg test index add X [flags]") {
		t.Errorf("subcommand usage error: exit %d\n%s", code, errOut)
	}
}

// TestFlagErrors: a mistyped flag gets "did you mean", a verb without -o points at the
// flag that chooses its output, and a value that does not parse says what the flag
// takes, never what strconv said.
func TestFlagErrors(t *testing.T) {
	t.Parallel()
	app := func() *App {
		output := NewOutputFlags()
		return &App{Binary: "pkg-test", Commands: []*Command{
			{Name: "show", Flags: func(fs *pflag.FlagSet) {
				output.AddTo(fs)
				fs.Bool("dry-run", false, "print only")
				fs.Bool("refresh", true, "update first")
				fs.Int("depth", 0, "levels")
				var platform string
				PlatformVar(fs, &platform, "platform")
			}, Run: func(ctx context.Context, env *Env, args []string) error {
				_, err := output.Format(env)
				return err
			}},
			{Name: "env", Flags: func(fs *pflag.FlagSet) {
				fs.String("shell", "", "output syntax: sh|json")
			}, Run: func(ctx context.Context, env *Env, args []string) error { return nil }},
			{Name: "plain", Run: func(ctx context.Context, env *Env, args []string) error { return nil }},
		}}
	}
	tests := []struct {
		args   []string
		stderr []string
		not    []string
	}{
		{[]string{"show", "--outptu", "yaml"}, []string{"Error: unknown flag: --outptu\nHint: did you mean --output?\nUsage: pkg-test show [flags]\n"}, nil},
		{[]string{"show", "--dryrun"}, []string{"Hint: did you mean --dry-run?"}, nil},
		{[]string{"show", "--dry"}, []string{"Hint: did you mean --dry-run?"}, nil},
		{[]string{"show", "--frobnicate"}, []string{"Error: unknown flag: --frobnicate\nUsage:"}, []string{"Hint:"}},
		{[]string{"env", "-o", "json"}, []string{"Error: unknown shorthand flag: 'o' in -o\nHint: this command has no -o; --shell chooses its output syntax: sh|json\n"}, nil},
		{[]string{"env", "--output=json"}, []string{"Hint: this command has no -o; --shell chooses its output syntax"}, nil},
		{[]string{"plain", "-o", "json"}, []string{"Error: unknown shorthand flag: 'o' in -o\nUsage:"}, []string{"Hint:"}},
		{[]string{"show", "--depth", "x"}, []string{"Error: --depth \"x\": not a whole number\nUsage: pkg-test show [flags]\n"}, []string{"strconv", "Parse"}},
		{[]string{"show", "--depth", "99999999999999999999"}, []string{"Error: --depth \"99999999999999999999\": out of range\n"}, []string{"strconv"}},
		{[]string{"show", "--refresh=maybe"}, []string{"Error: --refresh \"maybe\": not true or false (--refresh alone means true; --refresh=false turns it off)\n"}, []string{"strconv"}},
		{[]string{"show", "--platform", "linux"}, []string{"Error: --platform \"linux\": not os/arch[/variant]: write e.g. linux/amd64 or linux/arm64/v8, or any\nUsage:"}, nil},
		{[]string{"show", "--platform=linux/arm64/v8/x"}, []string{"Error: --platform \"linux/arm64/v8/x\": not os/arch[/variant]"}, nil},
		{[]string{"show", "--platform", "linux//v8"}, []string{"Error: --platform \"linux//v8\": not os/arch[/variant]"}, nil},
		{[]string{"show", "-o", "yml"}, []string{"Error: unknown output format \"yml\": use one of table, yaml, json, name\nHint: did you mean -o yaml?\nUsage: pkg-test show [flags]\n"}, nil},
		{[]string{"show", "-o", "wide"}, []string{"Error: unknown output format \"wide\""}, []string{"Hint:"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			env := &Env{Inv: Invocation{Prog: "pkg-test"}, Binary: "pkg-test", Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
			if code := app().Main(context.Background(), env, tc.args); code != ExitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, ExitUsage, errb.String())
			}
			for _, s := range tc.stderr {
				if !strings.Contains(errb.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, errb.String())
				}
			}
			for _, s := range tc.not {
				if strings.Contains(errb.String(), s) {
					t.Errorf("stderr has %q:\n%s", s, errb.String())
				}
			}
			if out.Len() > 0 {
				t.Errorf("stdout should be empty, got:\n%s", out.String())
			}
		})
	}
}
