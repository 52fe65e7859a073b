package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const indexArtifactType = "application/vnd.longshore.index.v1"

// indexManifest is an index manifest as the registry serves it.
type indexManifest struct {
	ArtifactType string `json:"artifactType"`
	Config       struct {
		MediaType, Digest string
	} `json:"config"`
	Layers []struct {
		MediaType, Digest string
		Annotations       map[string]string
	} `json:"layers"`
}

// registryGet reads a path of the distribution API of repo's registry.
func registryGet(t *testing.T, repo, kind, reference, accept string) []byte {
	t.Helper()
	host, path, _ := strings.Cut(repo, "/")
	req, _ := http.NewRequest(http.MethodGet, "http://"+host+"/v2/"+path+"/"+kind+"/"+reference, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s %s: %s: %s", kind, reference, resp.Status, body)
	}
	return body
}

// readIndex fetches the index at repo:tag over plain HTTP and returns its manifest and
// every package's versions, by name.
func readIndex(t *testing.T, repo, tag string) (indexManifest, map[string][]string) {
	t.Helper()
	var m indexManifest
	if err := json.Unmarshal(registryGet(t, repo, "manifests", tag, "application/vnd.oci.image.manifest.v1+json"), &m); err != nil {
		t.Fatal(err)
	}
	pkgs := map[string][]string{}
	for _, l := range m.Layers {
		var shard struct {
			Packages []struct {
				Name     string
				Versions []struct{ Version string }
			}
		}
		if err := json.Unmarshal(registryGet(t, repo, "blobs", l.Digest, ""), &shard); err != nil {
			t.Fatal(err)
		}
		for _, p := range shard.Packages {
			for _, v := range p.Versions {
				pkgs[p.Name] = append(pkgs[p.Name], v.Version)
			}
		}
	}
	return m, pkgs
}

type indexPublished struct {
	Kind       string   `yaml:"kind"`
	Repository string   `yaml:"repository"`
	Digest     string   `yaml:"digest"`
	Tag        string   `yaml:"tag"`
	Packages   int      `yaml:"packages"`
	Versions   int      `yaml:"versions"`
	Added      []string `yaml:"added"`
}

func decodeIndexPublished(t *testing.T, out string) indexPublished {
	t.Helper()
	var d indexPublished
	if err := yaml.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("stdout is not one YAML document: %v\n%s", err, out)
	}
	return d
}

// TestIndexAddFromPush is the publisher's loop: push packages, pipe what pkg-push
// prints into `pkg-tap index add`.
func TestIndexAddFromPush(t *testing.T) {
	t.Parallel()
	index := registryAddr + "/e2e/index/main"
	var published []string
	for _, name := range []string{"alpha", "beta"} {
		out := runOK(t, runOpts{}, "pkg-push", newPackage(t, name, "1.0.0"), "--to", registryAddr+"/e2e/index/"+name, "-o", "yaml")
		published = append(published, out.Stdout)
	}
	// Two pkg-push outputs, one stream: the documents are separated as YAML wants.
	res := runOK(t, runOpts{Stdin: strings.Join(published, "---\n")}, "pkg-tap", "index", "add", "-f", "-", "--to", index, "-o", "yaml")
	d := decodeIndexPublished(t, res.Stdout)
	if d.Kind != "IndexPublished" || d.Repository != index || d.Tag != "latest" || d.Packages != 2 || d.Versions != 2 ||
		strings.Join(d.Added, ",") != "alpha@1.0.0,beta@1.0.0" || !strings.HasPrefix(d.Digest, "sha256:") {
		t.Fatalf("IndexPublished: %+v", d)
	}
	m, pkgs := readIndex(t, index, "latest")
	if m.ArtifactType != indexArtifactType || m.Config.MediaType != "application/vnd.longshore.index.config.v1+json" {
		t.Errorf("index manifest: %+v", m)
	}
	for _, l := range m.Layers {
		if l.MediaType != "application/vnd.longshore.index.shard.v1+json" || len(l.Annotations["dev.longshore.index.shard"]) != 2 {
			t.Errorf("layer %+v", l)
		}
	}
	if len(pkgs) != 2 || len(pkgs["alpha"]) != 1 || len(pkgs["beta"]) != 1 {
		t.Fatalf("index holds %v", pkgs)
	}

	// A new version of one package keeps everything that was there.
	out := runOK(t, runOpts{}, "pkg-push", newPackage(t, "alpha", "1.1.0"), "--to", registryAddr+"/e2e/index/alpha", "-o", "yaml")
	res = runOK(t, runOpts{Stdin: out.Stdout}, "pkg-tap", "index", "add", "-f", "-", "--to", index+":latest")
	if d := decodeIndexPublished(t, res.Stdout); d.Packages != 2 || d.Versions != 3 {
		t.Errorf("after the second add: %+v", d)
	}
	_, pkgs = readIndex(t, index, "latest")
	if strings.Join(pkgs["alpha"], ",") != "1.0.0,1.1.0" || strings.Join(pkgs["beta"], ",") != "1.0.0" {
		t.Errorf("after the second add the index holds %v", pkgs)
	}
	// Adding the same documents again changes nothing but succeeds.
	runOK(t, runOpts{Stdin: out.Stdout}, "pkg-tap", "index", "add", "-f", "-", "--to", index)
	if _, again := readIndex(t, index, "latest"); len(again) != 2 || len(again["alpha"]) != 2 {
		t.Errorf("after re-adding: %v", again)
	}
}

