package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/cli/clitest"
	"longshore.dev/lib/index"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/patch"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/stream"
	"longshore.dev/lib/tap"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// run is one in-process invocation of pkg-dep.
type run = clitest.Result

func pkgDep(t *testing.T, env map[string]string, stdin string, args ...string) run {
	t.Helper()
	return clitest.Run(newApp(), env, stdin, args...)
}

func mustRun(t *testing.T, env map[string]string, stdin string, args ...string) run {
	t.Helper()
	return clitest.Must(t, newApp(), env, stdin, args...)
}

// golden compares got with testdata/NAME, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n%s\nwant:\n%s", file, got, want)
	}
}

func fakeDigest(s string) string { return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(s))) }

// entry is an index package at registry.example/NAME: versions "1.0.0" or
// "1.0.0:dep@^1,dep2".
func entry(name string, versions ...string) index.Package {
	p := index.Package{Name: name, Repository: "registry.example/" + name}
	for _, v := range versions {
		ver, deps, _ := strings.Cut(v, ":")
		iv := index.Version{Version: ver, Digest: fakeDigest(name + ver),
			Platforms: []api.Platform{{Platform: "linux/amd64", Digest: fakeDigest(name + ver + "amd64")}}}
		for _, d := range strings.Split(deps, ",") {
			if d != "" {
				n, c, _ := strings.Cut(d, "@")
				iv.Dependencies = append(iv.Dependencies, pkgspec.Dependency{Name: n, Version: c})
			}
		}
		p.Versions = append(p.Versions, iv)
	}
	return p
}

// newHome is a LONGSHORE_HOME with tap main and a layout patch registry whose rules
// add ca-bundle to hello >=1.1 on linux and certs to every lib*.
//
//	hello 1.0.0, 1.1.0 → libgreet ^1;  libgreet 1.0.0, 1.2.0 → zlib ^1;  zlib 1.3.0, 1.4.0
//	tool 3.1.0 → zlib;  ca-bundle 1.0.0 → certs ^1;  certs 1.0.0
//	new-greet 1.0.0 → libgreet >=1.2;  old-greet 1.0.0 → libgreet <1.2
func newHome(t *testing.T) map[string]string {
	t.Helper()
	home := t.TempDir()
	addTap(t, home, "main",
		entry("hello", "1.0.0:libgreet@^1", "1.1.0:libgreet@^1"),
		entry("libgreet", "1.0.0:zlib@^1", "1.2.0:zlib@^1"),
		entry("zlib", "1.3.0", "1.4.0"),
		entry("tool", "3.1.0:zlib"),
		entry("ca-bundle", "1.0.0:certs@^1"),
		entry("certs", "1.0.0"),
		entry("new-greet", "1.0.0:libgreet@>=1.2"),
		entry("old-greet", "1.0.0:libgreet@<1.2"),
	)
	registry := "ocidir://" + filepath.Join(t.TempDir(), "patches")
	publishDescriptor(t, registry, "hello", "  - match: {name: hello, version: \">=1.1\", platform: \"linux/*\"}\n    companions: [{name: ca-bundle, version: \"^1\"}]\n")
	publishDescriptor(t, registry, "_global", "  - match: {name: \"lib*\"}\n    companions: [{name: certs}]\n")
	env := map[string]string{"LONGSHORE_HOME": home, "HOME": t.TempDir(), "DOCKER_CONFIG": t.TempDir()}
	mustRun(t, env, "", "patch", "registry", registry)
	return env
}

// addTap adds a directory tap of pkgs to home, with its cache.
func addTap(t *testing.T, home, name string, pkgs ...index.Package) {
	t.Helper()
	dir := t.TempDir()
	writeTap(t, dir, pkgs...)
	if _, err := tap.Add(context.Background(), home, tap.Spec{Name: name, Source: dir}, tap.Options{}); err != nil {
		t.Fatal(err)
	}
}

