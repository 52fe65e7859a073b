package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
)

// krewPlugin is the krew manifest, every field the template uses: decoding with
// KnownFields catches a misspelt key, as krew's own strict decoding would.
type krewPlugin struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Version          string `yaml:"version"`
		Homepage         string `yaml:"homepage"`
		ShortDescription string `yaml:"shortDescription"`
		Description      string `yaml:"description"`
		Caveats          string `yaml:"caveats"`
		Platforms        []struct {
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
			URI    string `yaml:"uri"`
			SHA256 string `yaml:"sha256"`
			Files  []struct {
				From string `yaml:"from"`
				To   string `yaml:"to"`
			} `yaml:"files"`
			Bin string `yaml:"bin"`
		} `yaml:"platforms"`
	} `yaml:"spec"`
}

// TestRelease builds a release for this machine's platform and checks the archive and the
// rendered krew manifest against each other, and that a second build is byte-identical.
func TestRelease(t *testing.T) {
	t.Parallel()
	const version = "v0.0.0-test"
	platform := runtime.GOOS + "/" + runtime.GOARCH
	template, err := os.ReadFile(filepath.Join(repoRoot, "manifests", "krew", "pkg.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(template, []byte("# BEGIN PLATFORM "+platform+"\n")) {
		t.Skipf("the krew template has no block for %s", platform)
	}
	archiveName := fmt.Sprintf("longshore_%s_%s_%s.tar.gz", version, runtime.GOOS, runtime.GOARCH)

	release := func() string {
		dist := t.TempDir()
		opt := runOpts{Dir: t.TempDir(), Env: append(goEnv(t), "DIST="+dist)}
		runOK(t, opt, "bash", filepath.Join(repoRoot, "scripts", "release.sh"), version, platform)
		return dist
	}
	dist := release()

	archive, err := os.ReadFile(filepath.Join(dist, archiveName))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(archive)
	sha := hex.EncodeToString(sum[:])

	checksums, err := os.ReadFile(filepath.Join(dist, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := sha + "  " + archiveName + "\n"; string(checksums) != want {
		t.Errorf("checksums.txt = %q, want %q", checksums, want)
	}

	entries := listArchive(t, archive)
	for _, b := range binaries {
		h, ok := entries[b]
		if !ok {
			t.Errorf("archive lacks %s", b)
			continue
		}
		if h.Typeflag != tar.TypeReg || h.Mode&0o111 == 0 {
			t.Errorf("%s in the archive: type %c mode %o, want an executable file", b, h.Typeflag, h.Mode)
		}
	}
	for _, doc := range []string{"LICENSE", "README.md"} {
		if _, ok := entries[doc]; !ok {
			t.Errorf("archive lacks %s", doc)
		}
	}
	for name, h := range entries {
		if h.Uid != 0 || h.Gid != 0 || h.ModTime.Unix() != 0 {
			t.Errorf("%s: uid %d gid %d mtime %v, want 0 0 epoch (reproducible)", name, h.Uid, h.Gid, h.ModTime)
		}
	}

	raw, err := os.ReadFile(filepath.Join(dist, "krew", "pkg.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("{{")) || bytes.Contains(raw, []byte("PLATFORM")) {
		t.Errorf("rendered manifest has placeholders or markers left:\n%s", raw)
	}
	var m krewPlugin
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decoding krew/pkg.yaml: %v\n%s", err, raw)
	}
	if m.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || m.Kind != "Plugin" {
		t.Errorf("apiVersion/kind = %s/%s", m.APIVersion, m.Kind)
	}
	if m.Metadata.Name != "pkg" {
		t.Errorf("metadata.name = %q, want pkg", m.Metadata.Name)
	}
	if m.Spec.Version != version {
		t.Errorf("spec.version = %q, want %q", m.Spec.Version, version)
	}
	if m.Spec.ShortDescription == "" || m.Spec.Description == "" || m.Spec.Homepage == "" {
		t.Errorf("shortDescription, description and homepage must all be set")
	}
	if len(m.Spec.Platforms) != 1 {
		t.Fatalf("want exactly the one platform built (%s), got %d", platform, len(m.Spec.Platforms))
	}
	p := m.Spec.Platforms[0]
	if want := map[string]string{"os": runtime.GOOS, "arch": runtime.GOARCH}; !equalMaps(p.Selector.MatchLabels, want) {
		t.Errorf("selector.matchLabels = %v, want %v", p.Selector.MatchLabels, want)
	}
	if want := "https://github.com/longshore-dev/longshore/releases/download/" + version + "/" + archiveName; p.URI != want {
		t.Errorf("uri = %q, want %q", p.URI, want)
	}
	if p.SHA256 != sha {
		t.Errorf("sha256 = %q, want the archive's %q", p.SHA256, sha)
	}
	if p.Bin != "pkg-pull" {
		t.Errorf("bin = %q, want pkg-pull (the dispatcher entry)", p.Bin)
	}
	if len(p.Files) == 0 {
		t.Errorf("files is empty")
	}
	for _, f := range p.Files {
		if _, ok := entries[f.From]; !ok {
			t.Errorf("files: %q is not in the archive", f.From)
		}
		if f.To != "." {
			t.Errorf("files: %q goes to %q, want .", f.From, f.To)
		}
	}

	// The archived pkg-push is this platform's, stamped with the release's version.
	bin := filepath.Join(t.TempDir(), "pkg-push")
	if err := os.WriteFile(bin, extract(t, archive, "pkg-push"), 0o755); err != nil {
		t.Fatal(err)
	}
	if res := runOK(t, runOpts{}, bin, "--version"); !strings.Contains(res.Stdout, "version "+version) {
		t.Errorf("archived pkg-push --version: want %s\n%s", version, res)
	}

	again := release()
	archive2, err := os.ReadFile(filepath.Join(again, archiveName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(archive, archive2) {
		// Name the entries that differ. (Run locally while someone edits the source, the
		// binaries may differ for that reason alone.)
		var differ []string
		sums1, sums2 := entrySums(t, archive), entrySums(t, archive2)
		for name, sum := range sums1 {
			if sums2[name] != sum {
				differ = append(differ, name)
			}
		}
		t.Errorf("two release builds of the same source differ: %s is not reproducible; entries that differ: %v",
			archiveName, differ)
	}
	raw2, err := os.ReadFile(filepath.Join(again, "krew", "pkg.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, raw2) {
		t.Errorf("two renderings of krew/pkg.yaml differ")
	}
}

// TestReleaseRejects checks release.sh refuses what krew or the template cannot take,
// before building anything.
func TestReleaseRejects(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"1.2.3", "linux/amd64"},  // krew needs a v prefix
		{"v1.2.3", "plan9/mips"},  // no block in the template
		{"v1.2.3", "linux-amd64"}, // not OS/ARCH
		{"v1.2.3", "linux/amd64", "linux/amd64"},
	} {
		dist := t.TempDir()
		opt := runOpts{Env: append(goEnv(t), "DIST="+dist)}
		res := run(t, opt, "bash", append([]string{filepath.Join(repoRoot, "scripts", "release.sh")}, args...)...)
		if res.Code == 0 || !strings.Contains(res.Stderr, "error:") {
			t.Errorf("release.sh %s: want a failure with an error\n%s", strings.Join(args, " "), res)
		}
		if matches, _ := filepath.Glob(filepath.Join(dist, "*.tar.gz")); len(matches) > 0 {
			t.Errorf("release.sh %s: built %v anyway", strings.Join(args, " "), matches)
		}
	}
}

// listArchive returns the headers of a tar.gz by entry name.
func listArchive(t *testing.T, archive []byte) map[string]*tar.Header {
	t.Helper()
	entries := map[string]*tar.Header{}
	eachEntry(t, archive, func(h *tar.Header, _ io.Reader) {
		if _, dup := entries[h.Name]; dup {
			t.Errorf("archive has %s twice", h.Name)
		}
		entries[h.Name] = h
	})
	return entries
}

// entrySums returns the sha256 of each entry's header fields and content.
func entrySums(t *testing.T, archive []byte) map[string][32]byte {
	t.Helper()
	sums := map[string][32]byte{}
	eachEntry(t, archive, func(h *tar.Header, r io.Reader) {
		data, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		meta := fmt.Sprintf("%c %o %d %d %d|", h.Typeflag, h.Mode, h.Uid, h.Gid, h.ModTime.Unix())
		sums[h.Name] = sha256.Sum256(append([]byte(meta), data...))
	})
	return sums
}

// extract returns one file's content from a tar.gz.
func extract(t *testing.T, archive []byte, name string) []byte {
	t.Helper()
	var data []byte
	eachEntry(t, archive, func(h *tar.Header, r io.Reader) {
		if h.Name == name {
			var err error
			if data, err = io.ReadAll(r); err != nil {
				t.Fatal(err)
			}
		}
	})
	if data == nil {
		t.Fatalf("archive lacks %s", name)
	}
	return data
}

func eachEntry(t *testing.T, archive []byte, fn func(*tar.Header, io.Reader)) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		fn(h, tr)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

var goEnvOnce = sync.OnceValues(func() ([]string, error) {
	keys := []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOPROXY", "GOFLAGS", "GOSUMDB",
		"GONOSUMDB", "GOPRIVATE", "GONOPROXY", "GOINSECURE", "GOTOOLCHAIN"}
	out, err := exec.Command("go", append([]string{"env", "-json"}, keys...)...).Output()
	if err != nil {
		return nil, fmt.Errorf("go env: %w", err)
	}
	var vals map[string]string
	if err := json.Unmarshal(out, &vals); err != nil {
		return nil, fmt.Errorf("go env -json: %w", err)
	}
	var env []string
	for _, k := range keys {
		if vals[k] != "" {
			env = append(env, k+"="+vals[k])
		}
	}
	return env, nil
})

// goEnv is the Go settings of this machine, for running go under run's clean environment
// (a fresh HOME would otherwise mean an empty build cache and module cache).
func goEnv(t *testing.T) []string {
	t.Helper()
	env, err := goEnvOnce()
	if err != nil {
		t.Fatal(err)
	}
	return env
}
