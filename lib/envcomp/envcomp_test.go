package envcomp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/pkgspec"
)

func env(entries ...string) []pkgspec.EnvVar {
	var out []pkgspec.EnvVar
	for _, e := range entries {
		parts := strings.SplitN(e, " ", 3)
		out = append(out, pkgspec.EnvVar{Op: parts[0], Name: parts[1], Value: parts[2]})
	}
	return out
}

// toolbox: app depends on lib; ca patches app; tool depends on nothing.
func toolbox() []Package {
	return []Package{
		{Name: "tool", Version: "1.0.0", Path: "/s/tool", Env: env("set MODE tool", "append PATH ${installPath}/bin")},
		{Name: "ca", Version: "1.0.0", Path: "/s/ca", Env: env("set SSL_CERT_FILE ${installPath}/ca.pem", "set MODE site")},
		{Name: "app", Version: "2.0.0", Path: "/s/app", Env: env("prepend PATH ${installPath}/bin", "set SSL_CERT_FILE ${installPath}/certs", "set LIB ${deps.lib.installPath}/lib"),
			Dependencies: []string{"lib"}, Patches: []string{"ca"}},
		{Name: "lib", Version: "1.0.0", Path: "/s/lib", Env: env("prepend PATH ${installPath}/bin", "set MODE lib")},
	}
}

func TestOrder(t *testing.T) {
	t.Parallel()
	ordered, err := Order(toolbox())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ordered {
		got = append(got, p.Name)
	}
	if want := []string{"lib", "app", "ca", "tool"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v (dependencies first, companions right after)", got, want)
	}
	cyclic := []Package{{Name: "a", Dependencies: []string{"b"}}, {Name: "b", Dependencies: []string{"a"}}}
	if _, err := Order(cyclic); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("a cycle: %v", err)
	}
}

func TestCompose(t *testing.T) {
	t.Parallel()
	ordered, _ := Order(toolbox())
	base := []string{"PATH=/usr/bin:/s/lib/bin", "HOME=/home/u", "MODE=user"}
	res, err := Compose(base, ordered)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]Var{}
	for _, v := range res.Vars {
		vars[v.Name] = v
	}
	for name, want := range map[string]string{
		// lib's entry was already on PATH: moved to the front, not added twice.
		"PATH":          "/s/app/bin:/s/lib/bin:/usr/bin:/s/tool/bin",
		"SSL_CERT_FILE": "/s/ca/ca.pem",
		"LIB":           "/s/lib/lib",
		"MODE":          "tool",
	} {
		if got := vars[name].Value; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if _, ok := vars["HOME"]; ok {
		t.Errorf("HOME is reported as changed")
	}
	if !slices.Contains(res.Environ, "HOME=/home/u") || !slices.Contains(res.Environ, "MODE=tool") || !slices.IsSorted(res.Environ) {
		t.Errorf("environ: %v", res.Environ)
	}
	if p := vars["PATH"]; p.Set || !slices.Equal(p.Prepended, []string{"/s/app/bin", "/s/lib/bin"}) || !slices.Equal(p.Appended, []string{"/s/tool/bin"}) {
		t.Errorf("PATH parts: %+v", p)
	}
	wantNotes := []Note{
		{Info, "ca (a patch for app) sets SSL_CERT_FILE, overriding app's value"},
		{Info, "ca (a patch for app) sets MODE, overriding lib's value"},
		{Warning, "tool sets MODE, overriding ca's value (tool comes later in the order)"},
	}
	if !slices.Equal(res.Notes, wantNotes) {
		t.Errorf("notes:\n%v\nwant:\n%v", res.Notes, wantNotes)
	}
	// Composing onto the result changes nothing more.
	again, err := Compose(res.Environ, ordered)
	if err != nil || !slices.Equal(again.Environ, res.Environ) {
		t.Errorf("composing twice differs:\n%v\n%v", again.Environ, res.Environ)
	}
}