func publishDescriptor(t *testing.T, registry, name, rules string) {
	t.Helper()
	d, err := patch.Parse([]byte("apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\nrules:\n"+rules), name, name)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ref.ParseArtifact(patch.Repository(registry, name))
	if err != nil {
		t.Fatal(err)
	}
	target, err := oci.Open(context.Background(), r, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	if _, err := patch.Push(context.Background(), target, d); err != nil {
		t.Fatal(err)
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	first := mustRun(t, env, "", "resolve", "hello@^1", "main/tool", "--platform", "linux/amd64", "-o", "yaml")
	golden(t, "hello-tool.lock.yaml", first.Stdout)
	if again := mustRun(t, env, "", "resolve", "hello@^1", "main/tool", "--platform", "linux/amd64"); again.Stdout != first.Stdout {
		t.Errorf("a second resolve differs:\n%s", again.Stdout)
	}
	table := mustRun(t, env, "", "resolve", "hello@^1", "main/tool", "--platform", "linux/amd64", "-o", "table")
	golden(t, "hello-tool.table", table.Stdout)
	// -o name is kind/name@version as for every kind: the requests at the versions locked.
	if got := mustRun(t, env, "", "resolve", "hello@^1", "main/tool", "--platform", "linux/amd64", "-o", "name"); got.Stdout != "lock/hello@1.1.0,main/tool@3.1.0\n" {
		t.Errorf("-o name: %q", got.Stdout)
	}

	// PackageRef documents on stdin (what pkg-tap search -o yaml prints), and a lock
	// read back resolves to itself.
	refs := "apiVersion: longshore.dev/v1alpha1\nkind: PackageRef\nname: hello\nversion: ^1\nplatform: linux/amd64\n---\napiVersion: longshore.dev/v1alpha1\nkind: PackageRef\nname: main/tool\nplatform: linux/amd64\n"
	if got := mustRun(t, env, refs, "resolve", "-f", "-"); got.Stdout != first.Stdout {
		t.Errorf("from PackageRefs:\n%s", got.Stdout)
	}
	if got := mustRun(t, env, first.Stdout, "resolve", "-f", "-"); got.Stdout != first.Stdout {
		t.Errorf("a lock resolved again:\n%s", got.Stdout)
	}
	// Without patches.
	if got := mustRun(t, env, "", "resolve", "hello", "--no-patches", "-o", "yaml"); strings.Contains(got.Stdout, "ca-bundle") {
		t.Errorf("--no-patches:\n%s", got.Stdout)
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stderr string
	}{
		{"conflict", []string{"resolve", "new-greet", "old-greet"}, "", cli.ExitConflict,
			"Error: Because new-greet 1.0.0 depends on libgreet >=1.2 and old-greet 1.0.0 depends on libgreet <1.2, new-greet 1.0.0 is incompatible with old-greet 1.0.0.\nSo, because you requested new-greet and old-greet, version solving failed.\n"},
		{"missing", []string{"resolve", "gone"}, "", cli.ExitNotFound,
			"Error: Because you requested gone, which doesn't exist (no tap has a package named gone; looked in main), version solving failed.\n"},
		{"unknown tap", []string{"resolve", "nosuchtap/greeter"}, "", cli.ExitNotFound,
			"Error: Because you requested nosuchtap/greeter, which doesn't exist (no tap named \"nosuchtap\"), version solving failed.\n"},
		{"no version", []string{"resolve", "zlib@^2"}, "", cli.ExitConflict,
			"Error: Because you requested zlib ^2, which matches no version of zlib (it has 1.3.0 and 1.4.0), version solving failed.\n"},
		{"nothing", []string{"resolve"}, "", cli.ExitUsage, "Error: nothing to resolve"},
		{"bad name", []string{"resolve", "Hello"}, "", cli.ExitUsage, "upper-case"},
		// Refused as pkg-pull refuses it, not recorded in the lock's requests.
		{"bad platform", []string{"resolve", "zlib", "--platform", "linux"}, "", cli.ExitUsage, `Error: --platform "linux": not os/arch[/variant]`},
		{"bad platform of patch list", []string{"patch", "list", "--platform", "linux/"}, "", cli.ExitUsage, `Error: --platform "linux/": not os/arch[/variant]`},
		{"another kind", []string{"resolve", "-f", "-"}, "apiVersion: longshore.dev/v1alpha1\nkind: Published\nname: x\nversion: 1.0.0\nrepository: r.io/x\ndigest: sha256:0\nmediaType: x\ntags: []\nplatforms: []\n", cli.ExitUsage, `kind "Published" is not read here`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := pkgDep(t, env, tt.stdin, tt.args...)
			if r.Code != tt.code || !strings.Contains(r.Stderr, tt.stderr) || r.Stdout != "" {
				t.Errorf("%s\nwant exit %d and stderr containing %q", r, tt.code, tt.stderr)
			}
		})
	}
}

// lockOf resolves args into a lock document.
func lockOf(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	return mustRun(t, env, "", append([]string{"resolve", "--platform", "linux/amd64", "-o", "yaml"}, args...)...).Stdout
}

func TestTree(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	lock := lockOf(t, env, "hello", "tool")
	tree := mustRun(t, env, lock, "tree", "-f", "-")
	golden(t, "hello-tool.tree", tree.Stdout)
	if got := mustRun(t, env, "", "tree", "hello", "tool", "--platform", "linux/amd64"); got.Stdout != tree.Stdout {
		t.Errorf("tree of PKG arguments:\n%s", got.Stdout)
	}
	golden(t, "hello-tool.depth1.tree", mustRun(t, env, lock, "tree", "-f", "-", "--depth", "1").Stdout)
	dot := mustRun(t, env, lock, "tree", "-f", "-", "-o", "dot")
	golden(t, "hello-tool.dot", dot.Stdout)
	if got := mustRun(t, env, lock, "tree", "-f", "-", "-o", "yaml"); got.Stdout != lock {
		t.Errorf("-o yaml is not the lock:\n%s", got.Stdout)
	}
	// An empty -f is an error, not a drawing of the installed packages in its place.
	if r := pkgDep(t, env, "", "tree", "-f", "-"); r.Code != cli.ExitUsage || r.Stdout != "" ||
		!strings.Contains(r.Stderr, "Error: -f: found no Lock or PackageRef document") {
		t.Errorf("tree -f of nothing: %s", r)
	}
	for _, format := range []string{"svg", "table", "name"} {
		r := pkgDep(t, env, lock, "tree", "-f", "-", "-o", format)
		if r.Code != cli.ExitUsage || !strings.Contains(r.Stderr, "Error: unknown output format \""+format+"\": tree has its own text formats in place of table and name") ||
			!strings.Contains(r.Stderr, "use one of tree, dot, yaml, json\n") {
			t.Errorf("-o %s: %s", format, r)
		}
	}
	// graphviz renders it (only the render is skipped without dot).
	if _, err := exec.LookPath("dot"); err != nil {
		t.Log("dot is not on PATH: skipping the render")
		return
	}
	cmd := exec.Command("dot", "-Tsvg")
	cmd.Stdin = strings.NewReader(dot.Stdout)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	svg, err := cmd.Output()
	if err != nil || !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("ca&#45;bundle")) && !bytes.Contains(svg, []byte("ca-bundle")) {
		t.Errorf("dot -Tsvg: %v\n%s\n%s", err, stderr.String(), svg)
	}
}

