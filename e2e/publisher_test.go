package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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
	lint := runOK(t, opt, "kubectl", "pkg", "lint", dir, "-o", "yaml")
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

// TestPublisherCascadeKeepsTapIndex is the review's report against a real registry: a
// package pushed with --cascade into the repository of a tap index used to overwrite
// the index at latest, breaking `pkg-tap add`. It is refused, in a dry run too, and the
// tap still works.
func TestPublisherCascadeKeepsTapIndex(t *testing.T) {
	t.Parallel()
	opt := runOpts{Env: []string{"SOURCE_DATE_EPOCH=0"}}
	index := registryAddr + "/e2e/publisher/index3"
	pkg := newPackage(t, "hello", "1.0.0")
	published := runOK(t, opt, "pkg-push", pkg, "--to", registryAddr+"/e2e/publisher/hello", "-o", "yaml")
	runOK(t, runOpts{Env: opt.Env, Stdin: published.Stdout}, "pkg-tap", "index", "add", "-f", "-", "--to", index)

	for _, dry := range []bool{true, false} {
		args := []string{pkg, "--to", index, "--cascade"}
		if dry {
			args = append(args, "--dry-run")
		}
		res := run(t, opt, "pkg-push", args...)
		if res.Code != 5 || !strings.Contains(res.Stderr, index+":latest holds a longshore tap index") || res.Stdout != "" {
			t.Fatalf("dry run %v: %s", dry, res)
		}
	}
	if m := fetchManifest(t, index, "latest"); m.ArtifactType != indexArtifactType {
		t.Errorf("latest now holds %q", m.ArtifactType)
	}
	runOK(t, opt, "pkg-tap", "add", "demo", index)

	// A dry run against a repository that does not exist yet lists the tags a push sets.
	dry := decodeDoc(t, runOK(t, opt, "pkg-push", pkg, "--to", registryAddr+"/e2e/publisher/fresh", "--cascade", "--dry-run", "-o", "yaml").Stdout)
	if strings.Join(dry.Tags, " ") != "1.0.0 1.0 1 latest" {
		t.Errorf("dry run to a new repository: tags %v", dry.Tags)
	}
}

// TestPublisherLayoutInsidePackage runs what the scaffolded README suggests, from inside
// the package directory, twice: the layout is not packed, so the second push is the
// same digest and uploads nothing.
func TestPublisherLayoutInsidePackage(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "readme")
	opt := runOpts{Env: []string{"SOURCE_DATE_EPOCH=0"}, Dir: dir}
	runOK(t, runOpts{}, "pkg-push", "init", dir)
	first := runOK(t, opt, "pkg-push", ".", "--to", "ocidir://./registry/readme", "-o", "yaml")
	again := runOK(t, opt, "pkg-push", ".", "--to", "ocidir://./registry/readme", "-o", "yaml")
	if decodeDoc(t, again.Stdout).Digest != decodeDoc(t, first.Stdout).Digest || !strings.Contains(again.Stderr, "nothing to upload") {
		t.Errorf("re-push from inside the package:\n%s\n%s", first, again)
	}
}

