package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/stream"
)

// run is one in-process invocation of pkg-tap.
type run struct {
	code           int
	stdout, stderr string
}

func (r run) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// pkgTap runs `pkg-tap ARGS…` in-process with env as its environment and stdin as its
// standard input (never a terminal).
func pkgTap(t *testing.T, env map[string]string, stdin string, args ...string) run {
	t.Helper()
	var out, errb bytes.Buffer
	e := &cli.Env{
		Inv:    cli.Invocation{Prog: "pkg-tap"},
		Binary: "pkg-tap",
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
	}
	code := newApp().Main(context.Background(), e, args)
	return run{code: code, stdout: out.String(), stderr: errb.String()}
}

// newEnv is an environment with its own LONGSHORE_HOME, HOME and DOCKER_CONFIG.
func newEnv(t *testing.T) map[string]string {
	t.Helper()
	return map[string]string{
		"LONGSHORE_HOME": t.TempDir(),
		"HOME":           t.TempDir(),
		"DOCKER_CONFIG":  t.TempDir(),
	}
}

func mustRun(t *testing.T, env map[string]string, args ...string) run {
	t.Helper()
	r := pkgTap(t, env, "", args...)
	if r.code != 0 {
		t.Fatalf("pkg-tap %s: %s", strings.Join(args, " "), r)
	}
	return r
}

func fakeDigest(s string) string { return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(s))) }