// publishedDoc is a Published document for a package that need not exist: the index
// holds metadata only.
func publishedDoc(name, version string) string {
	d := fmt.Sprintf("%x", sha256.Sum256([]byte(name+"@"+version)))
	return fmt.Sprintf(`apiVersion: longshore.dev/v1alpha1
kind: Published
name: %[1]s
version: %[2]s
repository: %[3]s/e2e/pkgs/%[1]s
digest: sha256:%[4]s
mediaType: application/vnd.oci.image.manifest.v1+json
tags: [%[2]s]
platforms:
  - {platform: any, digest: "sha256:%[4]s"}
description: %[1]s for the concurrency test
`, name, version, registryAddr, d)
}

// TestIndexConcurrentAdd runs six `pkg-tap index add` processes at the same time on the
// same index, round after round: no entry may be lost, and each must say so only once
// its package is in the index. Distribution lists a tag a moment before it resolves,
// and a publisher that listed another's entry in that moment used to count it as
// merged without its versions: its package never reached the index, though every
// publisher exited 0 (about one round in four lost a package).
func TestIndexConcurrentAdd(t *testing.T) {
	t.Parallel()
	const writers, rounds = 6, 5
	index := registryAddr + "/e2e/index/concurrent"
	want := map[string]bool{}
	for round := range rounds {
		var cmds []*exec.Cmd
		var outs []*bytes.Buffer
		var names []string
		for w := range writers {
			name := fmt.Sprintf("r%dw%d", round, w)
			want[name] = true
			cmd := exec.Command("pkg-tap", "index", "add", "-f", "-", "--to", index, "-v")
			cmd.Env = baseEnv(t)
			cmd.Stdin = strings.NewReader(publishedDoc(name, "1.0.0"))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			cmds, outs, names = append(cmds, cmd), append(outs, &out), append(names, name)
		}
		for _, cmd := range cmds {
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
		}
		for i, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Fatalf("round %d writer %d: %v\n%s", round, i, err, outs[i])
			}
			if !strings.Contains(outs[i].String(), names[i]+"@1.0.0") {
				t.Errorf("round %d writer %d does not say it added %s@1.0.0:\n%s", round, i, names[i], outs[i])
			}
		}
		_, pkgs := readIndex(t, index, "latest")
		for name := range want {
			if _, ok := pkgs[name]; !ok {
				t.Errorf("round %d: %s was lost; the index holds %v", round, name, slices.Sorted(mapKeys(pkgs)))
			}
		}
		if len(pkgs) != len(want) {
			t.Errorf("round %d: the index holds %d packages, want %d", round, len(pkgs), len(want))
		}
		if t.Failed() {
			for i, out := range outs {
				t.Logf("round %d writer %d:\n%s", round, i, out)
			}
			return
		}
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

const e2eEntry = `apiVersion: longshore.dev/v1alpha1
kind: IndexEntry
name: %s
repository: ghcr.io/org/hello
description: Say hello
versions:
  - version: 1.0.0
    digest: sha256:1111111111111111111111111111111111111111111111111111111111111111
`