// TestPublisherOnePackagePerRepository is the review's report against a real registry:
// pushing a second package into a repository that holds another's versions used to be
// accepted. It is refused before anything is sent; the check reads nothing from a new
// repository, one manifest and one config otherwise, nothing on an unchanged re-push;
// --force pushes anyway with a warning.
func TestPublisherOnePackagePerRepository(t *testing.T) {
	t.Parallel()
	opt := runOpts{Env: []string{"SOURCE_DATE_EPOCH=0"}}
	var mu sync.Mutex
	var seen []string // "GET manifests", "GET blobs", "PUT manifests", …
	px := newProxy(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		kind := "other"
		for _, k := range []string{"manifests", "blobs", "tags"} {
			if strings.Contains(r.URL.Path, "/"+k+"/") {
				kind = k
			}
		}
		mu.Lock()
		seen = append(seen, r.Method+" "+kind)
		mu.Unlock()
		next.ServeHTTP(w, r)
	})
	// push runs pkg-push DIR --to the repository through the proxy, and counts the
	// writes it made and its manifest and blob reads before the first (the checks;
	// tagging reads the manifest it tags).
	push := func(dir string, args ...string) (res result, reads map[string]int, writes int) {
		t.Helper()
		mu.Lock()
		seen = nil
		mu.Unlock()
		res = run(t, opt, "pkg-push", append([]string{dir, "--to", px.via(registryAddr + "/e2e/publisher/shared")}, args...)...)
		mu.Lock()
		defer mu.Unlock()
		reads = map[string]int{}
		for _, s := range seen {
			switch method, kind, _ := strings.Cut(s, " "); method {
			case http.MethodGet:
				if writes == 0 {
					reads[kind]++
				}
			case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
				writes++
			}
		}
		return res, reads, writes
	}
	shared := px.via(registryAddr + "/e2e/publisher/shared")

	res, reads, _ := push(newPackage(t, "greet", "1.0.0"))
	if res.Code != 0 || reads["manifests"]+reads["blobs"] != 0 {
		t.Fatalf("greet 1.0.0 to a new repository: %d manifest and %d blob reads\n%s", reads["manifests"], reads["blobs"], res)
	}
	greet := newPackage(t, "greet", "1.1.0")
	res, reads, _ = push(greet)
	if res.Code != 0 || reads["manifests"] != 1 || reads["blobs"] != 1 {
		t.Fatalf("greet 1.1.0: %d manifest and %d blob reads, want 1 and 1 (1.0.0's manifest and config)\n%s", reads["manifests"], reads["blobs"], res)
	}
	res, reads, writes := push(greet)
	if res.Code != 0 || !strings.Contains(res.Stderr, "nothing to upload") || writes != 0 || reads["manifests"]+reads["blobs"] != 0 {
		t.Fatalf("unchanged re-push: %d writes, %d manifest and %d blob reads\n%s", writes, reads["manifests"], reads["blobs"], res)
	}

	other := newPackage(t, "other", "1.2.0")
	res, _, writes = push(other)
	if res.Code != 5 || res.Stdout != "" || writes != 0 ||
		!strings.Contains(res.Stderr, "Error: "+shared+" holds another package: its newest version tag, 1.1.0, holds package greet 1.1.0, not other;") ||
		!strings.Contains(res.Stderr, "Hint: push other to a repository of its own, e.g. "+px.via(registryAddr+"/e2e/publisher/other")+", or pass --force") {
		t.Fatalf("other into greet's repository: %d writes\n%s", writes, res)
	}
	if tags := listTags(t, registryAddr+"/e2e/publisher/shared"); slices.Contains(tags, "1.2.0") {
		t.Errorf("a refused push tagged 1.2.0: %v", tags)
	}
	res, _, _ = push(other, "--force")
	if res.Code != 0 || !strings.Contains(res.Stderr, "Warning: --force: "+shared+":1.1.0 holds package greet 1.1.0; pushed other 1.2.0 beside it") {
		t.Errorf("--force:\n%s", res)
	}
}