// A value that is itself a list (a:b) adds its entries one by one, so composing again
// moves them rather than adding the whole value a second time.
func TestComposeListValues(t *testing.T) {
	t.Parallel()
	pkgs := []Package{{Name: "p", Version: "1.0.0", Path: "/s/p",
		Env: env("prepend PATH ${installPath}/bin:${installPath}/sbin", "append MANPATH ${installPath}/man:${installPath}/share/man")}}
	res, err := Compose([]string{"PATH=/usr/bin:/s/p/sbin", "MANPATH=/usr/share/man"}, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"MANPATH=/usr/share/man:/s/p/man:/s/p/share/man", "PATH=/s/p/bin:/s/p/sbin:/usr/bin"}
	if !slices.Equal(res.Environ, want) {
		t.Errorf("environ %q, want %q", res.Environ, want)
	}
	again, err := Compose(res.Environ, pkgs)
	if err != nil || !slices.Equal(again.Environ, want) {
		t.Errorf("composing twice: %q (%v), want %q", again.Environ, err, want)
	}
	// $GITHUB_PATH takes one directory a line.
	for _, v := range res.Vars {
		if v.Name == "PATH" && !slices.Equal(v.Prepended, []string{"/s/p/bin", "/s/p/sbin"}) {
			t.Errorf("PATH prepended %q, want its two entries", v.Prepended)
		}
	}
}

func TestComposeErrors(t *testing.T) {
	t.Parallel()
	// Reinstalling brings a missing dependency back; it cannot mend a value the package
	// was published with, so only the first is told to.
	reinstall := "reinstall the package with its dependencies: pkg-pull add p"
	publisher := "p was published with an env value pkg-push lint refuses: ask its publisher for a version that fixes it"
	for _, tc := range []struct {
		value, want, hint string
	}{
		{"${deps.gone.installPath}/x", "gone is not installed as a dependency of p", reinstall},
		{"${HOME}/x", "unknown variable ${HOME}", publisher},
		{"${installPath", "without its closing }", publisher},
		// No environment holds a NUL: execve refuses it, shells drop what follows.
		{"a\x00b", "the value holds a NUL byte", publisher},
	} {
		_, err := Compose(nil, []Package{{Name: "p", Version: "1.0.0", Env: env("set X " + tc.value)}})
		if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), tc.want) || fault.HintOf(err) != tc.hint {
			t.Errorf("%s: %v (hint %q); want %q, hint %q", tc.value, err, fault.HintOf(err), tc.want, tc.hint)
		}
	}
}

// Install refuses what CheckValue refuses; a dependency is known only when composing.
func TestCheckValue(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"", "plain", "$HOME $$ $ {x} $(id)", "${installPath}/bin", "${deps.lib.greet.installPath}/share"} {
		if err := CheckValue(v); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
	for v, want := range map[string]string{
		"${HOME}":        "unknown variable ${HOME}",
		"${deps.x}":      "unknown variable ${deps.x}",
		"${}":            "unknown variable ${}",
		"x${installPath": "without its closing }",
		"a\x00b":         "NUL byte",
	} {
		if err := CheckValue(v); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", v, err, want)
		}
	}
}

// A name is printed unquoted, so one that is shell syntax (or a line of its own in
// $GITHUB_ENV) is refused, never printed: a package installed before pkg-pull checked
// names at install can still hold one.
func TestComposeRefusesNamesThatAreNotNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"X=1; touch pwned; Y", "Z\nPWNED=1", "$(id)", "1PATH", "A B", ""} {
		p := Package{Name: "p", Version: "1.0.0", Env: []pkgspec.EnvVar{{Name: name, Op: "set", Value: "v"}}}
		_, err := Compose(nil, []Package{p})
		if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), "is not an environment variable name") ||
			!strings.Contains(fault.HintOf(err), "pkg-pull remove p") {
			t.Errorf("name %q: want a Verify fault saying it is not a name, with a hint to remove p; got %v (hint %q)", name, err, fault.HintOf(err))
		}
	}
}

// Write and WriteGitHub print names as they are: they refuse one that is not a name
// whoever calls them, not only after Compose.
func TestWriteRefusesNamesThatAreNotNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"X=1; touch pwned; Y", "Z\nPWNED=1", "$(id)", "1PATH", ""} {
		vars := []Var{{Name: name, Value: "v", Set: true}}
		for _, shell := range Shells {
			var out bytes.Buffer
			var err error
			if shell == "github" {
				err = WriteGitHub(&out, &out, vars)
			} else {
				err = Write(&out, shell, vars)
			}
			if err == nil || !strings.Contains(err.Error(), "is not an environment variable name") || out.Len() > 0 {
				t.Errorf("%s, name %q: printed %q, error %v", shell, name, out.String(), err)
			}
		}
	}
}

