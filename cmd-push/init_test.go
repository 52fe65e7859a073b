package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/stream"
)

// invocation runs pkg-push in-process, as the user would type it under inv.
type invocation struct {
	inv    cli.Invocation
	env    map[string]string
	tty    bool
	args   []string
	code   int
	stdout string
	stderr string
}

// pkgPush runs `pkg-push ARGS…` in-process and returns the exit code and output.
func pkgPush(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	r := &invocation{inv: cli.Invocation{Prog: "pkg-push"}, env: env, args: args}
	r.run()
	return r.code, r.stdout, r.stderr
}

func (r *invocation) run() {
	var out, errb bytes.Buffer
	env := &cli.Env{
		Inv:       r.inv,
		Binary:    "pkg-push",
		Stdin:     strings.NewReader(""),
		Stdout:    &out,
		Stderr:    &errb,
		StdoutTTY: r.tty,
		Getenv:    func(k string) string { return r.env[k] },
	}
	r.code = newApp().Main(context.Background(), env, r.args)
	r.stdout, r.stderr = out.String(), errb.String()
}

var scaffoldFiles = []string{"package.yaml", "README.md", "bin/my-tool", ".pkgignore", ".github/workflows/publish.yml"}

func TestInitCreatesThenRefuses(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "My Tool")
	code, stdout, stderr := pkgPush(t, nil, "init", dir)
	if code != 0 {
		t.Fatalf("init exited %d:\n%s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("init wrote to stdout: %q", stdout)
	}
	for _, f := range scaffoldFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("init did not create %s: %v", f, err)
		}
		if !strings.Contains(stderr, filepath.Join(dir, f)) {
			t.Errorf("init's report does not list %s:\n%s", f, stderr)
		}
	}
	if !strings.Contains(stderr, "Created package my-tool 0.1.0") || !strings.Contains(stderr, "pkg-push lint "+dir) {
		t.Errorf("stderr = %q", stderr)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "package.yaml"))

	code, _, stderr = pkgPush(t, nil, "init", dir)
	if code != cli.ExitConflict {
		t.Fatalf("second init exited %d, want %d:\n%s", code, cli.ExitConflict, stderr)
	}
	for _, f := range scaffoldFiles {
		if !strings.Contains(stderr, f) {
			t.Errorf("the refusal does not name %s:\n%s", f, stderr)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "package.yaml")); !bytes.Equal(before, after) {
		t.Error("the second init changed package.yaml")
	}
}

func TestInitArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		code    int
		stderr  string
		version string
		pkgName string
	}{
		{name: "name and version flags", args: []string{"--name", "hello", "--version", "1.2.3"}, pkgName: "hello", version: "1.2.3"},
		{name: "flags after DIR", args: []string{"DIR", "--name", "hello"}, pkgName: "hello", version: "0.1.0"},
		{name: "invalid name", args: []string{"--name", "Hello"}, code: cli.ExitUsage, stderr: `package name "Hello" is invalid`},
		{name: "invalid version", args: []string{"--version", "v1"}, code: cli.ExitUsage, stderr: `version "v1" is not a semantic version`},
		{name: "leading zero", args: []string{"--version", "01.0.0"}, code: cli.ExitUsage, stderr: `version "01.0.0" is not a semantic version: 01 has a leading zero, which SemVer does not allow in a number: write 1.0.0`},
		{name: "two directories", args: []string{"DIR", "other"}, code: cli.ExitUsage, stderr: "expected at most one DIR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "pkg")
			args := []string{"init"}
			hasDir := false
			for _, a := range tt.args {
				if a == "DIR" {
					a, hasDir = dir, true
				}
				args = append(args, a)
			}
			if !hasDir {
				args = append(args, dir)
			}
			code, _, stderr := pkgPush(t, nil, args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
			if tt.code != 0 {
				if _, err := os.Stat(filepath.Join(dir, "package.yaml")); err == nil {
					t.Error("a failed init wrote package.yaml")
				}
				return
			}
			data, err := os.ReadFile(filepath.Join(dir, "package.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), "  name: "+tt.pkgName+"\n") || !strings.Contains(string(data), "  version: "+tt.version+"\n") {
				t.Errorf("package.yaml does not hold name %s and version %s", tt.pkgName, tt.version)
			}
		})
	}
}