// TestIndexBuild builds an index from a directory and refuses a directory that names a
// package twice, naming both files.
func TestIndexBuild(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("hello.yaml", fmt.Sprintf(e2eEntry, "hello"))
	write("w/world.yaml", fmt.Sprintf(e2eEntry, "world"))
	index := registryAddr + "/e2e/index/built"
	res := runOK(t, runOpts{}, "pkg-tap", "index", "build", dir, "--to", index, "-o", "yaml")
	d := decodeIndexPublished(t, res.Stdout)
	if d.Packages != 2 || d.Versions != 2 {
		t.Errorf("IndexPublished: %+v", d)
	}
	// The same directory builds the same shards (and, with nothing in the entry log
	// since, the same manifest).
	again := decodeIndexPublished(t, runOK(t, runOpts{}, "pkg-tap", "index", "build", dir, "--to", index, "-o", "yaml").Stdout)
	if again.Digest != d.Digest {
		t.Errorf("rebuild gave %s, first build %s", again.Digest, d.Digest)
	}
	if m, pkgs := readIndex(t, index, "latest"); m.ArtifactType != indexArtifactType || len(pkgs) != 2 {
		t.Errorf("built index: %+v %v", m, pkgs)
	}

	write("sub/hello-again.yaml", fmt.Sprintf(e2eEntry, "hello"))
	res = run(t, runOpts{}, "pkg-tap", "index", "build", dir, "--to", index)
	if res.Code != 2 || !strings.Contains(res.Stderr, "package hello is defined twice") ||
		!strings.Contains(res.Stderr, filepath.Join(dir, "hello.yaml")+":1") ||
		!strings.Contains(res.Stderr, filepath.Join(dir, "sub", "hello-again.yaml")+":1") {
		t.Errorf("duplicate: %s", res)
	}
	os.Remove(filepath.Join(dir, "sub", "hello-again.yaml"))
	write("bad.yaml", strings.Replace(fmt.Sprintf(e2eEntry, "bad"), "1.0.0", "1.0", 1))
	res = run(t, runOpts{}, "pkg-tap", "index", "build", dir, "--to", index)
	if res.Code != 2 || !strings.Contains(res.Stderr, `bad.yaml:7: package bad: version "1.0" is not a semantic version`) {
		t.Errorf("invalid version: %s", res)
	}
}

// TestIndexRefusesAPackage points `index add` at a package's tag.
func TestIndexRefusesAPackage(t *testing.T) {
	t.Parallel()
	repo := registryAddr + "/e2e/index/notindex"
	out := runOK(t, runOpts{}, "pkg-push", newPackage(t, "hello", "1.0.0"), "--to", repo, "-o", "yaml")
	res := run(t, runOpts{Stdin: out.Stdout}, "pkg-tap", "index", "add", "-f", "-", "--to", repo+":1.0.0")
	if res.Code != 6 || !strings.Contains(res.Stderr, "this is not a longshore index") ||
		!strings.Contains(res.Stderr, "application/vnd.longshore.package.v1") {
		t.Errorf("index add onto a package: %s", res)
	}
	// Nothing was written next to the package.
	var tags struct{ Tags []string }
	if err := json.Unmarshal(registryGet(t, repo, "tags", "list", ""), &tags); err != nil {
		t.Fatal(err)
	}
	if strings.Join(tags.Tags, ",") != "1.0.0" {
		t.Errorf("tags after the refused add: %v", tags.Tags)
	}
}

// TestIndexAddKeepsVersionsAtTheirRepository is the review's repro: hello 0.1.0 and
// 0.2.0 in one repository, then 0.9.0 pushed to another and added. An index has one
// repository per package, so that add would send 0.1.0 and 0.2.0 to the new one, where
// they are not: it is refused (exit 5), and the old versions still install. Once the
// other repository holds every version and the add lists them all, the package moves,
// and the summary says so.
func TestIndexAddKeepsVersionsAtTheirRepository(t *testing.T) {
	t.Parallel()
	demo, other := registryAddr+"/e2e/move/demo/hello", registryAddr+"/e2e/move/other/hello"
	index := registryAddr + "/e2e/move/index"
	push := func(repo string, versions ...string) string {
		var docs []string
		for _, v := range versions {
			docs = append(docs, runOK(t, runOpts{}, "pkg-push", newPackage(t, "hello", v), "--to", repo, "-o", "yaml").Stdout)
		}
		return strings.Join(docs, "---\n")
	}
	runOK(t, runOpts{Stdin: push(demo, "0.1.0", "0.2.0")}, "pkg-tap", "index", "add", "-f", "-", "--to", index)
	install := func(what string) {
		t.Helper()
		opt := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
		runOK(t, opt, "pkg-tap", "add", "demo", index)
		runOK(t, opt, "pkg-pull", "add", what)
	}

	res := run(t, runOpts{Stdin: push(other, "0.9.0")}, "pkg-tap", "index", "add", "-f", "-", "--to", index)
	if res.Code != 5 || res.Stdout != "" ||
		!strings.Contains(res.Stderr, "Error: package hello: the index "+index+":latest lists it at "+demo+" with versions 0.1.0, 0.2.0, and this adds 0.9.0 at "+other) ||
		!strings.Contains(res.Stderr, "add again with --move-repository") {
		t.Errorf("adding hello@0.9.0 at another repository: %s", res)
	}
	install("hello@0.2.0")

	res = runOK(t, runOpts{Stdin: push(other, "0.1.0", "0.2.0", "0.9.0")}, "pkg-tap", "index", "add", "-f", "-", "--to", index)
	if !strings.Contains(res.Stderr, "Added hello@0.9.0; replaced hello@0.1.0, hello@0.2.0 in index "+index+":latest") ||
		!strings.Contains(res.Stderr, "Moved hello from "+demo+" to "+other+"\n") {
		t.Errorf("every version at the other repository: %s", res)
	}
	install("hello@0.2.0")
}