// tricky values every shell must get back byte for byte.
var tricky = []string{
	"plain",
	"with spaces and\ttabs",
	`it's "quoted" \back\slashed\`,
	"$HOME `date` $(id) !bang !! !$ *glob ~tilde {a,b} ; & | < > # (x)",
	"line one\nline two\n",
	"",
	"100% %s %n %0A %25",
	"h\u00e9llo \u2713 \u65e5\u672c\u00a0\u2028 \U0001F600",
	"cr\r\nlf\r",
	`\`,
	"'",
	"-n",
	"a=b",
	// fish keeps a *PATH variable as a list of its entries: each must come back.
	"/a b:/it's:/c\\d:/e\nf",
	"/x::/y:",
}

// shell is a shell that evaluates env's output read from stdin, then prints its
// environment, NUL separated.
type shell struct {
	name, syntax string
	argv         []string
}

// shells are the shells the tests evaluate env's output with, where installed. zsh
// runs twice: RC_QUOTES changes what two quotes in a row mean inside single quotes.
var shells = []shell{
	{"sh", "sh", []string{"sh", "-c", `eval "$(cat)"; exec env -0`}},
	{"dash", "sh", []string{"dash", "-c", `eval "$(cat)"; exec env -0`}},
	{"bash", "bash", []string{"bash", "-c", `eval "$(cat)"; exec env -0`}},
	{"zsh", "zsh", []string{"zsh", "-c", `eval "$(cat)"; exec env -0`}},
	{"zsh-rcquotes", "zsh", []string{"zsh", "-o", "rcquotes", "-c", `eval "$(cat)"; exec env -0`}},
	{"fish", "fish", []string{"fish", "--no-config", "-c", `source; exec env -0`}},
}

// hostile are values written to run code in a shell that reads the quoting of one
// shell by the rules of another (fish reads \' and \\ inside single quotes as escapes,
// POSIX shells do not; zsh's RC_QUOTES reads two quotes as one), or that escape
// quoting at all. Each would create the file pwned in the shell's directory.
var hostile = []string{
	`'; touch pwned; #`,   // closed the quotes of the fish output for a POSIX shell
	`\'; touch pwned; #`,  // closed the quotes of the POSIX output for fish
	`\\'; touch pwned; #`, // and with the backslash escaped
	`'\''; touch pwned; #`,
	`x\`, // a trailing backslash, which escaped fish's closing quote
	"'' ; touch pwned ; ''",
	"a''b'''c",
	"$(touch pwned)",
	"`touch pwned`",
	"(touch pwned)",
	"x'\ntouch pwned\n'",
	"x\\\ntouch pwned\n",
	"\\\\'\ntouch pwned #",
}

// installed are the shells that are installed.
func installed(t *testing.T) []shell {
	t.Helper()
	var out []shell
	for _, sh := range shells {
		if _, err := exec.LookPath(sh.argv[0]); err == nil {
			out = append(out, sh)
		}
	}
	if len(out) == 0 {
		t.Fatal("no shell to test with")
	}
	return out
}

// run feeds script to the shell, in a directory of its own, and returns the
// variables of want it ends with. It fails the test when a hostile value ran.
func (sh shell) run(t *testing.T, script []byte, want map[string]string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(sh.argv[0], sh.argv[1:]...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(script)
	out, _ := cmd.Output() // a shell may refuse the other's syntax: what matters is below
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Errorf("%s ran a hostile value as code:\n%s", sh.name, script)
	}
	got := map[string]string{}
	for _, kv := range strings.Split(string(out), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			if _, ours := want[k]; ours {
				got[k] = v
			}
		}
	}
	return got
}

// named gives each value a variable, named *_PATH when it holds a ':' (fish keeps such
// a variable as a list of its entries: each must come back).
func named(values []string) ([]Var, map[string]string) {
	var vars []Var
	want := map[string]string{}
	for i, v := range values {
		name := fmt.Sprintf("V%d", i)
		if strings.Contains(v, ":") {
			name = fmt.Sprintf("V%d_PATH", i)
		}
		vars = append(vars, Var{Name: name, Value: v})
		want[name] = v
	}
	return vars, want
}

// TestShellQuotingRoundTrips evaluates env's output in the real shells (those
// installed) and compares what a command started from them sees with the values, and
// with what the json form says.
func TestShellQuotingRoundTrips(t *testing.T) {
	t.Parallel()
	vars, want := named(append(slices.Clone(tricky), hostile...))
	var js bytes.Buffer
	if err := Write(&js, "json", vars); err != nil {
		t.Fatal(err)
	}
	var fromJSON map[string]string
	if err := json.Unmarshal(js.Bytes(), &fromJSON); err != nil || !maps.Equal(fromJSON, want) {
		t.Errorf("json says %q (%v), want %q", fromJSON, err, want)
	}
	for _, sh := range installed(t) {
		var script bytes.Buffer
		if err := Write(&script, sh.syntax, vars); err != nil {
			t.Fatal(err)
		}
		if got := sh.run(t, script.Bytes(), want); !maps.Equal(got, want) {
			for _, v := range vars {
				if got[v.Name] != v.Value {
					t.Errorf("%s: %s is %q, want %q", sh.name, v.Name, got[v.Name], v.Value)
				}
			}
			t.Logf("%s script:\n%s", sh.name, script.String())
		}
	}
}

// TestQuoteIsShellNeutral: every shell reads a word Quote wrote back the same, so the
// output of env for one shell, read by another, never runs a value as code. Each
// value is a script of its own: one that breaks the quoting may leave the rest of a
// longer script unparsable, which would hide that it runs code when alone.
func TestQuoteIsShellNeutral(t *testing.T) {
	t.Parallel()
	for _, sh := range installed(t) {
		for _, v := range append(slices.Clone(tricky), hostile...) {
			dir := t.TempDir()
			// printf in place of eval "$(cat)" or source, with the shell's options
			argv := slices.Clone(sh.argv)
			argv[len(argv)-1] = `printf '%s\0' ` + Quote(v)
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Dir = dir
			out, err := cmd.Output()
			if _, statErr := os.Stat(filepath.Join(dir, "pwned")); statErr == nil {
				t.Errorf("%s ran %q as code", sh.name, v)
			}
			if err != nil || string(out) != v+"\x00" {
				t.Errorf("%s reads %s back as %q (%v), want %q", sh.name, Quote(v), out, err, v)
			}
		}
	}
}

// TestEnvOutputAcrossShells reads the output env prints for each shell with every
// other shell, as when a program between them hides the shell that evaluates it: a
// fish user's bash script runs `eval "$(python3 tool.py)"` and tool.py runs pkg-pull
// env, which finds no shell above it and prints for $SHELL. The other shell may refuse
// the lines (bash has no set -gx), but must never run a value as code; where the
// syntax is shared (fish reads export NAME=WORD with its export function), the value
// comes back exactly. A value is alone in its script, as in TestQuoteIsShellNeutral.
func TestEnvOutputAcrossShells(t *testing.T) {
	t.Parallel()
	for _, producer := range []string{"sh", "bash", "zsh", "fish"} {
		t.Run(producer, func(t *testing.T) {
			t.Parallel()
			for _, value := range append(slices.Clone(tricky), hostile...) {
				vars, want := named([]string{value})
				var script bytes.Buffer
				if err := Write(&script, producer, vars); err != nil {
					t.Fatal(err)
				}
				for _, sh := range installed(t) {
					got := sh.run(t, script.Bytes(), want)
					// fish's export function splits its argument with a command
					// substitution, which splits at line breaks too, and splits a
					// PATH: it takes single lines of other names.
					shared := (producer == "fish") == (sh.syntax == "fish") ||
						sh.syntax == "fish" && !strings.ContainsAny(value, "\r\n") && !strings.HasSuffix(vars[0].Name, "PATH")
					if shared && !maps.Equal(got, want) {
						t.Errorf("read by %s: %q, want %q\n%s", sh.name, got, want, script.String())
					}
				}
			}
		})
	}
}

// TestQuote shows the words Quote writes: a value without ' or \ as it is, in single
// quotes; each ' and \ outside them.
func TestQuote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", `''`},
		{"plain", `'plain'`},
		{"/opt/x y/bin", `'/opt/x y/bin'`},
		{"$HOME `id`", "'$HOME `id`'"},
		{"it's", `'it'\''s'`},
		{`C:\dir`, `'C:'\\'dir'`},
		{`'`, `\'`},
		{`\`, `\\`},
		{`''`, `\'\'`},
		{`\'`, `\\\'`},
		{`'; touch pwned; #`, `\''; touch pwned; #'`},
		{`\'; touch pwned; #`, `\\\''; touch pwned; #'`},
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestWriteFormats(t *testing.T) {
	t.Parallel()
	vars := []Var{{Name: "A", Value: "x y"}, {Name: "MANPATH", Value: "/a:/b"}, {Name: "Q", Value: "a&b<c>"}}
	for _, tc := range []struct{ shell, want string }{
		{"bash", "export A='x y'\nexport MANPATH='/a:/b'\nexport Q='a&b<c>'\n"},
		{"fish", "set -gx A 'x y'\nset -gx MANPATH '/a' '/b'\nset -gx Q 'a&b<c>'\n"},
		// Values as they are, as the project's other JSON: not \u0026 for &.
		{"json", "{\n  \"A\": \"x y\",\n  \"MANPATH\": \"/a:/b\",\n  \"Q\": \"a&b<c>\"\n}\n"},
		{"yaml", "A: x y\nMANPATH: /a:/b\nQ: a&b<c>\n"},
	} {
		var b bytes.Buffer
		if err := Write(&b, tc.shell, vars); err != nil || b.String() != tc.want {
			t.Errorf("%s: %v\n%s\nwant:\n%s", tc.shell, err, b.String(), tc.want)
		}
	}
	if err := Write(&bytes.Buffer{}, "powershell", vars); err == nil {
		t.Error("an unknown shell was accepted")
	}
}

func TestDefaultShell(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		login, shell string
		known        bool
	}{
		{"/usr/bin/fish", "fish", true},
		{"/bin/zsh", "zsh", true},
		{"bash", "bash", true},
		{"/bin/bash/", "bash", true},
		{"/bin/dash", "sh", true},
		{"/usr/bin/yash", "sh", true},
		{"/bin/ksh93", "sh", true},
		{"", "sh", true},
		// A shell with another syntax gets sh syntax, and pkg-pull says so.
		{"/bin/tcsh", "sh", false},
		{"/usr/bin/nu", "sh", false},
	} {
		if shell, known := DefaultShell(tc.login); shell != tc.shell || known != tc.known {
			t.Errorf("DefaultShell(%q) = %q, %v; want %q, %v", tc.login, shell, known, tc.shell, tc.known)
		}
	}
}

// The shell running pkg-pull decides before the login shell: the nearest ancestor that
// is a shell, past git and the like; a program that is no shell leaves it to $SHELL.
func TestDetectShell(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ancestors   []string
		login       string
		shell, from string
		known       bool
	}{
		{[]string{"bash", "fish"}, "/usr/bin/fish", "bash", "bash", true}, // a fish user's bash script
		{[]string{"-zsh", "login"}, "/bin/bash", "zsh", "zsh", true},      // a login shell's "-zsh"
		{[]string{"git", "fish"}, "/bin/bash", "fish", "fish", true},      // git pkg env
		{[]string{"sudo", "/bin/dash"}, "/bin/zsh", "sh", "dash", true},
		{[]string{"tcsh"}, "/bin/bash", "sh", "tcsh", false},
		{[]string{"python3", "bash"}, "/usr/bin/fish", "fish", "$SHELL", true}, // a program ran it
		{nil, "/bin/zsh", "zsh", "$SHELL", true},
		{[]string{"git", "kubectl", "env", "sudo"}, "", "sh", "$SHELL", true},
	} {
		shell, known, from := DetectShell(tc.ancestors, tc.login)
		if shell != tc.shell || known != tc.known || from != tc.from {
			t.Errorf("DetectShell(%q, %q) = %q, %v, %q; want %q, %v, %q", tc.ancestors, tc.login, shell, known, from, tc.shell, tc.known, tc.from)
		}
	}
}

