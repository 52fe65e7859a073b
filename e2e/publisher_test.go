package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPublisherFlow is the publisher's loop against the real registry, through the
// kubectl plugin names: init → lint → push --cascade, then the registry's view of it.
func TestPublisherFlow(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "greeter")
	repo := registryAddr + "/e2e/publisher/greeter"
	opt := runOpts{Env: []string{"SOURCE_DATE_EPOCH=1700000000"}}

	runOK(t, opt, "kubectl", "pkg", "init", dir)
	lint := runOK(t, opt, "kubectl", "pkg", "lint", dir, "--strict", "-o", "yaml")
	if !strings.Contains(lint.Stdout, "kind: LintReport") || !strings.Contains(lint.Stdout, "errors: 0") {
		t.Fatalf("lint report: %s", lint.Stdout)
	}
	pushed := decodeDoc(t, runOK(t, opt, "kubectl", "pkg", "push", dir, "--to", repo, "--cascade", "-o", "yaml").Stdout)

	m := fetchManifest(t, repo, "latest")
	if m.ArtifactType != "application/vnd.longshore.package.v1" || m.Config.MediaType != "application/vnd.longshore.package.config.v1+json" {
		t.Errorf("manifest: %+v", m)
	}
	for key, want := range map[string]string{
		"org.opencontainers.image.title":   "greeter",
		"org.opencontainers.image.version": "0.1.0",
		"org.opencontainers.image.created": "2023-11-14T22:13:20Z",
		"org.opencontainers.image.source":  "https://github.com/OWNER/greeter",
	} {
		if got := m.Annotations[key]; got != want {
			t.Errorf("annotation %s = %q, want %q", key, got, want)
		}
	}
	tags := listTags(t, repo)
	for _, want := range []string{"0.1.0", "0.1", "0", "latest"} {
		if !slices.Contains(tags, want) {
			t.Errorf("tags %v lack %s", tags, want)
		}
	}
	// Re-pushing the unchanged package uploads nothing and keeps the digest.
	again := runOK(t, opt, "pkg-push", dir, "--to", repo, "--cascade", "-o", "yaml")
	if decodeDoc(t, again.Stdout).Digest != pushed.Digest || !strings.Contains(again.Stderr, "nothing to upload") {
		t.Errorf("re-push: %s / %s", again.Stdout, again.Stderr)
	}
}

func listTags(t *testing.T, repo string) []string {
	t.Helper()
	host, path, _ := strings.Cut(repo, "/")
	resp, err := http.Get("http://" + host + "/v2/" + path + "/tags/list")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var list struct{ Tags []string }
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("tags/list: %v: %s", err, body)
	}
	return list.Tags
}
