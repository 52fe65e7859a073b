package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"longshore.dev/lib/cli/clitest"
	"longshore.dev/lib/tap"
)

// TestOutdatedMatchesSchema validates what `pkg-dep outdated -o yaml` prints, document
// by document, and each item of `-o json`, against
// manifests/schemas/outdated.schema.json: rows with versions and a row whose tap is
// gone.
func TestOutdatedMatchesSchema(t *testing.T) {
	t.Parallel()
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "manifests", "schemas", "outdated.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	env := newHome(t)
	addTap(t, env["LONGSHORE_HOME"], "demo", entry("greeter", "1.0.0", "1.1.0"))
	writeInstalled(t, env, "main/zlib 1.3.0 explicit", "main/certs 1.0.0 explicit", "demo/greeter 1.0.0 explicit")
	if _, _, err := tap.Remove(env["LONGSHORE_HOME"], "demo", true); err != nil {
		t.Fatal(err)
	}

	out := pkgDep(t, env, "", "outdated", "--all", "-o", "yaml").Stdout
	docs := strings.Split(strings.TrimPrefix(out, "---\n"), "---\n")
	if len(docs) != 3 || !strings.Contains(out, "error: ") || !strings.Contains(out, "wanted: ") {
		t.Fatalf("want 3 documents, one with an error, the others with versions:\n%s", out)
	}
	for _, doc := range docs {
		if err := schema.Validate(clitest.YAMLValue(t, doc)); err != nil {
			t.Errorf("document does not validate: %v\n%s", err, doc)
		}
	}
	var list struct{ Items []json.RawMessage }
	if err := json.Unmarshal([]byte(pkgDep(t, env, "", "outdated", "--all", "-o", "json").Stdout), &list); err != nil || len(list.Items) != 3 {
		t.Fatalf("-o json: %v, %d items", err, len(list.Items))
	}
	for _, item := range list.Items {
		if err := schema.Validate(clitest.YAMLValue(t, string(item))); err != nil {
			t.Errorf("a json item does not validate: %v\n%s", err, item)
		}
	}

	// A yanked current version.
	yanked := entry("leftpad", "1.0.0", "1.1.0")
	yanked.Versions[1].Yanked = true
	addTap(t, env["LONGSHORE_HOME"], "extra", yanked)
	doc := pkgDep(t, env, lockOf(t, env, "leftpad@1.1.0"), "outdated", "-f", "-", "-o", "yaml").Stdout
	if err := schema.Validate(clitest.YAMLValue(t, doc)); err != nil || !strings.Contains(doc, "yanked: true") {
		t.Errorf("the document of a yanked version: %v\n%s", err, doc)
	}

	// The schema is not vacuous: it refuses typos, a version that is not one, a
	// missing repository, and versions beside an error.
	base := "apiVersion: longshore.dev/v1alpha1\nkind: Outdated\nname: zlib\ncurrent: 1.3.0\nrepository: registry.example/zlib\n"
	for _, bad := range []string{
		base + "lastest: 1.4.0\n",
		base + "latest: '1.4'\n",
		base + "wanted: 1.4.0\nerror: no tap named \"demo\"\n",
		base + "tap: Main\n",
		base + "yanked: false\n",
		strings.Replace(base, "repository: registry.example/zlib\n", "", 1),
		strings.Replace(base, "kind: Outdated", "kind: Lock", 1),
	} {
		if err := schema.Validate(clitest.YAMLValue(t, bad)); err == nil {
			t.Errorf("the schema accepts:\n%s", bad)
		}
	}
	for _, good := range []string{
		base + "wanted: 1.3.0\nlatest: 1.4.0-rc.1+b.5\ntap: main\n",
		base + "error: no tap named \"demo\"\n",
	} {
		if err := schema.Validate(clitest.YAMLValue(t, good)); err != nil {
			t.Errorf("the schema refuses: %v\n%s", err, good)
		}
	}
}

