package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/stream"
)

// brokenYAML has an error on line 5 (leading v) and a warning on line 7 (unknown
// license); bin/hello is written without its executable bit (an error on line 10).
const brokenYAML = `apiVersion: longshore.dev/v1alpha1
kind: Package
metadata:
  name: hello
  version: v1.0.0
  description: Say hello
  license: Nonsense-1.0
  homepage: https://example.com/hello
  source: https://github.com/org/hello
spec: {bin: [bin/hello]}
`

// writePackage writes package.yaml and bin/hello (with mode) under parent/name.
func writePackage(t *testing.T, parent, name, yaml string, mode os.FileMode) string {
	t.Helper()
	dir := filepath.Join(parent, name)
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin", "hello"), []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLintBrokenPackage(t *testing.T) {
	t.Parallel()
	dir := writePackage(t, t.TempDir(), "hello", brokenYAML, 0o644)
	code, stdout, stderr := pkgPush(t, nil, "lint", dir, "-o", "table")
	if code != cli.ExitVerify {
		t.Fatalf("exit %d, want %d\n%s", code, cli.ExitVerify, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "RULE") || !strings.Contains(lines[0], "SEVERITY") ||
		!strings.Contains(lines[0], "LOCATION") || !strings.Contains(lines[0], "MESSAGE") {
		t.Fatalf("table:\n%s", stdout)
	}
	for i, want := range [][]string{
		{"version", "error", filepath.Join(dir, "package.yaml") + ":5", "drop the leading v"},
		{"license", "warning", filepath.Join(dir, "package.yaml") + ":7", "Nonsense-1.0"},
		{"bin", "error", filepath.Join(dir, "package.yaml") + ":10", "chmod +x"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i+1], w) {
				t.Errorf("row %d %q lacks %q", i+1, lines[i+1], w)
			}
		}
	}
	for _, w := range []string{dir + ": 2 errors, 1 warning", "Error: lint found 2 errors in " + dir, "docs/lint-rules.md"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	if strings.Contains(stderr, "::error") {
		t.Error("annotations printed outside GitHub Actions")
	}
}

func TestLintOutputFormats(t *testing.T) {
	t.Parallel()
	dir := writePackage(t, t.TempDir(), "hello", brokenYAML, 0o644)
	tests := []struct {
		name string
		args []string
		tty  bool
	}{
		{name: "-o yaml", args: []string{"-o", "yaml"}},
		{name: "-o json", args: []string{"-o", "json"}},
		{name: "yaml by default off a terminal", args: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &invocation{inv: cli.Invocation{Prog: "pkg-push"}, args: append([]string{"lint", dir}, tt.args...), tty: tt.tty}
			r.run()
			if r.code != cli.ExitVerify {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			docs, err := stream.Decode(strings.NewReader(r.stdout), "lint", api.Kinds)
			if err != nil || len(docs) != 1 {
				t.Fatalf("decode: %v\n%s", err, r.stdout)
			}
			report, ok := docs[0].Value.(*api.LintReport)
			if !ok {
				t.Fatalf("got kind %s", docs[0].Kind)
			}
			if report.Errors != 2 || report.Warnings != 1 || report.Package != "hello" || report.Version != "v1.0.0" || report.Dir != dir {
				t.Errorf("report header = %+v", report)
			}
			if len(report.Findings) != 3 || report.Findings[0] != (api.Finding{Rule: "version", Severity: "error", File: "package.yaml", Line: 5, Message: report.Findings[0].Message}) {
				t.Errorf("findings = %+v", report.Findings)
			}
		})
	}
	r := &invocation{inv: cli.Invocation{Prog: "pkg-push"}, args: []string{"lint", dir}, tty: true}
	r.run()
	if !strings.HasPrefix(r.stdout, "RULE") {
		t.Errorf("on a terminal the default is a table, got:\n%s", r.stdout)
	}
	if code, _, stderr := pkgPush(t, nil, "lint", dir, "-o", "name"); code != cli.ExitUsage || !strings.Contains(stderr, "table, yaml, json") {
		t.Errorf("-o name: exit %d\n%s", code, stderr)
	}
}