// TestPublisherShallowClone is the review's report against a real registry: a package
// last touched by an older commit, published from a full clone, then from a depth-1
// clone (actions/checkout's default) as CI would. The shallow clone dated the artifact
// by its one commit, so the push was refused as different content (exit 5) with no
// word of why. It still is (a version is published once), but a warning says the
// clone is shallow (an annotation under GitHub Actions) and the hint says to fetch the
// history; once fetched, the push is the full clone's digest.
func TestPublisherShallowClone(t *testing.T) {
	t.Parallel()
	repo := t.TempDir()
	repoRef := registryAddr + "/e2e/publisher/shallow"
	git := func(dir string, args ...string) {
		t.Helper()
		runOK(t, runOpts{Dir: dir, Env: []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=e2e", "GIT_AUTHOR_EMAIL=e2e@example.com",
			"GIT_COMMITTER_NAME=e2e", "GIT_COMMITTER_EMAIL=e2e@example.com", "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z"}}, "git", args...)
	}
	runOK(t, runOpts{}, "pkg-push", "init", filepath.Join(repo, "pkgs", "hello"))
	git(repo, "init", "-q")
	git(repo, "add", "-A")
	git(repo, "commit", "-q", "-m", "hello")
	if err := os.WriteFile(filepath.Join(repo, "README.md"), []byte("other"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(repo, "add", "-A")
	git(repo, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "unrelated", "--date=2025-01-01T00:00:00Z")

	full := decodeDoc(t, runOK(t, runOpts{Dir: repo}, "pkg-push", "pkgs/hello", "--to", repoRef, "-o", "yaml").Stdout)

	shallow := filepath.Join(t.TempDir(), "shallow")
	git(repo, "clone", "-q", "--depth", "1", "file://"+repo, shallow)
	res := run(t, runOpts{Dir: shallow, Env: []string{"GITHUB_ACTIONS=true"}}, "pkg-push", "pkgs/hello", "--to", repoRef, "--skip-lint")
	if res.Code != 5 || !strings.Contains(res.Stderr, "::warning title=pkg-push::pkgs/hello is in a shallow clone") ||
		!strings.Contains(res.Stderr, "already exists with different content") ||
		!strings.Contains(res.Stderr, "Hint: this push was built in a shallow clone") {
		t.Fatalf("push from the shallow clone: %s", res)
	}
	git(shallow, "fetch", "-q", "--unshallow")
	again := runOK(t, runOpts{Dir: shallow}, "pkg-push", "pkgs/hello", "--to", repoRef, "-o", "yaml")
	if decodeDoc(t, again.Stdout).Digest != full.Digest || strings.Contains(again.Stderr, "shallow clone") || !strings.Contains(again.Stderr, "nothing to upload") {
		t.Errorf("push after git fetch --unshallow: %s", again)
	}
}

// tagDigest is the digest repo:tag points at, as the registry says (HEAD).
func tagDigest(t *testing.T, repo, tag string) string {
	t.Helper()
	host, path, _ := strings.Cut(repo, "/")
	req, _ := http.NewRequest(http.MethodHead, "http://"+host+"/v2/"+path+"/manifests/"+tag, nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HEAD %s:%s: %s", repo, tag, resp.Status)
	}
	return resp.Header.Get("Docker-Content-Digest")
}

// TestPublisherConcurrentCascade publishes 1.1.0 and 1.2.0 of one package at the same
// time, both with --cascade, as two CI runs for two release tags do. Each picks the
// floating tags to move from the tags it listed before pushing, so both move 1 and
// latest; whichever tagged last used to win (three trials in three left latest on
// 1.1.0). Now 1 and latest end on 1.2.0, and 1.1 and 1.2 on their own, in either order.
func TestPublisherConcurrentCascade(t *testing.T) {
	t.Parallel()
	env := append(baseEnv(t), "SOURCE_DATE_EPOCH=0")
	v11, v12 := newPackage(t, "race", "1.1.0"), newPackage(t, "race", "1.2.0")
	for trial := range 4 {
		repo := fmt.Sprintf("%s/e2e/publisher/race%d", registryAddr, trial)
		pkgs := []string{v11, v12}
		if trial%2 == 1 {
			pkgs = []string{v12, v11}
		}
		var cmds []*exec.Cmd
		var outs []*bytes.Buffer
		for _, pkg := range pkgs {
			cmd := exec.Command("pkg-push", pkg, "--to", repo, "--cascade", "-o", "name")
			cmd.Env = env
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			cmds, outs = append(cmds, cmd), append(outs, &out)
		}
		for _, cmd := range cmds {
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
		}
		for i, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Fatalf("trial %d, %s: %v\n%s", trial, cmd.Args[1], err, outs[i])
			}
		}
		d11, d12 := tagDigest(t, repo, "1.1.0"), tagDigest(t, repo, "1.2.0")
		for tag, want := range map[string]string{"1.1": d11, "1.2": d12, "1": d12, "latest": d12} {
			if got := tagDigest(t, repo, tag); got != want {
				t.Errorf("trial %d: %s is %s, want %s (1.1.0 is %s, 1.2.0 is %s)", trial, tag, got, want, d11, d12)
			}
		}
		if t.Failed() {
			for i, cmd := range cmds {
				t.Logf("trial %d, %s:\n%s", trial, cmd.Args[1], outs[i])
			}
			return
		}
	}
}