// validateOutput checks every document of what `-o yaml` prints, and every item of what
// `-o json` prints for the same arguments, against schema; it returns the yaml.
func validateOutput(t *testing.T, schema *jsonschema.Schema, env map[string]string, stdin string, args ...string) string {
	t.Helper()
	out := pkgDep(t, env, stdin, append(args, "-o", "yaml")...).Stdout
	for _, doc := range strings.Split(strings.TrimPrefix(out, "---\n"), "---\n") {
		if err := schema.Validate(clitest.YAMLValue(t, doc)); err != nil {
			t.Errorf("%v: a document does not validate: %v\n%s", args, err, doc)
		}
	}
	var list struct{ Items []json.RawMessage }
	if err := json.Unmarshal([]byte(pkgDep(t, env, stdin, append(args, "-o", "json")...).Stdout), &list); err != nil || len(list.Items) == 0 {
		t.Fatalf("%v -o json: %v, %d items", args, err, len(list.Items))
	}
	for _, item := range list.Items {
		if err := schema.Validate(clitest.YAMLValue(t, string(item))); err != nil {
			t.Errorf("%v: a json item does not validate: %v\n%s", args, err, item)
		}
	}
	return out
}

// TestDependencyPathMatchesSchema validates what `pkg-dep why -o yaml|json` prints
// against manifests/schemas/dependencypath.schema.json: paths through dependencies and
// patch edges, a request alone, a companion named by its repository (no tap), and an
// installed package nothing leads to (no edge).
func TestDependencyPathMatchesSchema(t *testing.T) {
	t.Parallel()
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "manifests", "schemas", "dependencypath.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	env := newHome(t)
	lock := lockOf(t, env, "hello", "tool")
	if out := validateOutput(t, schema, env, lock, "why", "certs", "-f", "-"); strings.Count(out, "edge: patch") != 2 || strings.Count(out, "edge: dependency") != 2 {
		t.Errorf("want two paths, each with a patch and a dependency edge:\n%s", out)
	}
	validateOutput(t, schema, env, lock, "why", "hello", "-f", "-")
	anyEnv, proxy := anyHome(t)
	if out := validateOutput(t, schema, anyEnv, "", "why", "proxyconfig"); !strings.Contains(out, "  - name: "+proxy+"\n    version: 2.1.0\n    edge: patch\n") {
		t.Errorf("want the companion by its repository, without a tap:\n%s", out)
	}
	writeInstalled(t, env, "main/zlib 1.3.0 dependency")
	if out := validateOutput(t, schema, env, "", "why", "zlib"); strings.Contains(out, "edge:") {
		t.Errorf("want a path of one step without an edge:\n%s", out)
	}

	// The schema is not vacuous: it refuses typos, a step without a version, a path of
	// no step, a request after the first step and a first step reached by an edge.
	base := "apiVersion: longshore.dev/v1alpha1\nkind: DependencyPath\ntarget: zlib\nsteps:\n  - {name: hello, version: 1.1.0, tap: main, edge: request}\n"
	last := "  - {name: zlib, version: 1.4.0, tap: main, edge: dependency}\n"
	for _, bad := range []string{
		base + "  - {name: zlib, version: 1.4.0, egde: dependency}\n",
		base + "  - {name: zlib, edge: dependency}\n",
		base + "  - {name: zlib, version: '1.4', edge: dependency}\n",
		base + "  - {name: zlib, version: 1.4.0}\n",
		base + "  - {name: zlib, version: 1.4.0, edge: request}\n",
		base + "  - {name: zlib, version: 1.4.0, tap: Main, edge: patch}\n",
		strings.Replace(base, "edge: request", "edge: dependency", 1) + last,
		"apiVersion: longshore.dev/v1alpha1\nkind: DependencyPath\ntarget: zlib\nsteps: []\n",
		strings.Replace(base+last, "target: zlib\n", "", 1),
		strings.Replace(base+last, "kind: DependencyPath", "kind: Lock", 1),
	} {
		if err := schema.Validate(clitest.YAMLValue(t, bad)); err == nil {
			t.Errorf("the schema accepts:\n%s", bad)
		}
	}
	for _, good := range []string{
		base + last,
		base + "  - {name: registry.example/ca-bundle, version: 1.0.0-rc.1, edge: patch}\n",
		"apiVersion: longshore.dev/v1alpha1\nkind: DependencyPath\ntarget: zlib\nsteps:\n  - {name: zlib, version: 1.3.0}\n",
	} {
		if err := schema.Validate(clitest.YAMLValue(t, good)); err != nil {
			t.Errorf("the schema refuses: %v\n%s", err, good)
		}
	}
}

