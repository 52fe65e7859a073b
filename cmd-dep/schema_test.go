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
	if _, err := tap.Remove(env["LONGSHORE_HOME"], "demo", true); err != nil {
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
