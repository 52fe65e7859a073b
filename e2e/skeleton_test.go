package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// doc is the subset of Published/Installed the tests read.
type doc struct {
	Kind    string   `yaml:"kind"`
	Name    string   `yaml:"name"`
	Version string   `yaml:"version"`
	Digest  string   `yaml:"digest"`
	Path    string   `yaml:"path"`
	Source  string   `yaml:"source"`
	Tags    []string `yaml:"tags"`
}

func decodeDoc(t *testing.T, out string) doc {
	t.Helper()
	var d doc
	if err := yaml.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("stdout is not one YAML document: %v\n%s", err, out)
	}
	return d
}

// TestSkeletonRegistry publishes a package to the real registry and installs it.
func TestSkeletonRegistry(t *testing.T) {
	t.Parallel()
	pkg := newPackage(t, "hello", "1.0.0")
	repo := registryAddr + "/e2e/skeleton/hello"
	home := t.TempDir()
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}

	pushed := decodeDoc(t, runOK(t, opt, "pkg-push", pkg, "--to", repo, "-o", "yaml").Stdout)
	if pushed.Kind != "Published" || pushed.Name != "hello" || pushed.Version != "1.0.0" || !strings.HasPrefix(pushed.Digest, "sha256:") {
		t.Fatalf("unexpected Published: %+v", pushed)
	}
	// The same directory again: same digest, nothing uploaded.
	again := runOK(t, opt, "pkg-push", pkg, "--to", repo, "-o", "yaml")
	if d := decodeDoc(t, again.Stdout); d.Digest != pushed.Digest {
		t.Errorf("second push digest %s, first %s", d.Digest, pushed.Digest)
	}
	if !strings.Contains(again.Stderr, "nothing to upload") {
		t.Errorf("second push should upload nothing; stderr: %s", again.Stderr)
	}
	// Another checkout of the same package, files touched at another time: same digest.
	other := newPackage(t, "hello", "1.0.0")
	past := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	filepath.Walk(other, func(p string, _ os.FileInfo, _ error) error { return os.Chtimes(p, past, past) })
	if d := decodeDoc(t, runOK(t, opt, "pkg-push", other, "--to", repo, "--dry-run", "-o", "yaml").Stdout); d.Digest != pushed.Digest {
		t.Errorf("another checkout gave %s, want %s", d.Digest, pushed.Digest)
	}

	// Any OCI client reads it: fetch the manifest over the plain distribution API.
	manifest := fetchManifest(t, repo, "1.0.0")
	if manifest.ArtifactType != "application/vnd.longshore.package.v1" ||
		manifest.Config.MediaType != "application/vnd.longshore.package.config.v1+json" ||
		len(manifest.Layers) != 1 || manifest.Layers[0].MediaType != "application/vnd.oci.image.layer.v1.tar+zstd" ||
		manifest.Annotations["org.opencontainers.image.title"] != "hello" ||
		manifest.Annotations["org.opencontainers.image.version"] != "1.0.0" {
		t.Errorf("manifest as the registry serves it: %+v", manifest)
	}

	installed := decodeDoc(t, runOK(t, opt, "pkg-pull", repo+":1.0.0", "-o", "yaml").Stdout)
	if installed.Kind != "Installed" || installed.Digest != pushed.Digest || !strings.HasPrefix(installed.Path, home) {
		t.Fatalf("unexpected Installed: %+v", installed)
	}
	out := runOK(t, opt, filepath.Join(home, "bin", "hello"))
	if !strings.Contains(out.Stdout, "hello from hello 1.0.0") {
		t.Errorf("installed entry point printed %q", out.Stdout)
	}
	list := runOK(t, opt, "pkg-pull", "list", "-o", "name")
	if list.Stdout != "installed/hello@1.0.0\n" {
		t.Errorf("list -o name: %q", list.Stdout)
	}

	// Changing the content but not the version is refused (conflict, exit 5).
	os.WriteFile(filepath.Join(pkg, "extra.txt"), []byte("changed"), 0o644)
	res := run(t, opt, "pkg-push", pkg, "--to", repo)
	if res.Code != 5 || !strings.Contains(res.Stderr, "already exists with different content") {
		t.Errorf("changed content under the same version: exit %d, stderr %s", res.Code, res.Stderr)
	}
}

type manifestJSON struct {
	ArtifactType string                       `json:"artifactType"`
	Config       struct{ MediaType string }   `json:"config"`
	Layers       []struct{ MediaType string } `json:"layers"`
	Annotations  map[string]string            `json:"annotations"`
}

