package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/cli/clitest"
	"longshore.dev/lib/stream"
)

// run is one in-process invocation of pkg-tap.
type run = clitest.Result

// pkgTap runs `pkg-tap ARGS…` in-process with env as its environment and stdin as its
// standard input (never a terminal).
func pkgTap(t *testing.T, env map[string]string, stdin string, args ...string) run {
	t.Helper()
	return clitest.Run(newApp(), env, stdin, args...)
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
	if r.Code != 0 {
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
		{[]string{"add", "core", "/nonexistent/dir"}, cli.ExitNotFound, "Error: adding tap core: /nonexistent/dir: no such directory or file of IndexEntry documents\nHint: a tap source is an index reference"},
		{[]string{"add", "core", "no such thing"}, cli.ExitUsage, `tap source "no such thing"`},
		{[]string{"list", "extra"}, cli.ExitUsage, "takes no arguments"},
		{[]string{"list", "-o", "wide"}, cli.ExitUsage, `unknown output format "wide"`},
		{[]string{"remove"}, cli.ExitUsage, "missing NAME"},
		{[]string{"remove", "nope"}, cli.ExitNotFound, `no tap named "nope"`},
		{[]string{"update", "nope"}, cli.ExitNotFound, `no tap named "nope"`},
		{[]string{"update"}, cli.ExitNotFound, "no taps are configured"},
		{[]string{"search", "a", "b"}, cli.ExitNotFound, "no taps are configured"}, // words, not a usage error
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
			if r.Code != tt.code || !strings.Contains(r.Stderr, tt.want) {
				t.Fatalf("want exit %d and %q in stderr; got %s", tt.code, tt.want, r)
			}
			if r.Stdout != "" {
				t.Errorf("a failure wrote to stdout: %q", r.Stdout)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	r := pkgTap(t, nil, "", "--help")
	for _, verb := range []string{"add", "list", "update", "remove", "search", "show", "login", "logout"} {
		if !strings.Contains(r.Stdout, "  "+verb+" ") {
			t.Errorf("help does not list %s:\n%s", verb, r.Stdout)
		}
	}
	if strings.Contains(strings.ReplaceAll(r.Stdout, "index", ""), "not available yet") {
		t.Errorf("a tap verb is still marked not available:\n%s", r.Stdout)
	}
	for _, verb := range []string{"add", "search", "login"} {
		if r := pkgTap(t, nil, "", verb, "-h"); r.Code != 0 || !strings.Contains(r.Stdout, "Usage:\n  pkg-tap "+verb) {
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
	if !strings.Contains(r.Stdout, "kind: Tap\nname: core\nsource: "+core+"\n") || !strings.Contains(r.Stdout, "packages: 3\nversions: 6\n") {
		t.Errorf("add -o yaml:\n%s", r.Stdout)
	}
	if !strings.Contains(r.Stderr, "Added tap core: 3 packages, 6 versions") {
		t.Errorf("add stderr: %s", r.Stderr)
	}
	mustRun(t, env, "add", "extra", extra)
	if r := pkgTap(t, env, "", "add", "extra", core); r.Code != cli.ExitConflict || !strings.Contains(r.Stderr, "a tap named extra already exists") {
		t.Errorf("a second tap named extra: %s", r)
	}

	// list, every format.
	r = mustRun(t, env, "list", "-o", "table")
	if lines := strings.Split(strings.TrimSpace(r.Stdout), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") || !strings.HasPrefix(lines[1], "core ") || !strings.HasPrefix(lines[2], "extra ") {
		t.Errorf("list -o table:\n%s", r.Stdout)
	}
	if r := mustRun(t, env, "list", "-o", "name"); r.Stdout != "tap/core\ntap/extra\n" {
		t.Errorf("list -o name: %q", r.Stdout)
	}
	r = mustRun(t, env, "list", "-o", "json")
	docs, err := stream.Decode(strings.NewReader(r.Stdout), "list", api.Kinds)
	if err != nil || len(docs) != 2 || docs[0].Value.(*api.Tap).Packages != 3 || docs[1].Value.(*api.Tap).Digest == "" {
		t.Errorf("list -o json does not read back: %v\n%s", err, r.Stdout)
	}

	// search: ranking and formats.
	r = mustRun(t, env, "search", "hello", "-o", "table")
	want := "NAME               VERSION   DESCRIPTION\n" +
		"core/hello         1.1.0     Say hello\n" +
		"extra/hello        1.1.0     Another hello\n" +
		"core/hello-extra   1.1.0     More hello\n" +
		"core/world         1.1.0     a hello world\n"
	if r.Stdout != want {
		t.Errorf("search hello -o table:\n%s\nwant:\n%s", r.Stdout, want)
	}
	if r := mustRun(t, env, "search", "hello", "--tap", "extra", "-o", "name"); r.Stdout != "packageref/extra/hello\n" {
		t.Errorf("search --tap extra -o name: %q", r.Stdout)
	}
	r = mustRun(t, env, "search", "hello", "-o", "yaml")
	docs, err = stream.Decode(strings.NewReader(r.Stdout), "search", api.Kinds)
	if err != nil || len(docs) != 4 {
		t.Fatalf("search -o yaml does not read back: %v\n%s", err, r.Stdout)
	}
	for _, d := range docs {
		ref, ok := d.Value.(*api.PackageRef)
		if !ok || ref.Validate() != nil || !strings.Contains(ref.Name, "/") {
			t.Errorf("%s: %+v", d.Source, d.Value)
		}
	}
	// The documents carry what the table shows, in its order; they ask for no version.
	r = mustRun(t, env, "search", "hello", "-o", "json")
	var found struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &found); err != nil {
		t.Fatalf("search -o json: %v\n%s", err, r.Stdout)
	}
	var rows []string
	for _, it := range found.Items {
		rows = append(rows, fmt.Sprintf("%v %v %v %v", it["name"], it["latest"], it["description"], it["version"]))
	}
	if got := strings.Join(rows, "\n"); got != "core/hello 1.1.0 Say hello <nil>\n"+
		"extra/hello 1.1.0 Another hello <nil>\n"+
		"core/hello-extra 1.1.0 More hello <nil>\n"+
		"core/world 1.1.0 a hello world <nil>" {
		t.Errorf("search hello -o json, name latest description version:\n%s", got)
	}
	if r := mustRun(t, env, "search", "nothing-like-this", "-o", "table"); r.Stdout != "" ||
		!strings.Contains(r.Stderr, `No package matches "nothing-like-this": searched the cached indexes of 2 taps; `+"`pkg-tap update` refreshes them.") {
		t.Errorf("a search without hits: %s", r)
	}
	// Empty output on a pipe is explained on stderr too.
	if r := mustRun(t, env, "search", "nothing-like-this", "--tap", "core", "-o", "yaml"); r.Stdout != "" ||
		!strings.Contains(r.Stderr, "searched the cached index of tap core; `pkg-tap update core` refreshes it.") {
		t.Errorf("a search without hits, -o yaml: %s", r)
	}
	if r := mustRun(t, env, "search", "nothing-like-this", "-o", "json"); !strings.Contains(r.Stdout, `"items": []`) || !strings.Contains(r.Stderr, "No package matches") {
		t.Errorf("a search without hits, -o json: %s", r)
	}

	// show: TAP/NAME, the ambiguity, formats.
	r = mustRun(t, env, "show", "core/hello", "-o", "table")
	for _, w := range []string{"core/hello: Say hello", "Repository:  localhost:5000/test/hello", "Latest:      1.1.0", "VERSION", "1.0.0     linux/amd64"} {
		if !strings.Contains(r.Stdout, w) {
			t.Errorf("show core/hello does not say %q:\n%s", w, r.Stdout)
		}
	}
	r = pkgTap(t, env, "", "show", "hello")
	if r.Code != cli.ExitUsage || !strings.Contains(r.Stderr, "core/hello, extra/hello") {
		t.Errorf("show of an ambiguous name: %s", r)
	}
	// Its hint makes a tap the default, and that works for a tap already added.
	if !strings.Contains(r.Stderr, "`pkg-tap add core "+core+" --default`") {
		t.Errorf("the hint of an ambiguous name does not say how to make core the default: %s", r)
	}
	r = mustRun(t, env, "add", "core", core, "--default", "-o", "name")
	if r.Stdout != "tap/core\n" || !strings.Contains(r.Stderr, "Tap core ("+core+") is the default tap; nothing was fetched") {
		t.Errorf("add core --default again: %s", r)
	}
	if r := mustRun(t, env, "add", "extra", extra, "--default"); !strings.Contains(r.Stderr, "extra is now the default tap instead of core") || strings.Contains(r.Stderr, "Added tap") {
		t.Errorf("add extra --default again: %s", r)
	}
	if r := mustRun(t, env, "show", "hello", "-o", "yaml"); !strings.Contains(r.Stdout, "description: Another hello") {
		t.Errorf("show hello with extra the default: %s", r)
	}
	r = mustRun(t, env, "show", "extra/hello", "-o", "yaml")
	docs, err = stream.Decode(strings.NewReader(r.Stdout), "show", api.Kinds)
	if err != nil || len(docs) != 1 || docs[0].Value.(*api.IndexEntry).Description != "Another hello" {
		t.Errorf("show -o yaml: %v\n%s", err, r.Stdout)
	}
	if r := mustRun(t, env, "show", "world"); !strings.Contains(r.Stdout, "name: world") {
		t.Errorf("show of a unique bare name: %s", r)
	}

	// update: unchanged, then a change in the directory; it prints the taps as list
	// does, in every format.
	// list after update: an update of a directory tap records when it looked, so a list
	// taken before it may be a second older.
	r = mustRun(t, env, "update")
	list := mustRun(t, env, "list", "-o", "yaml").Stdout
	if !strings.Contains(r.Stderr, "core is up to date") || !strings.Contains(r.Stderr, "extra is up to date") || r.Stdout != list {
		t.Errorf("update without changes: %s\nwant on stdout what list -o yaml prints:\n%s", r, list)
	}
	if err := os.Remove(filepath.Join(core, "world.yaml")); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, env, "update", "core", "-o", "json")
	if !strings.Contains(r.Stderr, "Updated core: 2 packages, 4 versions") {
		t.Errorf("update core: %s", r)
	}
	docs, err = stream.Decode(strings.NewReader(r.Stdout), "update", api.Kinds)
	if err != nil || len(docs) != 1 || !strings.Contains(r.Stdout, `"kind": "List"`) {
		t.Fatalf("update core -o json is not a List of one Tap: %v\n%s", err, r.Stdout)
	}
	if tp := docs[0].Value.(*api.Tap); tp.Name != "core" || tp.Packages != 2 || tp.Versions != 4 || tp.Default || tp.Digest == "" {
		t.Errorf("update core -o json: %+v", tp)
	}
	if r := mustRun(t, env, "update", "extra", "-o", "yaml"); !strings.Contains(r.Stdout, "name: extra\n") || !strings.Contains(r.Stdout, "default: true\n") {
		t.Errorf("update of the default tap, -o yaml:\n%s", r.Stdout)
	}
	if r := mustRun(t, env, "update", "extra", "core", "-o", "name"); r.Stdout != "tap/extra\ntap/core\n" {
		t.Errorf("update extra core -o name: %q", r.Stdout)
	}
	r = mustRun(t, env, "update", "core", "-o", "table")
	if lines := strings.Split(strings.TrimSpace(r.Stdout), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "NAME ") || !strings.HasPrefix(lines[1], "core ") {
		t.Errorf("update core -o table:\n%s", r.Stdout)
	}

	// remove: it prints the tap it removed, as list showed it.
	listed := mustRun(t, env, "list", "-o", "yaml").Stdout
	r = mustRun(t, env, "remove", "extra")
	if !strings.Contains(r.Stderr, "Removed tap extra") || r.Stdout == "" || !strings.HasSuffix(listed, r.Stdout) || !strings.Contains(r.Stdout, "\nname: extra\n") {
		t.Errorf("remove: %s\nwant on stdout extra's document of:\n%s", r, listed)
	}
	if r := mustRun(t, env, "list", "-o", "name"); r.Stdout != "tap/core\n" {
		t.Errorf("list after remove: %q", r.Stdout)
	}
	if r := mustRun(t, env, "show", "hello", "-o", "name"); r.Stdout != "indexentry/hello\n" {
		t.Errorf("show hello after extra went: %q", r.Stdout)
	}
	// Removing a tap that is not there lists those that are, rather than suggesting
	// to add it.
	r = pkgTap(t, env, "", "remove", "extra")
	if r.Code != cli.ExitNotFound || !strings.Contains(r.Stderr, "Hint: configured taps: core (`pkg-tap list` shows them)") || strings.Contains(r.Stderr, "pkg-tap add") {
		t.Errorf("remove of a tap not configured: %s", r)
	}

	// One package of one version is said in the singular.
	one := writeEntry(t, "one.yaml", "apiVersion: longshore.dev/v1alpha1\nkind: IndexEntry\nname: one\nrepository: localhost:5000/test/one\n"+
		"versions: [{version: 1.0.0, digest: "+fakeDigest("one")+"}]\n")
	if r := mustRun(t, env, "add", "one", one); !strings.Contains(r.Stderr, "Added tap one: 1 package, 1 version from ") {
		t.Errorf("add of one version: %s", r)
	}
}

func TestRemoveRefusesInstalled(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	mustRun(t, env, "add", "core", entries(t, map[string]string{"hello": ""}))
	inst := api.NewInstalled()
	inst.Name, inst.Version, inst.Platform, inst.Tap, inst.Reason = "hello", "1.1.0", "any", "core", api.ReasonExplicit
	inst.Digest, inst.Source, inst.Path = fakeDigest("x"), "localhost:5000/test/hello@"+fakeDigest("x"), "pkgs/sha256/"+strings.TrimPrefix(fakeDigest("x"), "sha256:")
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, inst); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(env["LONGSHORE_HOME"], "installed.yaml"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := pkgTap(t, env, "", "remove", "core")
	if r.Code != cli.ExitConflict || !strings.Contains(r.Stderr, "hello 1.1.0") || !strings.Contains(r.Stderr, "--force") {
		t.Errorf("remove of a tap in use: %s", r)
	}
	r = mustRun(t, env, "remove", "core", "--force", "-o", "name")
	if !strings.Contains(r.Stderr, "Removed tap core") || !strings.Contains(r.Stderr, "orphaned") || !strings.Contains(r.Stderr, "hello 1.1.0") || r.Stdout != "tap/core\n" {
		t.Errorf("remove --force -o name: %s", r)
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
	r := pkgTap(t, env, "", "update", "-o", "name")
	if r.Code != cli.ExitPartial || !strings.Contains(r.Stderr, "good is up to date") || !strings.Contains(r.Stderr, "Failed: tap bad:") ||
		!strings.Contains(r.Stderr, "Error: 1 of 2 taps could not be updated: bad") {
		t.Errorf("update with one tap gone: %s", r)
	}
	// The taps that did update are printed all the same; the one that failed is not.
	if r.Stdout != "tap/good\n" {
		t.Errorf("update with one tap gone, -o name: %q", r.Stdout)
	}
	r = pkgTap(t, env, "", "update", "bad", "-o", "json")
	if r.Code != cli.ExitNotFound || strings.Count(r.Stderr, "Error:") != 1 || strings.Contains(r.Stderr, "Failed:") || r.Stdout != "" {
		t.Errorf("update of the missing tap alone: %s", r)
	}
}

// An index's publisher writes the descriptions and homepages: an escape sequence in one
// reaches the terminal as text, in a table and in show.
func TestIndexDataIsPrintedSafely(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	dir := entries(t, map[string]string{"hello": "desc \x1b[31mred\x1b[0m\nnext"})
	// A homepage too: a URL holds no ESC, but it may hold a C1 CSI (U+009B).
	path := filepath.Join(dir, "hello.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), "repository:", "homepage: \"https://x.example/\\x9b31mred\"\nrepository:", 1))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, env, "add", "core", dir)
	r := mustRun(t, env, "search", "hello", "-o", "table")
	if !strings.Contains(r.Stdout, `desc \x1b[31mred\x1b[0m\nnext`) {
		t.Errorf("search -o table:\n%q", r.Stdout)
	}
	r = mustRun(t, env, "show", "hello", "-o", "table")
	for _, want := range []string{`core/hello: desc \x1b[31mred\x1b[0m\nnext` + "\n", `Homepage:    https://x.example/\x9b31mred` + "\n"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("show lacks %q:\n%q", want, r.Stdout)
		}
	}
	if strings.ContainsAny(r.Stdout, "\x1b\u009b") {
		t.Errorf("show printed a control character:\n%q", r.Stdout)
	}
}
