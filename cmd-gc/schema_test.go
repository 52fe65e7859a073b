package main

import (
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/cli/clitest"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestOutputMatchesSchema validates what pkg-gc -o yaml and -o json print, for the
// store and for a repository, against manifests/schemas/gcreport.schema.json.
func TestOutputMatchesSchema(t *testing.T) {
	t.Parallel()
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "manifests", "schemas", "gcreport.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	home := installVersions(t, "1.0.0", "1.1.0")
	repo := filepath.Join(t.TempDir(), "hello")
	for _, v := range []string{"1.0.0", "1.1.0"} {
		publishTo(t, repo, "hello", v, true)
	}
	outputs := map[string]string{
		"dry run yaml": mustGC(t, home, "--dry-run", "-o", "yaml").Stdout,
		"run json":     mustGC(t, home, "-o", "json").Stdout,
		"empty run":    mustGC(t, home, "-o", "yaml").Stdout,
		"empty json":   mustGC(t, home, "--dry-run", "-o", "json").Stdout,
		"remote plan":  mustGC(t, home, "remote", "ocidir://"+repo, "--keep-last", "1", "--dry-run", "-o", "yaml").Stdout,
		"remote run":   mustGC(t, home, "remote", "ocidir://"+repo, "--keep-last", "1", "-o", "json").Stdout,
	}
	for name, out := range outputs {
		if err := schema.Validate(clitest.YAMLValue(t, out)); err != nil {
			t.Errorf("%s does not validate: %v\n%s", name, err, out)
		}
	}
	if !strings.Contains(outputs["empty json"], `"items": []`) {
		t.Errorf("an empty collection's JSON does not list its items as []:\n%s", outputs["empty json"])
	}
	if !strings.Contains(outputs["dry run yaml"], "kind: tree") || !strings.Contains(outputs["remote plan"], "kind: manifest") {
		t.Fatalf("the outputs validated are not the ones meant:\n%s\n%s", outputs["dry run yaml"], outputs["remote plan"])
	}

	// The schema is not vacuous.
	base := "apiVersion: longshore.dev/v1alpha1\nkind: GCReport\ndryRun: false\nfreedBytes: 0\nkept: {roots: 0, trees: 0, blobs: 0, links: 0}\n"
	for _, bad := range []string{
		base + "items: [{kind: tree, path: ../outside, bytes: 1, reason: x}]\n",
		base + "items: [{kind: tree, path: /abs, bytes: 1, reason: x}]\n",
		base + "items: [{kind: tree, bytes: 1, reason: x}]\n",
		base + "items: [{kind: manifest, digest: 'sha256:" + strings.Repeat("a", 64) + "', bytes: 1, reason: x}]\n",
		base + "items: [{kind: bogus, path: tmp/x, bytes: 1, reason: x}]\n",
		base + "items: [{kind: tmp, path: tmp/x, bytes: -1, reason: x}]\n",
		base + "items: []\nfreed: 1\n",
		"apiVersion: longshore.dev/v1alpha1\nkind: GCReport\nitems: []\n",
	} {
		if err := schema.Validate(clitest.YAMLValue(t, bad)); err == nil {
			t.Errorf("the schema accepts:\n%s", bad)
		}
	}
	if err := schema.Validate(clitest.YAMLValue(t, base+"items: [{kind: tmp, path: tmp/install-1, bytes: 1, reason: x}]\n")); err != nil {
		t.Errorf("the schema refuses a valid report: %v", err)
	}
}