// entries writes a directory of IndexEntry files: each name gets version 1.0.0 and
// the given description.
func entries(t *testing.T, pkgs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, desc := range pkgs {
		e := api.NewIndexEntry()
		e.Name, e.Repository, e.Description = name, "localhost:5000/test/"+name, desc
		e.Keywords = []string{"test"}
		e.Versions = []api.IndexVersion{
			{Version: "1.0.0", Digest: fakeDigest(name + "1"), Platforms: []api.Platform{{Platform: "linux/amd64", Digest: fakeDigest(name + "1a")}}},
			{Version: "1.1.0", Digest: fakeDigest(name + "2"), Dependencies: nil},
		}
		var buf bytes.Buffer
		if err := stream.WriteYAML(&buf, e); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"add", "core"}, cli.ExitUsage, "missing REF"},
		{[]string{"add", "core", "x", "y"}, cli.ExitUsage, `unexpected argument "y"`},
		{[]string{"add", "Core", "/nonexistent"}, cli.ExitUsage, `tap name "Core" is invalid`},
		{[]string{"add", "core", "/nonexistent/dir"}, cli.ExitNotFound, "/nonexistent/dir does not exist"},
		{[]string{"add", "core", "no such thing"}, cli.ExitUsage, `tap source "no such thing"`},
		{[]string{"list", "extra"}, cli.ExitUsage, "takes no arguments"},
		{[]string{"list", "-o", "wide"}, cli.ExitUsage, `unknown output format "wide"`},
		{[]string{"remove"}, cli.ExitUsage, "missing NAME"},
		{[]string{"remove", "nope"}, cli.ExitNotFound, `no tap named "nope"`},
		{[]string{"update", "nope"}, cli.ExitNotFound, `no tap named "nope"`},
		{[]string{"update"}, cli.ExitNotFound, "no taps are configured"},
		{[]string{"search", "a", "b"}, cli.ExitUsage, "search takes one QUERY"},
		{[]string{"search", "x"}, cli.ExitNotFound, "no taps are configured"},
		{[]string{"show"}, cli.ExitUsage, "missing PKG"},
		{[]string{"show", "hello"}, cli.ExitNotFound, "no taps are configured"},
		{[]string{"login"}, cli.ExitUsage, "missing REGISTRY"},
		{[]string{"login", "localhost:5000", "--password-stdin"}, cli.ExitUsage, "missing user name"},
		{[]string{"login", "localhost:5000", "-u", "alice"}, cli.ExitUsage, "standard input is not a terminal"},
		{[]string{"login", "localhost:5000", "-u", "alice", "--password", "x"}, cli.ExitUsage, "unknown flag: --password"},
		{[]string{"logout"}, cli.ExitUsage, "missing REGISTRY"},
		{[]string{"logout", "ghcr.io/org/repo"}, cli.ExitUsage, "names a repository"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			r := pkgTap(t, newEnv(t), "", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("want exit %d and %q in stderr; got %s", tt.code, tt.want, r)
			}
			if r.stdout != "" {
				t.Errorf("a failure wrote to stdout: %q", r.stdout)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	r := pkgTap(t, nil, "", "--help")
	for _, verb := range []string{"add", "list", "update", "remove", "search", "show", "login", "logout"} {
		if !strings.Contains(r.stdout, "  "+verb+" ") {
			t.Errorf("help does not list %s:\n%s", verb, r.stdout)
		}
	}
	if strings.Contains(strings.ReplaceAll(r.stdout, "index", ""), "not available yet") {
		t.Errorf("a tap verb is still marked not available:\n%s", r.stdout)
	}
	for _, verb := range []string{"add", "search", "login"} {
		if r := pkgTap(t, nil, "", verb, "-h"); r.code != 0 || !strings.Contains(r.stdout, "Usage:\n  pkg-tap "+verb) {
			t.Errorf("%s -h: %s", verb, r)
		}
	}
}

func TestTapLifecycle(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	core := entries(t, map[string]string{"hello": "Say hello", "hello-extra": "More hello", "world": "a hello world"})
	extra := entries(t, map[string]string{"hello": "Another hello"})

	r := mustRun(t, env, "add", "core", core, "-o", "yaml")
	if !strings.Contains(r.stdout, "kind: Tap\nname: core\nsource: "+core+"\n") || !strings.Contains(r.stdout, "packages: 3\nversions: 6\n") {
		t.Errorf("add -o yaml:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "Added tap core: 3 packages, 6 versions") {
		t.Errorf("add stderr: %s", r.stderr)
	}
	mustRun(t, env, "add", "extra", extra)
	if r := pkgTap(t, env, "", "add", "extra", core); r.code != cli.ExitConflict || !strings.Contains(r.stderr, "a tap named extra already exists") {
		t.Errorf("a second tap named extra: %s", r)
	}

	// list, every format.
	r = mustRun(t, env, "list", "-o", "table")
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") || !strings.HasPrefix(lines[1], "core ") || !strings.HasPrefix(lines[2], "extra ") {
		t.Errorf("list -o table:\n%s", r.stdout)
	}
	if r := mustRun(t, env, "list", "-o", "name"); r.stdout != "tap/core\ntap/extra\n" {
		t.Errorf("list -o name: %q", r.stdout)
	}
	r = mustRun(t, env, "list", "-o", "json")
	docs, err := stream.Decode(strings.NewReader(r.stdout), "list", api.Kinds)
	if err != nil || len(docs) != 2 || docs[0].Value.(*api.Tap).Packages != 3 || docs[1].Value.(*api.Tap).Digest == "" {
		t.Errorf("list -o json does not read back: %v\n%s", err, r.stdout)
	}

	// search: ranking and formats.
	r = mustRun(t, env, "search", "hello", "-o", "table")
	want := "NAME               VERSION   DESCRIPTION\n" +
		"core/hello         1.1.0     Say hello\n" +
		"extra/hello        1.1.0     Another hello\n" +
		"core/hello-extra   1.1.0     More hello\n" +
		"core/world         1.1.0     a hello world\n"
	if r.stdout != want {
		t.Errorf("search hello -o table:\n%s\nwant:\n%s", r.stdout, want)
	}
	if r := mustRun(t, env, "search", "hello", "--tap", "extra", "-o", "name"); r.stdout != "packageref/extra/hello\n" {
		t.Errorf("search --tap extra -o name: %q", r.stdout)
	}
	r = mustRun(t, env, "search", "hello", "-o", "yaml")
	docs, err = stream.Decode(strings.NewReader(r.stdout), "search", api.Kinds)
	if err != nil || len(docs) != 4 {
		t.Fatalf("search -o yaml does not read back: %v\n%s", err, r.stdout)
	}
	for _, d := range docs {
		ref, ok := d.Value.(*api.PackageRef)
		if !ok || ref.Validate() != nil || !strings.Contains(ref.Name, "/") {
			t.Errorf("%s: %+v", d.Source, d.Value)
		}
	}
	if r := mustRun(t, env, "search", "nothing-like-this", "-o", "table"); r.stdout != "" || !strings.Contains(r.stderr, "No package matches") {
		t.Errorf("a search without hits: %s", r)
	}
	if r := mustRun(t, env, "search", "nothing-like-this", "-o", "json"); !strings.Contains(r.stdout, `"items": []`) {
		t.Errorf("a search without hits, -o json: %s", r)
	}

	// show: TAP/NAME, the ambiguity, formats.
	r = mustRun(t, env, "show", "core/hello", "-o", "table")
	for _, w := range []string{"core/hello: Say hello", "Repository:  localhost:5000/test/hello", "Latest:      1.1.0", "VERSION", "1.0.0     linux/amd64"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("show core/hello does not say %q:\n%s", w, r.stdout)
		}
	}
	r = pkgTap(t, env, "", "show", "hello")
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "core/hello, extra/hello") {
		t.Errorf("show of an ambiguous name: %s", r)
	}
	r = mustRun(t, env, "show", "extra/hello", "-o", "yaml")
	docs, err = stream.Decode(strings.NewReader(r.stdout), "show", api.Kinds)
	if err != nil || len(docs) != 1 || docs[0].Value.(*api.IndexEntry).Description != "Another hello" {
		t.Errorf("show -o yaml: %v\n%s", err, r.stdout)
	}
	if r := mustRun(t, env, "show", "world"); !strings.Contains(r.stdout, "name: world") {
		t.Errorf("show of a unique bare name: %s", r)
	}

	// update: unchanged, then a change in the directory.
	r = mustRun(t, env, "update")
	if !strings.Contains(r.stderr, "core is up to date") || !strings.Contains(r.stderr, "extra is up to date") || r.stdout != "" {
		t.Errorf("update without changes: %s", r)
	}
	if err := os.Remove(filepath.Join(core, "world.yaml")); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, env, "update", "core")
	if !strings.Contains(r.stderr, "Updated core: 2 packages, 4 versions") {
		t.Errorf("update core: %s", r)
	}

	// remove.
	r = mustRun(t, env, "remove", "extra")
	if !strings.Contains(r.stderr, "Removed tap extra") {
		t.Errorf("remove: %s", r)
	}
	if r := mustRun(t, env, "list", "-o", "name"); r.stdout != "tap/core\n" {
		t.Errorf("list after remove: %q", r.stdout)
	}
	if r := mustRun(t, env, "show", "hello", "-o", "name"); r.stdout != "indexentry/hello\n" {
		t.Errorf("show hello after extra went: %q", r.stdout)
	}
}

