package main

import (
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/cli/clitest"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSearchOutputMatchesSchema validates what `pkg-tap search -o yaml` prints against
// manifests/schemas/packageref.schema.json, document by document, latest version and
// description included.
func TestSearchOutputMatchesSchema(t *testing.T) {
	t.Parallel()
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "manifests", "schemas", "packageref.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	env := newEnv(t)
	mustRun(t, env, "add", "core", entries(t, map[string]string{"hello": "Say hello", "hello.world_2": "", "x": "hello there"}))
	out := mustRun(t, env, "search", "hello", "-o", "yaml").Stdout
	docs := strings.Split(strings.TrimPrefix(out, "---\n"), "---\n")
	if len(docs) != 3 {
		t.Fatalf("want 3 documents:\n%s", out)
	}
	for _, doc := range docs {
		if err := schema.Validate(clitest.YAMLValue(t, doc)); err != nil {
			t.Errorf("document does not validate: %v\n%s", err, doc)
		}
	}

	// The schema is not vacuous: it refuses what Validate refuses, and typos.
	for _, bad := range []string{
		"apiVersion: longshore.dev/v1alpha1\nkind: PackageRef\n",
		"apiVersion: longshore.dev/v1alpha1\nkind: PackageRef\nname: core/hello\nref: localhost:5000/x/hello\n",
		"apiVersion: longshore.dev/v1alpha1\nkind: PackageRef\nname: Core/Hello\n",
		"apiVersion: longshore.dev/v1alpha1\nkind: PackageRef\nname: a/b/c\n",
		"apiVersion: longshore.dev/v1alpha1\nkind: PackageRef\nname: hello\nversoin: ^1\n",
		"apiVersion: longshore.dev/v1alpha1\nkind: Published\nname: hello\n",
		"apiVersion: longshore.dev/v1alpha1\nkind: PackageRef\nname: hello\nlatest: v1.0.0\n",
	} {
		if err := schema.Validate(clitest.YAMLValue(t, bad)); err == nil {
			t.Errorf("the schema accepts:\n%s", bad)
		}
	}
	for _, good := range []string{
		"apiVersion: longshore.dev/v1alpha1\nkind: PackageRef\nname: hello\nversion: ^1.2\nplatform: linux/arm64/v8\n",
		"apiVersion: longshore.dev/v1alpha1\nkind: PackageRef\nref: ghcr.io/org/fonts\nversion: '>=2 <3'\nplatform: any\n",
		"apiVersion: longshore.dev/v1alpha1\nkind: PackageRef\nname: core/hello\nlatest: 1.2.0-rc.1\ndescription: Say hello\n",
	} {
		if err := schema.Validate(clitest.YAMLValue(t, good)); err != nil {
			t.Errorf("the schema refuses: %v\n%s", err, good)
		}
	}
}
