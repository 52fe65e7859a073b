package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli/clitest"
	"longshore.dev/lib/stream"
)

// TestPatchOutput: pkg-push patch prints a PatchPublished in every format, yaml into a
// pipe, and what -o yaml and -o json print validates against
// manifests/schemas/patchpublished.schema.json.
func TestPatchOutput(t *testing.T) {
	t.Parallel()
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "manifests", "schemas", "patchpublished.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "hello-patches.yaml")
	rule := "  - match: {name: hello}\n    companions: [{name: ca-bundle}]\n"
	if err := os.WriteFile(file, []byte("apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\nrules:\n"+rule+rule), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "patches")
	patch := func(args ...string) string {
		t.Helper()
		return pkgPushOK(t, nil, append([]string{"patch", file, "--for", "hello", "--to", "ocidir://" + root}, args...)...)
	}

	out := patch()
	docs, err := stream.Decode(strings.NewReader(out), "patch", api.Kinds)
	if err != nil || len(docs) != 1 {
		t.Fatalf("patch into a pipe is not one document: %v\n%s", err, out)
	}
	p, ok := docs[0].Value.(*api.PatchPublished)
	if !ok || p.Descriptor != "hello" || p.Repository != "ocidir://"+root+"/hello" || p.Tag != "patches" || p.Rules != 2 || !strings.HasPrefix(p.Digest, "sha256:") {
		t.Fatalf("patch -o yaml: %+v\n%s", docs[0].Value, out)
	}
	if err := schema.Validate(clitest.YAMLValue(t, out)); err != nil {
		t.Errorf("patch -o yaml does not validate: %v\n%s", err, out)
	}
	if got := patch("-o", "yaml"); got != out {
		t.Errorf("patch -o yaml differs from the default into a pipe:\n%s", got)
	}
	js := patch("-o", "json")
	var v map[string]any
	if err := json.Unmarshal([]byte(js), &v); err != nil || v["digest"] != p.Digest {
		t.Errorf("patch -o json: %v\n%s", err, js)
	}
	if err := schema.Validate(clitest.YAMLValue(t, js)); err != nil {
		t.Errorf("patch -o json does not validate: %v\n%s", err, js)
	}
	if got := patch("-o", "name"); got != "patchpublished/ocidir://"+root+"/hello:patches\n" {
		t.Errorf("patch -o name: %q", got)
	}
	table := strings.Split(strings.TrimSuffix(patch("-o", "table"), "\n"), "\n")
	if len(table) != 2 || strings.Join(strings.Fields(table[0]), " ") != "DESCRIPTOR REPOSITORY TAG RULES DIGEST" ||
		strings.Join(strings.Fields(table[1]), " ") != "hello ocidir://"+root+"/hello patches 2 "+p.Digest {
		t.Errorf("patch -o table:\n%s", strings.Join(table, "\n"))
	}
	// A bad -o is refused before anything is published.
	code, stdout, stderr := pkgPush(t, nil, "patch", file, "--for", "_global", "--to", "ocidir://"+root, "-o", "nmae")
	if _, err := os.Stat(filepath.Join(root, "global")); code != 2 || stdout != "" || !strings.Contains(stderr, "did you mean -o name?") || err == nil {
		t.Errorf("patch -o nmae: exit %d, published: %v\n%s", code, err == nil, stderr)
	}

	// The schema is not vacuous.
	base := "apiVersion: longshore.dev/v1alpha1\nkind: PatchPublished\ndescriptor: hello\nrepository: registry.example/patches/hello\ntag: patches\ndigest: sha256:" + strings.Repeat("a", 64) + "\n"
	for _, bad := range []string{
		base,
		base + "rules: -1\n",
		base + "rules: 1\nrulez: 1\n",
		strings.Replace(base, "tag: patches", "tag: latest", 1) + "rules: 1\n",
		strings.Replace(base, "descriptor: hello", "descriptor: Hello", 1) + "rules: 1\n",
		strings.Replace(base, "digest: sha256:", "digest: sha256:x", 1) + "rules: 1\n",
		strings.Replace(base, "kind: PatchPublished", "kind: IndexPublished", 1) + "rules: 1\n",
	} {
		if err := schema.Validate(clitest.YAMLValue(t, bad)); err == nil {
			t.Errorf("the schema accepts:\n%s", bad)
		}
	}
	if err := schema.Validate(clitest.YAMLValue(t, strings.Replace(base, "descriptor: hello", "descriptor: _global", 1)+"rules: 0\n")); err != nil {
		t.Errorf("the schema refuses a _global descriptor of no rules: %v", err)
	}
}
