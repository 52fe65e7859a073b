package main

import (
	"encoding/json"
	"os"
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

	// pkg-gc why's KeepChain documents: a manifest, and a layer through its manifest.
	chains, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "manifests", "schemas", "keepchain.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	why := mustGC(t, home, "why", "hello", "-o", "json").Stdout
	manifest := strings.TrimSpace(strings.TrimPrefix(mustGC(t, home, "why", "hello", "-o", "name").Stdout, "keepchain/manifest:"))
	raw, err := os.ReadFile(filepath.Join(home, "store", "blobs", "sha256", strings.TrimPrefix(manifest, "sha256:")))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Layers []struct{ Digest string } }
	if err := json.Unmarshal(raw, &m); err != nil || len(m.Layers) == 0 {
		t.Fatalf("the manifest %s: %v\n%s", manifest, err, raw)
	}
	layer := mustGC(t, home, "why", m.Layers[0].Digest, "-o", "json").Stdout
	if !strings.Contains(layer, `"kind": "layer"`) {
		t.Errorf("why of a layer names no layer link:\n%s", layer)
	}
	for name, out := range map[string]string{"why hello": why, "why of a layer": layer} {
		list := clitest.YAMLValue(t, out).(map[string]any)
		items, _ := list["items"].([]any)
		if len(items) == 0 {
			t.Fatalf("%s printed no chain:\n%s", name, out)
		}
		for _, item := range items {
			if err := chains.Validate(item); err != nil {
				t.Errorf("%s does not validate: %v\n%s", name, err, out)
			}
		}
	}
	for _, bad := range []string{
		"apiVersion: longshore.dev/v1alpha1\nkind: KeepChain\ntarget: x\nroot: r\nlinks: []\n",
		"apiVersion: longshore.dev/v1alpha1\nkind: KeepChain\ntarget: x\nroot: r\nlinks: [{kind: tree, digest: 'sha256:" + strings.Repeat("a", 64) + "'}]\n",
		"apiVersion: longshore.dev/v1alpha1\nkind: KeepChain\ntarget: x\nroot: r\nlinks: [{kind: layer, digest: 'sha256:" + strings.Repeat("a", 64) + "', tree: ../x}]\n",
	} {
		if err := chains.Validate(clitest.YAMLValue(t, bad)); err == nil {
			t.Errorf("the KeepChain schema accepts:\n%s", bad)
		}
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