func TestWriteGitHub(t *testing.T) {
	t.Parallel()
	vars := []Var{
		{Name: "MULTI", Value: "a\nb"},
		{Name: "PATH", Value: "/p1:/p2:/usr/bin", Prepended: []string{"/p1", "/p2"}},
		{Name: "X", Value: "1", Set: true},
	}
	var envFile, pathFile bytes.Buffer
	if err := WriteGitHub(&envFile, &pathFile, vars); err != nil {
		t.Fatal(err)
	}
	// The runner puts the last line of $GITHUB_PATH first.
	if pathFile.String() != "/p2\n/p1\n" {
		t.Errorf("GITHUB_PATH:\n%s", pathFile.String())
	}
	delim := githubDelimiter("a\nb")
	if want := "MULTI<<" + delim + "\na\nb\n" + delim + "\nX=1\n"; envFile.String() != want {
		t.Errorf("GITHUB_ENV:\n%s\nwant:\n%s", envFile.String(), want)
	}
	// A PATH that was set or appended to cannot be expressed as prepends.
	envFile.Reset()
	pathFile.Reset()
	WriteGitHub(&envFile, &pathFile, []Var{{Name: "PATH", Value: "/usr/bin:/q", Appended: []string{"/q"}}})
	if envFile.String() != "PATH=/usr/bin:/q\n" || pathFile.Len() != 0 {
		t.Errorf("appended PATH: env %q path %q", envFile.String(), pathFile.String())
	}
}