// TestInitLintPush proves the loop the issue asks for: the scaffold passes lint (no
// error; warnings only for the placeholders init leaves to the publisher, which fail
// --strict) and publishes unchanged, all through pkg-push's own verbs.
func TestInitLintPush(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := filepath.Join(root, "hello")
	if code, _, stderr := pkgPush(t, nil, "init", dir); code != 0 {
		t.Fatalf("init exited %d:\n%s", code, stderr)
	}

	if code, _, stderr := pkgPush(t, nil, "lint", dir, "--strict"); code != cli.ExitVerify || !strings.Contains(stderr, "lint found 3 warnings") {
		t.Errorf("lint --strict of the placeholders exited %d:\n%s", code, stderr)
	}
	code, stdout, stderr := pkgPush(t, nil, "lint", dir, "-o", "yaml")
	if code != 0 {
		t.Fatalf("lint exited %d:\n%s\n%s", code, stdout, stderr)
	}
	docs, err := stream.Decode(strings.NewReader(stdout), "lint", api.Kinds)
	if err != nil || len(docs) != 1 {
		t.Fatalf("lint -o yaml: %v (%d documents)\n%s", err, len(docs), stdout)
	}
	report, ok := docs[0].Value.(*api.LintReport)
	if !ok {
		t.Fatalf("lint printed a %s, not a LintReport", docs[0].Kind)
	}
	if report.Errors != 0 || report.Warnings != 3 || len(report.Findings) != 3 || report.Package != "hello" || report.Version != "0.1.0" {
		t.Errorf("report = %+v", report)
	}
	for _, f := range report.Findings {
		if f.Rule != "placeholder" {
			t.Errorf("finding: %+v", f)
		}
	}
	if !strings.Contains(stderr, "hello: 0 errors, 3 warnings") {
		t.Errorf("lint stderr = %q", stderr)
	}

	repo := "ocidir://" + filepath.Join(root, "registry", "hello")
	code, stdout, stderr = pkgPush(t, nil, dir, "--to", repo, "-o", "yaml")
	if code != 0 {
		t.Fatalf("push exited %d:\n%s", code, stderr)
	}
	docs, err = stream.Decode(strings.NewReader(stdout), "push", api.Kinds)
	if err != nil || len(docs) != 1 {
		t.Fatalf("push -o yaml: %v\n%s", err, stdout)
	}
	pub, ok := docs[0].Value.(*api.Published)
	if !ok || pub.Name != "hello" || pub.Version != "0.1.0" || !strings.HasPrefix(pub.Digest, "sha256:") || !slices.Contains(pub.Tags, "0.1.0") {
		t.Fatalf("published = %+v", docs[0].Value)
	}
	if _, err := os.Stat(filepath.Join(root, "registry", "hello", "index.json")); err != nil {
		t.Errorf("no OCI layout at the target: %v", err)
	}
}

func TestInitAsKubectlPlugin(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "hello")
	r := &invocation{inv: cli.Invocation{Prog: "kubectl pkg init", Verb: "init"}, args: []string{dir}}
	r.run()
	if r.code != 0 || !strings.Contains(r.stderr, "kubectl pkg lint "+dir) || !strings.Contains(r.stderr, "kubectl pkg push "+dir) {
		t.Fatalf("kubectl pkg init: exit %d\n%s", r.code, r.stderr)
	}
	r = &invocation{inv: cli.Invocation{Prog: "kubectl pkg lint", Verb: "lint"}, args: []string{dir}}
	r.run()
	if r.code != 0 {
		t.Fatalf("kubectl pkg lint: exit %d\n%s", r.code, r.stderr)
	}
}