func TestWhy(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	lock := lockOf(t, env, "hello", "tool")
	tests := []struct{ pkg, want string }{
		{"zlib", "hello 1.1.0 -> libgreet 1.2.0 -> zlib 1.4.0\ntool 3.1.0 -> zlib 1.4.0\n"},
		{"certs", "hello 1.1.0 -> libgreet 1.2.0 -(patch)-> certs 1.0.0\nhello 1.1.0 -(patch)-> ca-bundle 1.0.0 -> certs 1.0.0\n"},
		{"main/hello", "hello 1.1.0 (requested)\n"},
	}
	for _, tt := range tests {
		if got := mustRun(t, env, lock, "why", tt.pkg, "-f", "-", "-o", "table"); got.Stdout != tt.want {
			t.Errorf("why %s:\n%s\nwant:\n%s", tt.pkg, got.Stdout, tt.want)
		}
	}
	if r := pkgDep(t, env, lock, "why", "gone", "-f", "-"); r.Code != cli.ExitNotFound || !strings.Contains(r.Stderr, "gone is not in the lock") ||
		!strings.Contains(r.Stderr, "Hint: `pkg-dep tree -f -` shows what is there\n") {
		t.Errorf("why gone: %s", r)
	}
	// The hint draws the same input: tree without -f would show the installed packages.
	file := filepath.Join(t.TempDir(), "my tools.lock.yaml")
	if err := os.WriteFile(file, []byte(lock), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := pkgDep(t, env, "", "why", "gone", "-f", file); r.Code != cli.ExitNotFound ||
		!strings.Contains(r.Stderr, "Hint: `pkg-dep tree -f '"+file+"'` shows what is there\n") {
		t.Errorf("why gone -f FILE: %s", r)
	}
	// why reads a lock or installed.yaml: the flags of the verbs that resolve are not its.
	for _, flag := range []string{"--platform=linux/amd64", "--offline", "--plain-http", "--ca-file=ca.pem", "--insecure", "--no-patches"} {
		if r := pkgDep(t, env, lock, "why", "zlib", "-f", "-", flag); r.Code != cli.ExitUsage || r.Stdout != "" ||
			!strings.Contains(r.Stderr, "Error: unknown flag: "+strings.Split(flag, "=")[0]+"\nUsage: pkg-dep why PKG [-f LOCK] [flags]\n") {
			t.Errorf("why %s: %s", flag, r)
		}
	}
	// The lock's zlib came through tap main: another tap's zlib is not there.
	if r := pkgDep(t, env, lock, "why", "other/zlib", "-f", "-"); r.Code != cli.ExitNotFound || r.Stdout != "" ||
		!strings.Contains(r.Stderr, "other/zlib is not in the lock: its zlib comes from tap main") ||
		// The hint asks about the same lock, not the installed packages.
		!strings.Contains(r.Stderr, "Hint: `pkg-dep why zlib -f -` shows why that one is there\n") {
		t.Errorf("why other/zlib: %s", r)
	}
	if r := pkgDep(t, env, lock, "why", "-f", "-"); r.Code != cli.ExitUsage || !strings.Contains(r.Stderr, "missing PKG") {
		t.Errorf("why without PKG: %s", r)
	}
}

// TestWhyOutput: the paths of why as DependencyPath documents, the same in yaml (the
// default into a pipe) and in a json List, one name each with -o name; the lines of
// TestWhy are the table format.
func TestWhyOutput(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	lock := lockOf(t, env, "hello", "tool")
	step := func(name, version, edge string) api.PathStep {
		return api.PathStep{Name: name, Version: version, Tap: "main", Edge: edge}
	}
	path := func(steps ...api.PathStep) *api.DependencyPath {
		p := api.NewDependencyPath()
		p.Target, p.Steps = "certs", steps
		return p
	}
	want := []*api.DependencyPath{
		path(step("hello", "1.1.0", "request"), step("libgreet", "1.2.0", "dependency"), step("certs", "1.0.0", "patch")),
		path(step("hello", "1.1.0", "request"), step("ca-bundle", "1.0.0", "patch"), step("certs", "1.0.0", "dependency")),
	}
	wantYAML := `---
apiVersion: longshore.dev/v1alpha1
kind: DependencyPath
target: certs
steps:
  - name: hello
    version: 1.1.0
    tap: main
    edge: request
  - name: libgreet
    version: 1.2.0
    tap: main
    edge: dependency
  - name: certs
    version: 1.0.0
    tap: main
    edge: patch
---
`
	yamlOut := mustRun(t, env, lock, "why", "certs", "-f", "-", "-o", "yaml").Stdout
	if !strings.HasPrefix(yamlOut, wantYAML) {
		t.Errorf("-o yaml:\n%s\nwant it to start with:\n%s", yamlOut, wantYAML)
	}
	if def := mustRun(t, env, lock, "why", "certs", "-f", "-").Stdout; def != yamlOut {
		t.Errorf("the default into a pipe is not yaml:\n%s", def)
	}
	jsonOut := mustRun(t, env, lock, "why", "certs", "-f", "-", "-o", "json").Stdout
	if !strings.HasPrefix(jsonOut, "{\n  \"apiVersion\": \"longshore.dev/v1alpha1\",\n  \"kind\": \"List\",\n  \"items\": [\n") {
		t.Errorf("-o json is not a List:\n%s", jsonOut)
	}
	for format, out := range map[string]string{"yaml": yamlOut, "json": jsonOut} {
		docs, err := stream.Decode(strings.NewReader(out), "why."+format, api.Kinds)
		if err != nil || len(docs) != len(want) {
			t.Fatalf("-o %s: %v, %d documents:\n%s", format, err, len(docs), out)
		}
		for i, d := range docs {
			if got := d.Value.(*api.DependencyPath); !reflect.DeepEqual(got, want[i]) {
				t.Errorf("-o %s, path %d: %+v\nwant %+v", format, i, got, want[i])
			}
		}
	}
	if name := mustRun(t, env, lock, "why", "certs", "-f", "-", "-o", "name").Stdout; name !=
		"dependencypath/hello@1.1.0,libgreet@1.2.0,certs@1.0.0\ndependencypath/hello@1.1.0,ca-bundle@1.0.0,certs@1.0.0\n" {
		t.Errorf("-o name:\n%s", name)
	}
	// A request alone is a path of one step.
	one := mustRun(t, env, lock, "why", "tool", "-f", "-", "-o", "json").Stdout
	if docs, err := stream.Decode(strings.NewReader(one), "why.json", api.Kinds); err != nil || len(docs) != 1 ||
		!reflect.DeepEqual(docs[0].Value, &api.DependencyPath{TypeMeta: want[0].TypeMeta, Target: "tool", Steps: []api.PathStep{step("tool", "3.1.0", "request")}}) {
		t.Errorf("why tool -o json: %v\n%s", err, one)
	}
	// Not there: the same error in every format, and nothing on stdout.
	for _, format := range []string{"yaml", "json", "name"} {
		if r := pkgDep(t, env, lock, "why", "gone", "-f", "-", "-o", format); r.Code != cli.ExitNotFound || r.Stdout != "" ||
			!strings.Contains(r.Stderr, "Error: gone is not in the lock\n") {
			t.Errorf("why gone -o %s: %s", format, r)
		}
	}
	if r := pkgDep(t, env, lock, "why", "zlib", "-f", "-", "-o", "wide"); r.Code != cli.ExitUsage || !strings.Contains(r.Stderr, "use one of table, yaml, json, name") {
		t.Errorf("-o wide: %s", r)
	}

	// Installed packages: one that nothing leads to any more (its dependent removed)
	// starts its only path with no edge, and its text has no "(requested)".
	writeInstalled(t, env, "main/zlib 1.3.0 dependency")
	if r := mustRun(t, env, "", "why", "zlib", "-o", "table"); r.Stdout != "zlib 1.3.0\n" {
		t.Errorf("why zlib of an orphan: %s", r)
	}
	orphan := mustRun(t, env, "", "why", "zlib", "-o", "yaml").Stdout
	if want := "---\napiVersion: longshore.dev/v1alpha1\nkind: DependencyPath\ntarget: zlib\nsteps:\n  - name: zlib\n    version: 1.3.0\n    tap: main\n"; orphan != want {
		t.Errorf("why zlib of an orphan, -o yaml:\n%s\nwant:\n%s", orphan, want)
	}
}

func TestOutdated(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	lock := lockOf(t, env, "hello@1.0.0", "zlib@~1.3")
	got := mustRun(t, env, lock, "outdated", "-f", "-", "-o", "table")
	want := "NAME    CURRENT   WANTED   LATEST   FROM\nzlib    1.3.0     1.3.0    1.4.0    tap main\nhello   1.0.0     1.0.0    1.1.0    tap main\n"
	if got.Stdout != want {
		t.Errorf("outdated:\n%s\nwant:\n%s", got.Stdout, want)
	}
	all := mustRun(t, env, lock, "outdated", "-f", "-", "--all", "-o", "table")
	if !strings.Contains(all.Stdout, "libgreet   1.2.0     1.2.0    1.2.0    tap main") {
		t.Errorf("outdated --all:\n%s", all.Stdout)
	}

	// The same rows as documents: yaml (the default when stdout is not a terminal, as
	// for every verb), a List in json, kind/name@version with -o name.
	yamlOut := mustRun(t, env, lock, "outdated", "-f", "-", "-o", "yaml").Stdout
	wantYAML := `---
apiVersion: longshore.dev/v1alpha1
kind: Outdated
name: zlib
current: 1.3.0
wanted: 1.3.0
latest: 1.4.0
tap: main
repository: registry.example/zlib
---
apiVersion: longshore.dev/v1alpha1
kind: Outdated
name: hello
current: 1.0.0
wanted: 1.0.0
latest: 1.1.0
tap: main
repository: registry.example/hello
`
	if yamlOut != wantYAML {
		t.Errorf("-o yaml:\n%s\nwant:\n%s", yamlOut, wantYAML)
	}
	if def := mustRun(t, env, lock, "outdated", "-f", "-").Stdout; def != yamlOut {
		t.Errorf("the default into a pipe is not yaml:\n%s", def)
	}
	if name := mustRun(t, env, lock, "outdated", "-f", "-", "-o", "name").Stdout; name != "outdated/zlib@1.3.0\noutdated/hello@1.0.0\n" {
		t.Errorf("-o name:\n%s", name)
	}
	jsonOut := mustRun(t, env, lock, "outdated", "-f", "-", "-o", "json").Stdout
	if !strings.HasPrefix(jsonOut, "{\n  \"apiVersion\": \"longshore.dev/v1alpha1\",\n  \"kind\": \"List\",\n  \"items\": [\n") ||
		strings.Count(jsonOut, `"kind": "Outdated"`) != 2 {
		t.Errorf("-o json:\n%s", jsonOut)
	}
	// What -o yaml prints reads back as a stream of Outdated documents.
	docs, err := stream.Decode(strings.NewReader(yamlOut), "outdated.yaml", api.Kinds)
	if err != nil || len(docs) != 2 || docs[1].Value.(*api.Outdated).Latest != "1.1.0" {
		t.Errorf("reading -o yaml back: %v %+v", err, docs)
	}
	if r := pkgDep(t, env, lock, "outdated", "-f", "-", "-o", "wide"); r.Code != cli.ExitUsage || !strings.Contains(r.Stderr, "use one of table, yaml, json, name") {
		t.Errorf("-o wide: %s", r)
	}

	// Nothing outdated: the line on stderr, and on stdout what the format says of none.
	fresh := lockOf(t, env, "zlib")
	for format, want := range map[string]string{
		"table": "",
		"yaml":  "",
		"name":  "",
		"json":  "{\n  \"apiVersion\": \"longshore.dev/v1alpha1\",\n  \"kind\": \"List\",\n  \"items\": []\n}\n",
	} {
		r := mustRun(t, env, fresh, "outdated", "-f", "-", "-o", format)
		if r.Stdout != want || !strings.Contains(r.Stderr, "The one package is up to date.") {
			t.Errorf("nothing outdated, -o %s: %s", format, r)
		}
	}
	// One: still a List in json.
	one := mustRun(t, env, lockOf(t, env, "zlib@1.3.0"), "outdated", "-f", "-", "-o", "json").Stdout
	if !strings.Contains(one, `"kind": "List"`) || strings.Count(one, `"kind": "Outdated"`) != 1 {
		t.Errorf("one outdated package, -o json:\n%s", one)
	}
}

// A locked version yanked since is listed, marked, even with nothing newer allowed:
// only its exact pin keeps it, and its publisher withdrew it.
func TestOutdatedYanked(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	p := entry("leftpad", "1.0.0", "1.1.0")
	p.Versions[1].Yanked = true
	addTap(t, env["LONGSHORE_HOME"], "extra", p)
	lock := lockOf(t, env, "leftpad@1.1.0", "zlib")
	got := mustRun(t, env, lock, "outdated", "-f", "-", "-o", "table").Stdout
	want := "NAME      CURRENT          WANTED   LATEST   FROM\nleftpad   1.1.0 (yanked)   1.1.0    1.0.0    tap extra\n"
	if got != want {
		t.Errorf("outdated:\n%s\nwant:\n%s", got, want)
	}
	if y := mustRun(t, env, lock, "outdated", "-f", "-", "-o", "yaml").Stdout; !strings.Contains(y, "latest: 1.0.0\nyanked: true\n") {
		t.Errorf("-o yaml:\n%s", y)
	}
}

// An exact pin selects a yanked version, with a warning on stderr naming it; resolving
// that lock again warns again, a range takes the newest version not yanked.
func TestResolveYanked(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	p := entry("leftpad", "1.0.0", "1.1.0")
	p.Versions[1].Yanked = true
	addTap(t, env["LONGSHORE_HOME"], "extra", p)
	const warning = "Warning: selected leftpad 1.1.0, which its publisher yanked: only an exact pin selects a yanked version\n"
	r := mustRun(t, env, "", "resolve", "leftpad@=1.1.0", "--platform", "linux/amd64", "-o", "yaml")
	if !strings.Contains(r.Stdout, "name: leftpad\n    tap: extra\n    version: 1.1.0\n") || r.Stderr != warning {
		t.Errorf("resolve leftpad@=1.1.0: %s", r)
	}
	if again := mustRun(t, env, r.Stdout, "resolve", "-f", "-", "-o", "yaml"); again.Stdout != r.Stdout || again.Stderr != warning+"Lock unchanged: every package is at its locked version\n" {
		t.Errorf("resolve -f of that lock: %s", again)
	}
	if r := mustRun(t, env, "", "resolve", "leftpad", "--platform", "linux/amd64", "-o", "yaml"); !strings.Contains(r.Stdout, "version: 1.0.0\n") || r.Stderr != "" {
		t.Errorf("resolve leftpad: %s", r)
	}
}

// TestOutdatedSourceGone: the installed packages include one from a tap removed since
// (pkg-tap remove --force). It is a row with "?" and a warning, the others are listed,
// and the exit code says the listing is partial.
func TestOutdatedSourceGone(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	addTap(t, env["LONGSHORE_HOME"], "demo", entry("greeter", "1.0.0", "1.1.0"))
	writeInstalled(t, env, "main/zlib 1.3.0 explicit", "main/certs 1.0.0 explicit", "demo/greeter 1.0.0 explicit")
	before := mustRun(t, env, "", "outdated", "-o", "table")
	if want := "NAME      CURRENT   WANTED   LATEST   FROM\ngreeter   1.0.0     1.1.0    1.1.0    tap demo\nzlib      1.3.0     1.4.0    1.4.0    tap main\n"; before.Stdout != want {
		t.Errorf("with every tap:\n%s\nwant:\n%s", before.Stdout, want)
	}
	if _, _, err := tap.Remove(env["LONGSHORE_HOME"], "demo", true); err != nil {
		t.Fatal(err)
	}

	r := pkgDep(t, env, "", "outdated", "-o", "table")
	want := "NAME      CURRENT   WANTED   LATEST   FROM\ngreeter   1.0.0     ?        ?        tap demo\nzlib      1.3.0     1.4.0    1.4.0    tap main\n"
	if r.Code != cli.ExitPartial || r.Stdout != want ||
		!strings.Contains(r.Stderr, "Warning: cannot check greeter 1.0.0: no tap named \"demo\"") ||
		!strings.Contains(r.Stderr, "Error: could not check 1 of 3 packages: greeter\n") {
		t.Errorf("%s\nwant exit %d and stdout:\n%s", r, cli.ExitPartial, want)
	}
	r = pkgDep(t, env, "", "outdated", "-o", "json", "--all")
	if r.Code != cli.ExitPartial || !strings.Contains(r.Stdout, `"error": "no tap named \"demo\""`) || strings.Count(r.Stdout, `"kind": "Outdated"`) != 3 {
		t.Errorf("-o json --all: %s", r)
	}

	// No tap left: every package is a row that says so.
	if _, _, err := tap.Remove(env["LONGSHORE_HOME"], "main", true); err != nil {
		t.Fatal(err)
	}
	r = pkgDep(t, env, "", "outdated", "-o", "name")
	if r.Code != cli.ExitPartial || r.Stdout != "outdated/certs@1.0.0\noutdated/greeter@1.0.0\noutdated/zlib@1.3.0\n" ||
		!strings.Contains(r.Stderr, "Warning: cannot check zlib 1.3.0: package main/zlib: no taps are configured") ||
		!strings.Contains(r.Stderr, "Error: could not check 3 of 3 packages: certs, greeter, zlib\nHint: the warnings above say why\n") {
		t.Errorf("without taps: %s", r)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	lock := lockOf(t, env, "hello")
	if r := mustRun(t, env, lock, "validate", "-f", "-"); r.Stdout != "" || !strings.Contains(r.Stderr, "The lock is valid: 5 packages") {
		t.Errorf("a valid lock: %s", r)
	}
	// The order swapped by hand: the companion before the package it patches.
	broken := strings.Replace(lock, "  - hello\n  - ca-bundle\n", "  - ca-bundle\n  - hello\n", 1)
	if broken == lock {
		t.Fatalf("the lock's order is not as expected:\n%s", lock)
	}
	r := pkgDep(t, env, broken, "validate", "-f", "-")
	if r.Code != cli.ExitVerify || !strings.Contains(r.Stderr, "  - order: ca-bundle, a patch companion of hello, comes before it\n") || !strings.Contains(r.Stderr, "Error: the lock is not valid: 1 problem(s)") {
		t.Errorf("a broken order: %s", r)
	}
	if r := pkgDep(t, env, "", "validate"); r.Code != cli.ExitUsage {
		t.Errorf("validate without -f: %s", r)
	}
}

// writeInstalled records installed packages ("tap/name version reason") as pkg-pull does.
func writeInstalled(t *testing.T, env map[string]string, lines ...string) {
	t.Helper()
	var docs []any
	for _, l := range lines {
		f := strings.Fields(l)
		inst := api.NewInstalled()
		inst.Tap, inst.Name, _ = strings.Cut(f[0], "/")
		inst.Version, inst.Reason, inst.Platform = f[1], f[2], "linux/amd64"
		inst.Digest = fakeDigest(inst.Name + inst.Version + "amd64")
		inst.Source = "registry.example/" + inst.Name + "@" + fakeDigest(inst.Name+inst.Version)
		inst.Path = "pkgs/sha256/" + strings.TrimPrefix(inst.Digest, "sha256:")
		docs = append(docs, inst)
	}
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, docs...); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(env["LONGSHORE_HOME"], "installed.yaml"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// installLock records a lock's packages in installed.yaml as pkg-pull -f does: the
// linux/amd64 manifest, the source pinned by the root digest, the edges.
func installLock(t *testing.T, env map[string]string, lockYAML string) {
	t.Helper()
	docs, err := stream.Decode(strings.NewReader(lockYAML), "lock.yaml", api.Kinds)
	if err != nil {
		t.Fatal(err)
	}
	lock := docs[0].Value.(*api.Lock)
	var records []any
	for _, p := range lock.Packages {
		inst := api.NewInstalled()
		inst.Name, inst.Version, inst.Tap, inst.Platform = p.Name, p.Version, p.Tap, "linux/amd64"
		for _, pl := range p.Platforms {
			if pl.Platform == inst.Platform {
				inst.Digest = pl.Digest
			}
		}
		inst.Source, inst.Index = p.Repository+"@"+p.Digest, p.Digest
		inst.Path = "pkgs/sha256/" + strings.TrimPrefix(inst.Digest, "sha256:")
		inst.Reason = p.Reason
		if inst.Reason == api.ReasonRequested {
			inst.Reason = api.ReasonExplicit
		}
		inst.Dependencies, inst.Patches = p.Dependencies, p.Patches
		records = append(records, inst)
	}
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, records...); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(env["LONGSHORE_HOME"], "installed.yaml"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestInstalledGraph: tree and why without -f show installed.yaml. With the taps in
// place that draws what a lock of the same packages draws, and the lock is the one a
// solve of the installed versions gives; once the tap the packages came from is
// removed (pkg-tap remove --force) they show the same, where solving them again fails.
func TestInstalledGraph(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	lock := lockOf(t, env, "hello", "tool")
	installLock(t, env, lock)

	views := map[string][]string{
		"tree":     {"tree"},
		"depth 1":  {"tree", "--depth", "1"},
		"dot":      {"tree", "-o", "dot"},
		"why zlib": {"why", "zlib", "-o", "table"},
		"why ca":   {"why", "ca-bundle", "-o", "table"},
	}
	want := map[string]string{}
	for name, args := range views {
		want[name] = mustRun(t, env, lock, append(args, "-f", "-")...).Stdout
		if got := mustRun(t, env, "", args...).Stdout; got != want[name] {
			t.Errorf("%s of the installed packages:\n%s\nwant what the lock installed shows:\n%s", name, got, want[name])
		}
	}
	// The lock itself: what solving the installed versions gives.
	pinned := mustRun(t, env, "", "resolve", "main/hello@=1.1.0", "main/tool@=3.1.0", "--platform", "linux/amd64", "-o", "yaml").Stdout
	if got := mustRun(t, env, "", "tree", "-o", "yaml").Stdout; got != pinned {
		t.Errorf("tree -o yaml of the installed packages:\n%s\nwant:\n%s", got, pinned)
	}

	if _, _, err := tap.Remove(env["LONGSHORE_HOME"], "main", true); err != nil {
		t.Fatal(err)
	}
	for name, args := range views {
		r := pkgDep(t, env, "", args...)
		if r.Code != 0 || r.Stdout != want[name] || r.Stderr != "" {
			t.Errorf("%s without the tap:\n%s\nwant exit 0 and stdout:\n%s", name, r, want[name])
		}
	}
	golden(t, "hello-tool.tree", mustRun(t, env, "", "tree").Stdout)
	if r := pkgDep(t, env, "", "why", "gone"); r.Code != cli.ExitNotFound || !strings.Contains(r.Stderr, "gone is not installed") ||
		!strings.Contains(r.Stderr, "Hint: `pkg-dep tree` shows what is there\n") {
		t.Errorf("why gone: %s", r)
	}

	// patch sync still solves the installed packages: it says they are installed, and
	// what to do about the tap.
	r := pkgDep(t, env, "", "patch", "sync", "--offline")
	if r.Code != cli.ExitNotFound || strings.Contains(r.Stderr, "you requested") ||
		!strings.Contains(r.Stderr, "Error: Because the installed packages include main/") ||
		!strings.Contains(r.Stderr, "Hint: tap main is no longer configured, and installed packages came from it: add it back with `pkg-tap add main REF`, or remove those packages with `pkg-pull remove hello tool`\n") {
		t.Errorf("patch sync without the tap: %s", r)
	}
}

func TestPatch(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	if r := mustRun(t, env, "", "patch", "registry"); !strings.HasSuffix(r.Stdout, "/patches (required: true)\n") {
		t.Errorf("patch registry: %s", r)
	}
	writeInstalled(t, env, "main/hello 1.1.0 explicit", "main/libgreet 1.2.0 dependency", "main/zlib 1.3.0 dependency")

	sync := mustRun(t, env, "", "patch", "sync", "-o", "yaml")
	golden(t, "sync.lock.yaml", sync.Stdout)
	// libgreet and zlib have no descriptor: checked, not "updated".
	if !strings.Contains(sync.Stderr, "Updated 2 of 4 patch descriptors: _global, hello.") {
		t.Errorf("sync stderr: %s", sync.Stderr)
	}
	again := mustRun(t, env, "", "patch", "sync", "-o", "yaml")
	if again.Stdout != sync.Stdout || !strings.Contains(again.Stderr, "Patch descriptors are up to date (4 checked") {
		t.Errorf("a second sync: %s", again)
	}
	if r := mustRun(t, env, sync.Stdout, "validate", "-f", "-"); r.Code != 0 {
		t.Errorf("the sync lock: %s", r)
	}

	list := mustRun(t, env, "", "patch", "list", "-o", "table")
	golden(t, "patch-list.table", list.Stdout)
	why := mustRun(t, env, "", "patch", "why", "ca-bundle", "-o", "table")
	if !strings.HasPrefix(why.Stdout, "ca-bundle is a companion of hello 1.1.0: rule 0 of hello (name=hello version=>=1.1 platform=linux/*) adds ca-bundle@^1\n  descriptor ocidir://") {
		t.Errorf("patch why ca-bundle:\n%s", why.Stdout)
	}
	if r := pkgDep(t, env, "", "patch", "why", "tool"); r.Code != cli.ExitNotFound || !strings.Contains(r.Stderr, "no patch rule adds tool") {
		t.Errorf("patch why tool: %s", r)
	}
	// The graph of what is installed, without -f: the companions sync added once they
	// are installed (pkg-dep patch sync -o yaml | pkg-pull -f -), not before.
	if r := pkgDep(t, env, "", "why", "certs"); r.Code != cli.ExitNotFound || !strings.Contains(r.Stderr, "certs is not installed") {
		t.Errorf("why certs before the companions are installed: %s", r)
	}
	installLock(t, env, sync.Stdout)
	if r := mustRun(t, env, "", "why", "certs", "-o", "table"); !strings.Contains(r.Stdout, "hello 1.1.0 -(patch)-> ca-bundle 1.0.0 -> certs 1.0.0") {
		t.Errorf("why certs of the installed packages: %s", r)
	}

	// Not required: set, shown; unset.
	mustRun(t, env, "", "patch", "registry", "--required=false")
	if r := mustRun(t, env, "", "patch", "registry"); !strings.HasSuffix(r.Stdout, "(required: false)\n") {
		t.Errorf("after --required=false: %s", r)
	}
	mustRun(t, env, "", "patch", "registry", "--unset")
	if r := pkgDep(t, env, "", "patch", "sync"); r.Code != cli.ExitNotFound || !strings.Contains(r.Stderr, "no patch registry is configured") {
		t.Errorf("sync without a registry: %s", r)
	}
}

// TestPatchRuleOutput: patch list and patch why print the rules that apply as
// PatchRule documents, in yaml (the default into a pipe) and in a json List, one name
// each with -o name; their table and lines are TestPatch's. With no rule, stdout gets
// what the format says of none.
func TestPatchRuleOutput(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	registry := strings.TrimSuffix(mustRun(t, env, "", "patch", "registry").Stdout, " (required: true)\n")
	writeInstalled(t, env, "main/hello 1.1.0 explicit", "main/libgreet 1.2.0 dependency", "main/zlib 1.3.0 dependency")
	mustRun(t, env, "", "patch", "sync", "-o", "yaml")

	rule := func(pkg, version, companion, request, constraint, descriptor, repository, match string) *api.PatchRule {
		r := api.NewPatchRule()
		r.Package, r.Version, r.Companion, r.Request, r.Constraint = pkg, version, companion, request, constraint
		r.Descriptor, r.Reference, r.Match = descriptor, registry+"/"+repository+":patches@", match
		return r
	}
	want := []*api.PatchRule{
		rule("hello", "1.1.0", "ca-bundle", "ca-bundle@^1", "^1", "hello", "hello", "name=hello version=>=1.1 platform=linux/*"),
		rule("libgreet", "1.2.0", "certs", "certs", "", "_global", "global/rules", "name=lib*"),
	}
	// decode reads -o yaml or -o json into PatchRules, checking each reference is
	// pinned by a digest (the descriptor's, which the test does not know).
	decode := func(what, out string) []*api.PatchRule {
		t.Helper()
		docs, err := stream.Decode(strings.NewReader(out), what, api.Kinds)
		if err != nil {
			t.Fatalf("%s: %v\n%s", what, err, out)
		}
		var rules []*api.PatchRule
		for _, d := range docs {
			r := d.Value.(*api.PatchRule)
			before, digest, _ := strings.Cut(r.Reference, "@")
			if len(digest) != len("sha256:")+64 || !strings.HasPrefix(digest, "sha256:") {
				t.Errorf("%s: reference %s is not pinned by a digest", what, r.Reference)
			}
			r.Reference = before + "@"
			rules = append(rules, r)
		}
		return rules
	}

	yamlOut := mustRun(t, env, "", "patch", "list", "-o", "yaml").Stdout
	if !strings.Contains(yamlOut, "\nkind: PatchRule\npackage: hello\nversion: 1.1.0\ncompanion: ca-bundle\nrequest: ca-bundle@^1\nconstraint: ^1\ndescriptor: hello\nreference: "+registry+"/hello:patches@sha256:") {
		t.Errorf("-o yaml:\n%s", yamlOut)
	}
	if def := mustRun(t, env, "", "patch", "list").Stdout; def != yamlOut {
		t.Errorf("the default into a pipe is not yaml:\n%s", def)
	}
	jsonOut := mustRun(t, env, "", "patch", "list", "-o", "json").Stdout
	if !strings.HasPrefix(jsonOut, "{\n  \"apiVersion\": \"longshore.dev/v1alpha1\",\n  \"kind\": \"List\",\n  \"items\": [\n") {
		t.Errorf("-o json is not a List:\n%s", jsonOut)
	}
	for what, out := range map[string]string{"list.yaml": yamlOut, "list.json": jsonOut} {
		if got := decode(what, out); !reflect.DeepEqual(got, want) {
			t.Errorf("patch list, %s: %+v\nwant %+v", what, got, want)
		}
	}
	if name := mustRun(t, env, "", "patch", "list", "-o", "name").Stdout; name != "patchrule/hello@1.1.0,ca-bundle\npatchrule/libgreet@1.2.0,certs\n" {
		t.Errorf("patch list -o name:\n%s", name)
	}

	// patch why: the same documents, those of the companion asked about.
	whyYAML := mustRun(t, env, "", "patch", "why", "certs", "-o", "yaml").Stdout
	if def := mustRun(t, env, "", "patch", "why", "certs").Stdout; def != whyYAML {
		t.Errorf("patch why: the default into a pipe is not yaml:\n%s", def)
	}
	if got := decode("why.yaml", whyYAML); !reflect.DeepEqual(got, want[1:]) {
		t.Errorf("patch why certs -o yaml: %+v\nwant %+v", got, want[1:])
	}
	whyJSON := mustRun(t, env, "", "patch", "why", "ca-bundle", "-o", "json").Stdout
	if got := decode("why.json", whyJSON); !strings.Contains(whyJSON, `"kind": "List"`) || !reflect.DeepEqual(got, want[:1]) {
		t.Errorf("patch why ca-bundle -o json: %+v\n%s", got, whyJSON)
	}
	if got := decode("all.json", mustRun(t, env, "", "patch", "why", "-o", "json").Stdout); !reflect.DeepEqual(got, want) {
		t.Errorf("patch why -o json: %+v\nwant %+v", got, want)
	}
	if name := mustRun(t, env, "", "patch", "why", "ca-bundle", "-o", "name").Stdout; name != "patchrule/hello@1.1.0,ca-bundle\n" {
		t.Errorf("patch why -o name:\n%s", name)
	}
	// A companion no rule adds is exit 3 in every format, with nothing on stdout.
	for _, format := range []string{"table", "yaml", "json", "name"} {
		if r := pkgDep(t, env, "", "patch", "why", "tool", "-o", format); r.Code != cli.ExitNotFound || r.Stdout != "" ||
			!strings.Contains(r.Stderr, "Error: no patch rule adds tool to the packages here\n") {
			t.Errorf("patch why tool -o %s: %s", format, r)
		}
	}

	// No rule applies to zlib alone: the line on stderr, and on stdout what the format
	// says of none.
	writeInstalled(t, env, "main/zlib 1.3.0 explicit")
	emptyList := "{\n  \"apiVersion\": \"longshore.dev/v1alpha1\",\n  \"kind\": \"List\",\n  \"items\": []\n}\n"
	for format, want := range map[string]string{"table": "", "yaml": "", "name": "", "json": emptyList} {
		if r := mustRun(t, env, "", "patch", "list", "-o", format); r.Stdout != want || !strings.Contains(r.Stderr, "No cached patch rule applies") {
			t.Errorf("patch list with no rule, -o %s: %s", format, r)
		}
		if r := mustRun(t, env, "", "patch", "why", "-o", format); r.Stdout != want || !strings.Contains(r.Stderr, "No cached patch rule adds a companion") {
			t.Errorf("patch why with no rule, -o %s: %s", format, r)
		}
	}
}

func TestPatchUsage(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	for _, args := range [][]string{{"patch"}, {"patch", "frob"}, {"patch", "sync", "extra"}, {"patch", "registry", "https://x"}} {
		if r := pkgDep(t, env, "", args...); r.Code != cli.ExitUsage {
			t.Errorf("%v: %s", args, r)
		}
	}
	if r := mustRun(t, env, "", "patch", "sync", "--help"); !strings.Contains(r.Stdout, "Usage:\n  pkg-dep patch sync") {
		t.Errorf("patch sync --help: %s", r)
	}
}

// TestCredentialsNeverEchoed: a reference or a registry with a password in it is
// refused without printing the password.
func TestCredentialsNeverEchoed(t *testing.T) {
	t.Parallel()
	const pw = "s3cret"
	env := newHome(t)
	for _, args := range [][]string{
		{"resolve", "user:" + pw + "@ghcr.io/org/hello"},
		{"resolve", "oci://user:" + pw + "@HOST/org/hello@^1"},
		{"tree", "user:" + pw + "@localhost:5000/hello"},
		{"patch", "registry", "user:" + pw + "@ghcr.io/patches"},
		{"patch", "registry", "ghcr.io/patches", "user:" + pw + "@ghcr.io/other"},
		{"-f", "apiVersion: longshore.dev/v1alpha1\nkind: PackageRef\nref: user:" + pw + "@ghcr.io/org/hello\n"},
		{"-f", "apiVersion: longshore.dev/v1alpha1\nkind: PackageRef\nname: oci://" + pw + "@ghcr.io/org/hello\n"},
	} {
		stdin := ""
		if args[0] == "-f" {
			stdin, args = args[1], []string{"resolve", "-f", "-"}
		}
		r := pkgDep(t, env, stdin, args...)
		if r.Code != cli.ExitUsage || !strings.Contains(r.Stderr, "***@") {
			t.Errorf("pkg-dep %s: want exit 2 and the reference redacted; got %s", strings.Join(args[:2], " "), strings.ReplaceAll(r.String(), pw, "<the password>"))
		}
		if strings.Contains(r.Stdout+r.Stderr, pw) {
			t.Errorf("pkg-dep %s printed the password", strings.Join(args[:2], " "))
		}
	}
}

// A mirror's lock names its layouts relative to its own directory (pkg-pull mirror
// --relative); validate --remote reads them there, as pkg-pull -f does, wherever it is
// run from. From stdin they are relative to the current directory.
func TestValidateRemoteRelativeLayouts(t *testing.T) {
	t.Parallel()
	usb := filepath.Join(t.TempDir(), "usb")
	digest := publishLayout(t, "ocidir://"+filepath.Join(usb, "demo", "hello"), "hello", "1.0.0")
	lock := "apiVersion: longshore.dev/v1alpha1\nkind: Lock\nrequests:\n  - name: hello\npackages:\n" +
		"  - name: hello\n    version: 1.0.0\n    repository: ocidir://./demo/hello\n    digest: " + digest + "\n" +
		"    platforms:\n      - {platform: any, digest: " + digest + "}\n    reason: requested\norder: [hello]\n"
	file := filepath.Join(usb, "tools.lock.yaml")
	if err := os.WriteFile(file, []byte(lock), 0o644); err != nil {
		t.Fatal(err)
	}
	env := newHome(t)
	if r := mustRun(t, env, "", "validate", "-f", file, "--remote"); !strings.Contains(r.Stderr, "every digest exists") {
		t.Errorf("validate --remote of the mirror's lock: %s", r)
	}
	// The current directory (the package's) holds no demo/hello: from stdin it is missing.
	if r := pkgDep(t, env, lock, "validate", "-f", "-", "--remote"); r.Code != cli.ExitNotFound || !strings.Contains(r.Stderr, "repository ocidir://") {
		t.Errorf("validate --remote of the lock from stdin: %s", r)
	}
}

// TestResolveInstalled: Installed documents (pkg-pull list -o yaml, of this home or
// another) are resolved afresh, as brew bundle installs a Brewfile: the explicit
// installs are the requests, each through its tap within the constraint it was added
// with, and the dependencies they had there are left to the solve. The lock is the
// one those requests give on the command line. tree, which draws a Lock or resolves
// requests, does not take them: what it would draw is not what they record.
func TestResolveInstalled(t *testing.T) {
	t.Parallel()
	env := newHome(t)
	elsewhere := map[string]string{"LONGSHORE_HOME": t.TempDir()}
	writeInstalled(t, elsewhere, "main/hello 1.0.0 explicit", "main/libgreet 1.0.0 dependency", "main/zlib 1.3.0 dependency", "main/tool 3.1.0 explicit")
	data, err := os.ReadFile(filepath.Join(elsewhere["LONGSHORE_HOME"], "installed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	records := strings.Replace(string(data), "tap: main\npath: pkgs/sha256/"+strings.TrimPrefix(fakeDigest("hello1.0.0amd64"), "sha256:")+"\nreason: explicit\n",
		"tap: main\npath: pkgs/sha256/"+strings.TrimPrefix(fakeDigest("hello1.0.0amd64"), "sha256:")+"\nreason: explicit\nconstraint: ~1.0\n", 1)
	if !strings.Contains(records, "constraint: ~1.0\n") {
		t.Fatalf("no constraint recorded for hello:\n%s", records)
	}
	want := mustRun(t, env, "", "resolve", "main/hello@~1.0", "main/tool", "--platform", "linux/amd64", "-o", "yaml").Stdout
	got := mustRun(t, env, records, "resolve", "-f", "-", "--platform", "linux/amd64", "-o", "yaml")
	if got.Stdout != want {
		t.Errorf("resolve -f of Installed documents:\n%s\nwant what their explicit installs resolve to:\n%s", got.Stdout, want)
	}
	docs, err := stream.Decode(strings.NewReader(got.Stdout), "lock", api.Kinds)
	if err != nil {
		t.Fatal(err)
	}
	lock := docs[0].Value.(*api.Lock)
	hello, _ := lock.Package("hello")
	libgreet, _ := lock.Package("libgreet")
	if want := []api.LockRequest{{Name: "main/hello", Version: "~1.0", Platform: "linux/amd64"}, {Name: "main/tool", Platform: "linux/amd64"}}; !reflect.DeepEqual(lock.Requests, want) ||
		hello == nil || hello.Version != "1.0.0" || libgreet == nil || libgreet.Version != "1.2.0" {
		t.Errorf("want the explicit installs requested, hello within ~1.0 and libgreet at its newest, not the 1.0.0 recorded:\n%s", got.Stdout)
	}

	onlyDependencies := strings.Join(strings.SplitAfter(records, "---\n")[2:4], "")
	if r := pkgDep(t, env, "---\n"+onlyDependencies, "resolve", "-f", "-"); r.Code != cli.ExitUsage || !strings.Contains(r.Stderr, "nothing to resolve") {
		t.Errorf("Installed documents with no explicit install:\n%s", r)
	}
	if r := pkgDep(t, env, strings.Replace(records, "reason: dependency", "reason: wanted", 1), "resolve", "-f", "-"); r.Code != cli.ExitUsage || !strings.Contains(r.Stderr, `<stdin>:`) || !strings.Contains(r.Stderr, `reason "wanted" is not explicit, dependency or patch`) {
		t.Errorf("an Installed document pkg-pull would not write:\n%s", r)
	}
	if r := pkgDep(t, env, records, "tree", "-f", "-"); r.Code != cli.ExitUsage || !strings.Contains(r.Stderr, `kind "Installed" is not read here`) {
		t.Errorf("tree -f of Installed documents:\n%s", r)
	}
}