// readGitHubEnv parses a $GITHUB_ENV file as the Actions runner does (on Linux:
// lines end at \n; NAME=value, or NAME<<DELIMITER, the value's lines, DELIMITER).
func readGitHubEnv(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for len(text) > 0 {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		eq, heredoc := strings.Index(line, "="), strings.Index(line, "<<")
		switch {
		case line == "":
		case eq >= 0 && (heredoc < 0 || eq < heredoc):
			out[line[:eq]] = line[eq+1:]
		case heredoc >= 0:
			name, delim := line[:heredoc], line[heredoc+2:]
			var lines []string
			for {
				l, rest, ok := strings.Cut(text, "\n")
				if !ok || name == "" || delim == "" {
					t.Fatalf("GITHUB_ENV: no delimiter %q after %q", delim, line)
				}
				text = rest
				if l == delim {
					break
				}
				lines = append(lines, l)
			}
			out[name] = strings.Join(lines, "\n")
		default:
			t.Fatalf("GITHUB_ENV: invalid line %q", line)
		}
	}
	return out
}

// What the next step of a job sees is what the json form says: the values through
// $GITHUB_ENV, PATH through $GITHUB_PATH's prepends.
func TestWriteGitHubRoundTrips(t *testing.T) {
	t.Parallel()
	var vars []Var
	want := map[string]string{}
	for i, v := range tricky {
		name := fmt.Sprintf("V%d", i)
		vars = append(vars, Var{Name: name, Value: v, Set: true})
		want[name] = v
	}
	// A value holding what a delimiter looks like, and lines that look like commands.
	sneaky := "x\nghadelimiter_" + strings.Repeat("0", 24) + "\nEVIL=1\n" + githubDelimiter("x")
	vars = append(vars, Var{Name: "SNEAKY", Value: sneaky, Set: true},
		Var{Name: "PATH", Value: "/p1:/p 2:/usr/bin", Prepended: []string{"/p1", "/p 2"}})
	want["SNEAKY"] = sneaky
	var envFile, pathFile bytes.Buffer
	if err := WriteGitHub(&envFile, &pathFile, vars); err != nil {
		t.Fatal(err)
	}
	if got := readGitHubEnv(t, envFile.String()); !maps.Equal(got, want) {
		t.Errorf("GITHUB_ENV reads back %q, want %q\n%s", got, want, envFile.String())
	}
	// The runner prepends each line in turn (moving one it has): the last line ends up first.
	var prepended []string
	for _, dir := range strings.Split(strings.TrimSuffix(pathFile.String(), "\n"), "\n") {
		prepended = append(slices.DeleteFunc(prepended, func(s string) bool { return s == dir }), dir)
	}
	slices.Reverse(prepended)
	path := strings.Join(append(prepended, "/usr/bin"), ":")
	if path != "/p1:/p 2:/usr/bin" {
		t.Errorf("PATH after GITHUB_PATH %q: %q", pathFile.String(), path)
	}
}
