package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPatchPublish publishes a patch descriptor to the real registry and reads it back
// over the distribution API, as any OCI client would.
func TestPatchPublish(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "hello-patches.yaml")
	os.WriteFile(file, []byte(`apiVersion: longshore.dev/v1alpha1
kind: PatchDescriptor
rules:
  - match: {name: hello, version: ">=1.0", platform: "linux/*"}
    companions:
      - {name: corp/ca-bundle, version: "^1"}
`), 0o644)
	root := registryAddr + "/e2e/patches"
	first := runOK(t, runOpts{}, "pkg-push", "patch", file, "--for", "hello", "--to", root)
	if !strings.HasPrefix(first.Stdout, root+"/hello:patches@sha256:") {
		t.Fatalf("stdout: %q", first.Stdout)
	}
	again := runOK(t, runOpts{}, "pkg-push", "patch", file, "--for", "hello", "--to", root)
	if again.Stdout != first.Stdout || !strings.Contains(again.Stderr, "already holds these rules") {
		t.Errorf("republishing the same rules: %q / %q", again.Stdout, again.Stderr)
	}
	m := fetchManifest(t, root+"/hello", "patches")
	if m.ArtifactType != "application/vnd.longshore.patches.v1" || m.Config.MediaType != "application/vnd.longshore.patches.config.v1+json" {
		t.Errorf("manifest as served: %+v", m)
	}

	// Rules for any package live where the repository grammar allows them.
	global := filepath.Join(dir, "global.yaml")
	os.WriteFile(global, []byte("apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\nrules:\n  - match: {name: \"lib*\"}\n    companions: [{name: corp/ca-bundle}]\n"), 0o644)
	g := runOK(t, runOpts{}, "pkg-push", "patch", global, "--for", "_global", "--to", root)
	if !strings.HasPrefix(g.Stdout, root+"/global/rules:patches@sha256:") {
		t.Errorf("global descriptor: %q", g.Stdout)
	}

	// A rule that can never apply to the package it is published for is refused.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\nrules:\n  - match: {name: world}\n    companions: [{name: x}]\n"), 0o644)
	res := run(t, runOpts{}, "pkg-push", "patch", bad, "--for", "hello", "--to", root)
	if res.Code != 2 || !strings.Contains(res.Stderr, `never matches "hello"`) {
		t.Errorf("bad descriptor: exit %d, %s", res.Code, res.Stderr)
	}
}