// TestPatchRuleMatchesSchema validates what `pkg-dep patch list` and `pkg-dep patch
// why` print with -o yaml|json against manifests/schemas/patchrule.schema.json: a
// package's own rule with a constraint, a _global rule without one, and a companion a
// rule names by ref:.
func TestPatchRuleMatchesSchema(t *testing.T) {
	t.Parallel()
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "manifests", "schemas", "patchrule.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	env := newHome(t)
	writeInstalled(t, env, "main/hello 1.1.0 explicit", "main/libgreet 1.2.0 dependency", "main/zlib 1.3.0 dependency")
	mustRun(t, env, "", "patch", "sync", "-o", "yaml")
	if out := validateOutput(t, schema, env, "", "patch", "list"); strings.Count(out, "kind: PatchRule\n") != 2 || !strings.Contains(out, "constraint: ^1\n") || !strings.Contains(out, "descriptor: _global\n") {
		t.Errorf("want the rules of hello and of _global:\n%s", out)
	}
	validateOutput(t, schema, env, "", "patch", "why", "ca-bundle")
	anyEnv, proxy := anyHome(t)
	mustRun(t, anyEnv, "", "patch", "sync", "-o", "yaml")
	if out := validateOutput(t, schema, anyEnv, "", "patch", "why", "proxyconfig"); !strings.Contains(out, "companion: "+proxy+"\nrequest: "+proxy+"\n") {
		t.Errorf("want the companion a rule names by ref:\n%s", out)
	}

	// The schema is not vacuous: it refuses typos, a rule index that is not one, a
	// reference that is not a descriptor's, a missing match.
	base := "apiVersion: longshore.dev/v1alpha1\nkind: PatchRule\npackage: hello\nversion: 1.1.0\ncompanion: ca-bundle\nrequest: ca-bundle@^1\n" +
		"descriptor: hello\nreference: registry.example/patches/hello:patches@sha256:" + strings.Repeat("0a", 32) + "\nrule: 0\n"
	for _, bad := range []string{
		base + "match: name=hello\nconstraint: ''\n",
		base + "matche: name=hello\n",
		base,
		strings.Replace(base, "rule: 0", "rule: -1", 1) + "match: any package\n",
		strings.Replace(base, "rule: 0", "rule: '0'", 1) + "match: any package\n",
		strings.Replace(base, ":patches@", ":latest@", 1) + "match: any package\n",
		strings.Replace(base, "descriptor: hello", "descriptor: Hello", 1) + "match: any package\n",
		strings.Replace(base, "version: 1.1.0", "version: '1.1'", 1) + "match: any package\n",
		strings.Replace(base, "kind: PatchRule", "kind: Lock", 1) + "match: any package\n",
	} {
		if err := schema.Validate(clitest.YAMLValue(t, bad)); err == nil {
			t.Errorf("the schema accepts:\n%s", bad)
		}
	}
	for _, good := range []string{
		base + "constraint: ^1\nmatch: name=hello version=>=1.1 platform=linux/*\n",
		strings.Replace(base, "descriptor: hello", "descriptor: _global", 1) + "match: any package\n",
		strings.Replace(base, "@sha256:"+strings.Repeat("0a", 32), "", 1) + "match: any package\n",
	} {
		if err := schema.Validate(clitest.YAMLValue(t, good)); err != nil {
			t.Errorf("the schema refuses: %v\n%s", err, good)
		}
	}
}