func TestRemoveRefusesInstalled(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	mustRun(t, env, "add", "core", entries(t, map[string]string{"hello": ""}))
	inst := api.NewInstalled()
	inst.Name, inst.Version, inst.Platform, inst.Tap, inst.Reason = "hello", "1.1.0", "any", "core", api.ReasonExplicit
	inst.Digest, inst.Source, inst.Path = fakeDigest("x"), "localhost:5000/test/hello@"+fakeDigest("x"), "pkgs/sha256/x"
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, inst); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(env["LONGSHORE_HOME"], "installed.yaml"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := pkgTap(t, env, "", "remove", "core")
	if r.code != cli.ExitConflict || !strings.Contains(r.stderr, "hello 1.1.0") || !strings.Contains(r.stderr, "--force") {
		t.Errorf("remove of a tap in use: %s", r)
	}
	r = mustRun(t, env, "remove", "core", "--force")
	if !strings.Contains(r.stderr, "Removed tap core") || !strings.Contains(r.stderr, "orphaned") || !strings.Contains(r.stderr, "hello 1.1.0") {
		t.Errorf("remove --force: %s", r)
	}
}

func TestUpdatePartial(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	good := entries(t, map[string]string{"hello": ""})
	bad := entries(t, map[string]string{"world": ""})
	mustRun(t, env, "add", "good", good)
	mustRun(t, env, "add", "bad", bad)
	if err := os.RemoveAll(bad); err != nil {
		t.Fatal(err)
	}
	r := pkgTap(t, env, "", "update")
	if r.code != cli.ExitPartial || !strings.Contains(r.stderr, "good is up to date") || !strings.Contains(r.stderr, "Failed: tap bad:") ||
		!strings.Contains(r.stderr, "Error: 1 of 2 taps could not be updated: bad") {
		t.Errorf("update with one tap gone: %s", r)
	}
	r = pkgTap(t, env, "", "update", "bad")
	if r.code != cli.ExitNotFound || strings.Count(r.stderr, "Error:") != 1 || strings.Contains(r.stderr, "Failed:") {
		t.Errorf("update of the missing tap alone: %s", r)
	}
}
