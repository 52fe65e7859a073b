package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPushLintsFirst: a package lint finds errors in is not published unless
// --skip-lint, which says so loudly.
func TestPushLintsFirst(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "package.yaml"), []byte("apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata: {name: bad, version: 1.0.0}\nspec:\n  bin: [bin/missing]\n"), 0o644)
	layout := filepath.Join(t.TempDir(), "reg", "bad")
	epoch := map[string]string{"SOURCE_DATE_EPOCH": "0"}

	code, stdout, stderr := pkgPush(t, epoch, dir, "--to", "ocidir://"+layout)
	if code != 6 || !strings.Contains(stderr, "package.yaml:5: error [bin]") || !strings.Contains(stderr, "nothing was pushed") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout after a refusal: %q", stdout)
	}
	if _, err := os.Stat(layout); !os.IsNotExist(err) {
		t.Errorf("a refused push created %s", layout)
	}

	code, stdout, stderr = pkgPush(t, epoch, dir, "--to", "ocidir://"+layout, "--skip-lint", "-o", "name")
	if code != 0 || stdout != "published/bad@1.0.0\n" || !strings.Contains(stderr, "WITHOUT checking it") {
		t.Fatalf("--skip-lint: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
}

// TestPushCascadeAndDryRun covers the flags a publisher's workflow uses.
func TestPushCascadeAndDryRun(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	layout := "ocidir://" + filepath.Join(t.TempDir(), "reg", "tool")
	epoch := map[string]string{"SOURCE_DATE_EPOCH": "0"}
	if code, _, stderr := pkgPush(t, epoch, "init", filepath.Join(parent, "tool")); code != 0 {
		t.Fatal(stderr)
	}
	dir := filepath.Join(parent, "tool")
	code, stdout, stderr := pkgPush(t, epoch, dir, "--to", layout, "--dry-run", "-o", "yaml")
	if code != 0 || !strings.Contains(stdout, "kind: Published") || !strings.Contains(stderr, "nothing was pushed") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(strings.TrimPrefix(layout, "ocidir://")); !os.IsNotExist(err) {
		t.Error("--dry-run touched the target")
	}
	code, stdout, stderr = pkgPush(t, epoch, dir, "--to", layout, "--cascade", "-o", "json")
	if code != 0 || !strings.Contains(stdout, `"0.1.0",`) || !strings.Contains(stdout, `"latest"`) || !strings.Contains(stderr, "Tagged 0.1, 0, latest") {
		t.Fatalf("cascade: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, _, stderr = pkgPush(t, epoch, dir, "--to", layout+":9.9.9")
	if code != 2 || !strings.Contains(stderr, "the tag comes from package.yaml's version (0.1.0)") {
		t.Fatalf("a --to tag that is not the version: exit %d\n%s", code, stderr)
	}
}