func TestLintStrict(t *testing.T) {
	t.Parallel()
	warnOnly := strings.Replace(brokenYAML, "v1.0.0", "1.0.0", 1)
	dir := writePackage(t, t.TempDir(), "hello", warnOnly, 0o755)
	code, _, stderr := pkgPush(t, nil, "lint", dir)
	if code != 0 || !strings.Contains(stderr, "0 errors, 1 warning") {
		t.Errorf("warnings only: exit %d\n%s", code, stderr)
	}
	code, _, stderr = pkgPush(t, nil, "lint", dir, "--strict")
	if code != cli.ExitVerify || !strings.Contains(stderr, "lint found 1 warning") || !strings.Contains(stderr, "--strict") {
		t.Errorf("--strict: exit %d\n%s", code, stderr)
	}
}

func TestLintMissingDir(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := pkgPush(t, nil, "lint", filepath.Join(t.TempDir(), "nope"))
	if code != cli.ExitNotFound || stdout != "" || !strings.Contains(stderr, "does not exist") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestLintGitHubAnnotations(t *testing.T) {
	t.Parallel()
	workspace := t.TempDir()
	dir := writePackage(t, workspace, "pkgs/hello", brokenYAML, 0o644)
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": workspace}
	code, stdout, stderr := pkgPush(t, env, "lint", dir, "-o", "yaml")
	if code != cli.ExitVerify {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if strings.Contains(stdout, "::") {
		t.Errorf("annotations leaked into stdout:\n%s", stdout)
	}
	for _, want := range []string{
		"\n::error file=pkgs/hello/package.yaml,line=5,title=version::metadata.version \"v1.0.0\" is not a semantic version",
		"\n::warning file=pkgs/hello/package.yaml,line=7,title=license::metadata.license \"Nonsense-1.0\"",
		"\n::error file=pkgs/hello/package.yaml,line=10,title=bin::",
	} {
		if !strings.Contains("\n"+stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestLintAnnotationsEscapeFileNames: a content file's name holds any byte but NUL and
// '/': the annotation naming it reaches the job's log without its escape sequences and
// bidi overrides, as the terminal's lines do.
func TestLintAnnotationsEscapeFileNames(t *testing.T) {
	t.Parallel()
	workspace := t.TempDir()
	dir := writePackage(t, workspace, "hello", "apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata:\n  name: hello\n  version: 1.0.0\n  description: d\n  license: MIT\nspec: {}\n", 0o644)
	if err := os.WriteFile(filepath.Join(dir, "evil\x1b[2J\x1b]0;pwned\a\u202eexe.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": workspace}
	for _, verb := range [][]string{{"lint", dir}, {dir, "--to", "ocidir://" + filepath.Join(t.TempDir(), "reg") + "/hello"}} {
		_, _, stderr := pkgPush(t, env, verb...)
		const want = "\n::error file=hello/evil\\x1b[2J\\x1b]0;pwned\\x07\\u202eexe.txt,title=content-path::"
		if strings.ContainsAny(stderr, "\x1b\a\u202e") || !strings.Contains("\n"+stderr, want) {
			t.Errorf("%s: want the name escaped in the annotation:\n%q", verb[0], stderr)
		}
	}
}

// TestLintNeverPrintsCredentials: the table, the report and the annotations (which
// anyone who can read the repository sees) show a URL's credentials masked.
func TestLintNeverPrintsCredentials(t *testing.T) {
	t.Parallel()
	withCredentials := strings.Replace(brokenYAML, "https://example.com/hello", "https://me:secret@example.com/hello", 1)
	workspace := t.TempDir()
	dir := writePackage(t, workspace, "hello", withCredentials, 0o755)
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": workspace}
	for _, format := range []string{"table", "yaml", "json"} {
		code, stdout, stderr := pkgPush(t, env, "lint", dir, "-o", format)
		if code != cli.ExitVerify {
			t.Fatalf("-o %s: exit %d\n%s", format, code, stderr)
		}
		if strings.Contains(stdout+stderr, "secret") {
			t.Errorf("-o %s printed the credential:\n%s\n%s", format, stdout, stderr)
		}
		if want := "::error file=hello/package.yaml,line=8,title=url::metadata.homepage \"https://***@example.com/hello\" holds credentials"; !strings.Contains(stderr, want) {
			t.Errorf("-o %s: stderr lacks %q:\n%s", format, want, stderr)
		}
	}
}

func TestAnnotation(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	tests := []struct {
		name      string
		dir       string
		workspace string
		f         api.Finding
		want      string
	}{
		{name: "relative to the workspace", dir: filepath.Join(ws, "a"), workspace: ws,
			f:    api.Finding{Rule: "version", Severity: "error", File: "package.yaml", Line: 3, Message: "bad"},
			want: "::error file=a/package.yaml,line=3,title=version::bad"},
		{name: "warning without a line", dir: "pkg", f: api.Finding{Rule: "content-size", Severity: "warning", File: "data/big", Message: "m"},
			want: "::warning file=pkg/data/big,title=content-size::m"},
		{name: "outside the workspace stays absolute", dir: "/elsewhere/p", workspace: ws,
			f:    api.Finding{Rule: "r", Severity: "error", File: "f", Message: "m"},
			want: "::error file=/elsewhere/p/f,title=r::m"},
		{name: "escaping", dir: "d", f: api.Finding{Rule: "r", Severity: "error", File: "a,b:c%\nd", Line: 1, Message: "50% of\nlines: a, b"},
			want: "::error file=d/a%2Cb%3Ac%25%0Ad,line=1,title=r::50%25 of%0Alines: a, b"},
		// A file name holds any byte: its control characters reach the log escaped as
		// on a terminal, and so does a CR (which the runner would take as a line break).
		{name: "control characters", dir: "d", f: api.Finding{Rule: "r", Severity: "error", File: "evil\x1b[2J\x1b]0;pwned\a\u202eexe.txt", Message: "bad\x1b[31m\r\nname"},
			want: `::error file=d/evil\x1b[2J\x1b]0;pwned\x07\u202eexe.txt,title=r::bad\x1b[31m\x0d%0Aname`},
		{name: "no file", dir: "d", f: api.Finding{Rule: "r", Severity: "error", Message: "m"}, want: "::error title=r::m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := annotation(tt.dir, tt.workspace, tt.f); got != tt.want {
				t.Errorf("annotation = %q\nwant         %q", got, tt.want)
			}
		})
	}
}

func TestLintReportJSONRoundTrip(t *testing.T) {
	t.Parallel()
	dir := writePackage(t, t.TempDir(), "hello", brokenYAML, 0o644)
	_, stdout, _ := pkgPush(t, nil, "lint", dir, "-o", "json")
	var raw map[string]any
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"apiVersion", "kind", "package", "version", "dir", "findings", "errors", "warnings"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("json report lacks %q:\n%s", k, stdout)
		}
	}
}

// A file name may hold any byte; lint's table and push's error lines must not pass an
// escape sequence from a package's content to the terminal.
func TestLintEscapesControlCharacters(t *testing.T) {
	t.Parallel()
	dir := writePackage(t, t.TempDir(), "hello", "apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata:\n  name: hello\n  version: 1.0.0\nspec:\n  bin: [bin/hello]\n", 0o755)
	if err := os.WriteFile(filepath.Join(dir, "evil\x1b[2Jname"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stdout, stderr := pkgPush(t, nil, "lint", dir, "-o", "table")
	if strings.ContainsRune(stdout, 0x1b) || strings.ContainsRune(stderr, 0x1b) {
		t.Errorf("a raw ESC reached the terminal:\n%q\n%q", stdout, stderr)
	}
	if !strings.Contains(stdout, `evil\x1b[2Jname`) {
		t.Errorf("the finding does not show the name escaped:\n%s", stdout)
	}
}

// A directory's name is printed without its control characters: in the summary line,
// the table and the error.
func TestLintEscapesTheDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "hello\x1b[31m")
	if code, _, stderr := pkgPush(t, nil, "init", dir, "--name", "hello"); code != 0 {
		t.Fatalf("init: exit %d\n%s", code, stderr)
	}
	escaped := strings.ReplaceAll(dir, "\x1b", `\x1b`)
	code, stdout, stderr := pkgPush(t, nil, "lint", dir)
	if code != 0 || !strings.Contains(stderr, escaped+": 0 errors, 3 warnings\n") || strings.Contains(stdout+stderr, "\x1b") {
		t.Errorf("a new package (warned of init's placeholders): exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	broken := writePackage(t, dir, "broken\x1b]0;title\a", brokenYAML, 0o644)
	escaped = strings.NewReplacer("\x1b", `\x1b`, "\a", `\x07`).Replace(broken)
	code, stdout, stderr = pkgPush(t, nil, "lint", broken, "-o", "table")
	if code != cli.ExitVerify || !strings.Contains(stdout, escaped+"/package.yaml:5") ||
		!strings.Contains(stderr, "lint found 2 errors in "+escaped+"\n") || strings.ContainsAny(stdout+stderr, "\x1b\a") {
		t.Errorf("a broken package: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