func fetchManifest(t *testing.T, repo, tag string) manifestJSON {
	t.Helper()
	host, path, _ := strings.Cut(repo, "/")
	req, _ := http.NewRequest(http.MethodGet, "http://"+host+"/v2/"+path+"/manifests/"+tag, nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET manifest: %s: %s", resp.Status, body)
	}
	var m manifestJSON
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSkeletonLayout runs the same loop on the embedded default, an ocidir:// layout,
// composed through the YAML stream.
func TestSkeletonLayout(t *testing.T) {
	t.Parallel()
	pkg := newPackage(t, "world", "2.1.0")
	home := t.TempDir()
	layout := "ocidir://" + filepath.Join(t.TempDir(), "registry", "world")
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}
	published := runOK(t, opt, "pkg-push", pkg, "--to", layout, "-o", "yaml")
	opt.Stdin = published.Stdout
	installed := decodeDoc(t, runOK(t, opt, "pkg-pull", "-f", "-", "-o", "yaml").Stdout)
	if installed.Name != "world" || installed.Version != "2.1.0" || installed.Digest != decodeDoc(t, published.Stdout).Digest {
		t.Fatalf("installed %+v from %s", installed, published.Stdout)
	}
	opt.Stdin = ""
	out := runOK(t, opt, filepath.Join(home, "bin", "world"))
	if !strings.Contains(out.Stdout, "hello from world 2.1.0") {
		t.Errorf("entry point printed %q", out.Stdout)
	}
	// By tag, too.
	runOK(t, opt, "pkg-pull", layout+":2.1.0", "-o", "name")
}

// TestSkeletonBadInput: every bad input gets a clear error and its exit code.
func TestSkeletonBadInput(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	broken := t.TempDir()
	os.WriteFile(filepath.Join(broken, "package.yaml"), []byte("apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata:\n  name: [unclosed\n"), 0o644)
	pkg := newPackage(t, "bad", "1.0.0")
	dead := "127.0.0.1:1" // nothing listens on port 1
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stderr []string
	}{
		{"no package.yaml", []string{"pkg-push", empty, "--to", registryAddr + "/e2e/bad"}, "", 3, []string{"no package.yaml in " + empty}},
		{"yaml syntax error", []string{"pkg-push", broken, "--to", registryAddr + "/e2e/bad"}, "", 2, []string{"package.yaml:4: yaml:"}},
		{"registry not running", []string{"pkg-pull", dead + "/e2e/bad:1.0.0"}, "", 7, []string{"cannot reach 127.0.0.1:1", "is a registry running at " + dead}},
		{"https to an http registry", []string{"pkg-pull", "--plain-http=false", registryAddr + "/e2e/bad:1.0.0"}, "", 1, []string{"speaks plain HTTP, not TLS", "Hint: use --plain-http"}},
		{"bad tag", []string{"pkg-pull", registryAddr + "/e2e/bad:no/good"}, "", 2, []string{"invalid reference", "REGISTRY/REPOSITORY[:TAG]"}},
		{"bad tag characters", []string{"pkg-pull", registryAddr + "/e2e/bad:v1!"}, "", 2, []string{"invalid characters"}},
		{"missing tag", []string{"pkg-pull", registryAddr + "/e2e/bad:9.9.9"}, "", 3, []string{"e2e/bad:9.9.9: not found"}},
		{"-f missing file", []string{"pkg-pull", "-f", filepath.Join(empty, "nope.yaml")}, "", 3, []string{"nope.yaml", "not found"}},
		{"malformed yaml on stdin", []string{"pkg-pull", "-f", "-"}, "kind: [\n", 2, []string{"<stdin>", "yaml"}},
		{"unknown kind on stdin", []string{"pkg-pull", "-f", "-"}, "apiVersion: longshore.dev/v1alpha1\nkind: Frobnicate\n", 2, []string{`kind "Frobnicate"`, "Published"}},
		{"missing --to", []string{"pkg-push", pkg}, "", 2, []string{"--to is required", "Usage: pkg-push DIR --to REPOSITORY"}},
		{"unknown flag", []string{"pkg-pull", "--frobnicate"}, "", 2, []string{"unknown flag: --frobnicate"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := run(t, runOpts{Stdin: tc.stdin}, tc.args[0], tc.args[1:]...)
			if res.Code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", res.Code, tc.code, res.Stderr)
			}
			if !strings.HasPrefix(res.Stderr, "Error: ") {
				t.Errorf("stderr should start with 'Error: ', got %q", res.Stderr)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(res.Stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, res.Stderr)
				}
			}
			if res.Stdout != "" {
				t.Errorf("nothing belongs on stdout after an error, got %q", res.Stdout)
			}
		})
	}
}
