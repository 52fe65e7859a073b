package publish

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"longshore.dev/lib/archive"
	"longshore.dev/lib/artifact"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/ref"
)

const manifest = `apiVersion: longshore.dev/v1alpha1
kind: Package
metadata:
  name: hello
  version: 1.0.0
  description: Say hello
spec:
  bin: [bin/hello]
`

func writePackage(t *testing.T, yaml string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func fixedEpoch(k string) string {
	if k == "SOURCE_DATE_EPOCH" {
		return "1700000000"
	}
	return ""
}

func build(t *testing.T, dir string, opts Options) *Artifact {
	t.Helper()
	p, err := pkgspec.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Getenv == nil {
		opts.Getenv = fixedEpoch
	}
	a, err := Build(dir, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestBuildIsReproducibleAcrossCheckouts(t *testing.T) {
	t.Parallel()
	files := map[string]string{"bin/hello": "#!/bin/sh\necho hello\n", "README.md": "hi"}
	a := writePackage(t, manifest, files)
	b := writePackage(t, manifest, files)
	past := time.Date(2010, 5, 5, 5, 5, 5, 0, time.UTC)
	filepath.Walk(b, func(p string, _ os.FileInfo, _ error) error { return os.Chtimes(p, past, past) })
	da, db := build(t, a, Options{}), build(t, b, Options{})
	if da.Root.Desc.Digest != db.Root.Desc.Digest {
		t.Fatalf("two checkouts of the same package gave %s and %s", da.Root.Desc.Digest, db.Root.Desc.Digest)
	}
	m, err := artifact.DecodeManifest(da.Root.Data, "test")
	if err != nil {
		t.Fatal(err)
	}
	if m.ArtifactType != artifact.ArtifactType || m.Config.MediaType != artifact.ConfigMediaType || len(m.Layers) != 1 {
		t.Errorf("unexpected manifest: %+v", m)
	}
	if got := m.Annotations["org.opencontainers.image.created"]; got != "2023-11-14T22:13:20Z" {
		t.Errorf("created = %q, want SOURCE_DATE_EPOCH's time", got)
	}
	// A different epoch is a different artifact: the time really is an input.
	dc := build(t, a, Options{Getenv: func(string) string { return "" }})
	if dc.Root.Desc.Digest == da.Root.Desc.Digest {
		t.Error("changing the creation time did not change the digest")
	}
}

func TestBuildPlatforms(t *testing.T) {
	t.Parallel()
	multi := strings.Replace(manifest, "spec:\n", "spec:\n  platforms:\n    linux/amd64: dist/amd64\n    linux/arm64: dist/arm64\n", 1)
	dir := writePackage(t, multi, map[string]string{"dist/amd64/bin/hello": "amd", "dist/arm64/bin/hello": "arm"})
	a := build(t, dir, Options{})
	if a.Root.Desc.MediaType != "application/vnd.oci.image.index.v1+json" {
		t.Fatalf("root media type %s, want an index", a.Root.Desc.MediaType)
	}
	if len(a.Manifest) != 2 || a.Manifest[0].Platform != "linux/amd64" || a.Manifest[1].Platform != "linux/arm64" {
		t.Errorf("platforms: %+v", a.Manifest)
	}
	one := build(t, dir, Options{Platforms: []string{"linux/arm64"}})
	if len(one.Manifest) != 1 || one.Manifest[0].Platform != "linux/arm64" {
		t.Errorf("--platform subset: %+v", one.Manifest)
	}
	p, _ := pkgspec.Load(dir)
	if _, err := Build(dir, p, Options{Platforms: []string{"windows/amd64"}, Getenv: fixedEpoch}); err == nil || !strings.Contains(err.Error(), "it has: linux/amd64, linux/arm64") {
		t.Errorf("unknown platform: %v", err)
	}
	missing := strings.Replace(multi, "dist/arm64", "dist/nothere", 1)
	dir2 := writePackage(t, missing, map[string]string{"dist/amd64/bin/hello": "amd"})
	p2, _ := pkgspec.Load(dir2)
	if _, err := Build(dir2, p2, Options{Getenv: fixedEpoch}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing content dir: %v", err)
	}
}

func TestPushSkipsWhatExistsAndRefusesChangedVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := writePackage(t, manifest, map[string]string{"bin/hello": "v1"})
	layout := filepath.Join(t.TempDir(), "reg", "hello")
	r, err := ref.ParseArtifact("ocidir://" + layout)
	if err != nil {
		t.Fatal(err)
	}
	target, err := oci.Open(ctx, r, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	res, err := Push(ctx, target, build(t, dir, Options{}), PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Uploaded != 3 || res.Skipped != 0 {
		t.Errorf("first push: uploaded %d skipped %d, want 3 and 0", res.Uploaded, res.Skipped)
	}
	res, err = Push(ctx, target, build(t, dir, Options{}), PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Unchanged || res.Uploaded != 0 {
		t.Errorf("re-push of unchanged package uploaded %d", res.Uploaded)
	}
	os.WriteFile(filepath.Join(dir, "bin", "hello"), []byte("v2"), 0o755)
	_, err = Push(ctx, target, build(t, dir, Options{}), PushOptions{})
	if fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), "already exists with different content") {
		t.Fatalf("changed content under the same version: %v", err)
	}
	if _, err := Push(ctx, target, build(t, dir, Options{}), PushOptions{Force: true}); err != nil {
		t.Fatalf("--force: %v", err)
	}
}

func TestPushCascadeNeverMovesBackwards(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
	target, err := oci.Open(ctx, r, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	push := func(version string) *Result {
		dir := writePackage(t, strings.Replace(manifest, "1.0.0", version, 1), map[string]string{"bin/hello": version})
		res, err := Push(ctx, target, build(t, dir, Options{}), PushOptions{Cascade: true})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	v2 := push("2.0.0")
	if got := strings.Join(v2.Published.Tags, " "); got != "2.0.0 2.0 2 latest" {
		t.Errorf("first cascade tags: %q", got)
	}
	old := push("1.5.0")
	if got := strings.Join(old.Published.Tags, " "); got != "1.5.0 1.5 1" {
		t.Errorf("older line tags: %q", got)
	}
	latest, err := target.Resolve(ctx, "latest")
	if err != nil || latest.Digest.String() != v2.Published.Digest {
		t.Errorf("latest moved away from 2.0.0: %v %v", latest.Digest, err)
	}
}

func TestBuildHonoursPkgignore(t *testing.T) {
	t.Parallel()
	dir := writePackage(t, manifest, map[string]string{
		"bin/hello": "x", "debug.log": "noise", "build/tmp.o": "obj", "docs/keep.md": "keep",
		".pkgignore": "*.log\nbuild/\n",
	})
	a := build(t, dir, Options{})
	if got := layerFiles(t, a); strings.Join(got, " ") != "bin/hello docs/keep.md" {
		t.Errorf("layer holds %v; want .pkgignore'd files, package.yaml and .pkgignore left out", got)
	}
}

// layerFiles lists the regular files in the one layer of a.
func layerFiles(t *testing.T, a *Artifact) []string {
	t.Helper()
	if len(a.files) != 1 {
		t.Fatalf("%d layers, want 1", len(a.files))
	}
	var layer string
	for _, f := range a.files {
		layer = f
	}
	f, err := os.Open(layer)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := t.TempDir()
	if err := archive.Unpack(f, archive.DefaultCompression, out, archive.DefaultLimits); err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.Walk(out, func(p string, info os.FileInfo, _ error) error {
		if !info.IsDir() {
			rel, _ := filepath.Rel(out, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	return got
}

// TestPushToLayoutInsidePackage: a layout inside the package directory (the scaffolded
// README's `pkg-push . --to ocidir://./registry/NAME`) is not packed, so a re-push of
// unchanged content gives the same digest and uploads nothing, where it used to pack
// the first push's blobs and be refused as different content.
func TestPushToLayoutInsidePackage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name    string
		files   map[string]string
		layout  string // relative to the package directory
		leftOut string
		packed  string
	}{
		{"only the layout in its parent", map[string]string{"bin/hello": "x"}, "registry/hello", "registry", "bin/hello"},
		{"the parent holds more", map[string]string{"bin/hello": "x", "registry/README": "r"}, "registry/hello", "registry/hello", "bin/hello registry/README"},
		{"the parent holds only ignored files", map[string]string{"bin/hello": "x", "registry/x.log": "l", ".pkgignore": "*.log\n"}, "registry/hello", "registry", "bin/hello"},
		{"directly in the package", map[string]string{"bin/hello": "x"}, "reg", "reg", "bin/hello"},
		{".pkgignore leaves it out already", map[string]string{"bin/hello": "x", ".pkgignore": "/registry/\n"}, "registry/hello", "", "bin/hello"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := writePackage(t, manifest, tc.files)
			layout := filepath.Join(dir, filepath.FromSlash(tc.layout))
			var digests []string
			for i := range 2 {
				a := build(t, dir, Options{Layout: layout})
				if got := strings.Join(a.LeftOut, " "); got != tc.leftOut {
					t.Errorf("push %d: left out %q, want %q", i+1, got, tc.leftOut)
				}
				if got := strings.Join(layerFiles(t, a), " "); got != tc.packed {
					t.Errorf("push %d: layer holds %q, want %q", i+1, got, tc.packed)
				}
				res := pushTo(t, ctx, "ocidir://"+layout, a, PushOptions{})
				if i == 1 && (!res.Unchanged || res.Uploaded != 0) {
					t.Errorf("re-push: unchanged %v, uploaded %d; want nothing uploaded", res.Unchanged, res.Uploaded)
				}
				digests = append(digests, res.Published.Digest)
			}
			if digests[0] != digests[1] {
				t.Errorf("re-push of unchanged content: %s, then %s", digests[0], digests[1])
			}
		})
	}
}

func TestLayoutOutsideOrIsTheContent(t *testing.T) {
	t.Parallel()
	dir := writePackage(t, manifest, map[string]string{"bin/hello": "x"})
	// A layout beside the package, whose name merely starts like the package's.
	if a := build(t, dir, Options{Layout: dir + "-registry"}); len(a.LeftOut) != 0 {
		t.Errorf("a layout outside the package left out %v", a.LeftOut)
	}
	// Named through a symlink to the package directory: still inside.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	if a := build(t, dir, Options{Layout: filepath.Join(link, "registry", "hello")}); strings.Join(a.LeftOut, " ") != "registry" {
		t.Errorf("a layout named through a symlink: left out %v, want [registry]", a.LeftOut)
	}
	p, _ := pkgspec.Load(dir)
	_, err := Build(dir, p, Options{Layout: dir, Getenv: fixedEpoch})
	if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), "is the content directory") {
		t.Errorf("the layout is the package directory: %v", err)
	}
}

// pushTo pushes a to the target at r, holding the layout's lock only meanwhile.
func pushTo(t *testing.T, ctx context.Context, r string, a *Artifact, opts PushOptions) *Result {
	t.Helper()
	res, err := pushErr(t, ctx, r, a, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestMetaPackagePublishes(t *testing.T) {
	t.Parallel()
	meta := strings.Replace(manifest, "  bin: [bin/hello]\n", "  dependencies:\n    - {name: hello, version: \"^1.0\"}\n", 1)
	dir := writePackage(t, meta, nil)
	a := build(t, dir, Options{})
	m, err := artifact.DecodeManifest(a.Root.Data, "meta")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) != 1 || m.Layers[0].Size == 0 {
		t.Fatalf("a meta-package has one (empty) layer, got %+v", m.Layers)
	}
	var cfg artifact.Config
	for d, data := range a.small {
		if d == m.Config.Digest {
			json.Unmarshal(data, &cfg)
		}
	}
	if len(cfg.Dependencies) != 1 || cfg.Dependencies[0].Name != "hello" {
		t.Errorf("config dependencies: %+v", cfg.Dependencies)
	}
}

// The Published document carries package.yaml's homepage and licence, so that
// `pkg-push -o yaml | pkg-tap index add` puts them in the index.
func TestPublishedCarriesHomepageAndLicense(t *testing.T) {
	t.Parallel()
	yaml := strings.Replace(manifest, "  description: Say hello\n", "  description: Say hello\n  homepage: https://example.com/hello\n  license: MIT\n", 1)
	a := build(t, writePackage(t, yaml, map[string]string{"bin/hello": "#!/bin/sh\n"}), Options{})
	r, err := ref.ParseArtifact("localhost:5000/demo/hello")
	if err != nil {
		t.Fatal(err)
	}
	p := a.Published(r, nil)
	if p.Homepage != "https://example.com/hello" || p.License != "MIT" {
		t.Errorf("homepage %q, license %q", p.Homepage, p.License)
	}
}

// TestPushRefusesSamePrecedence: versions that differ only in build metadata have the
// same SemVer precedence, so a repository that holds one refuses the others (exit 5)
// unless Force, whatever order they come in; an unchanged re-push is still fine.
func TestPushRefusesSamePrecedence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hello := func(version string) *Artifact {
		yaml := strings.Replace(manifest, "1.0.0", version, 1)
		return build(t, writePackage(t, yaml, map[string]string{"bin/hello": version}), Options{})
	}
	tests := []struct {
		first, then string
		existing    string // the tag named in the refusal
	}{
		{"1.2.0+build.7", "1.2.0+build.8", "1.2.0_build.7"},
		{"1.2.0+build.7", "1.2.0", "1.2.0_build.7"},
		{"1.2.0", "1.2.0+build.8", "1.2.0"},
		{"1.0.0-rc.1+a", "1.0.0-rc.1+b", "1.0.0-rc.1_a"},
	}
	for _, tc := range tests {
		t.Run(tc.first+"/"+tc.then, func(t *testing.T) {
			t.Parallel()
			layout := "ocidir://" + filepath.Join(t.TempDir(), "hello")
			pushTo(t, ctx, layout, hello(tc.first), PushOptions{Cascade: true})
			for _, cascade := range []bool{false, true} {
				_, err := pushErr(t, ctx, layout, hello(tc.then), PushOptions{Cascade: cascade})
				if fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), ":"+tc.existing+" (version ") ||
					!strings.Contains(err.Error(), "same precedence") || !strings.Contains(fault.HintOf(err), "bump the version") {
					t.Fatalf("cascade %v: %v (hint %q)", cascade, err, fault.HintOf(err))
				}
			}
			if res := pushTo(t, ctx, layout, hello(tc.first), PushOptions{Cascade: true}); !res.Unchanged {
				t.Errorf("re-push of %s: not unchanged", tc.first)
			}
			res := pushTo(t, ctx, layout, hello(tc.then), PushOptions{Force: true})
			if got := strings.Join(res.SamePrecedence, " "); got != tc.existing {
				t.Errorf("--force: SamePrecedence %q, want %q", got, tc.existing)
			}
		})
	}
	// Versions of other precedence, and tags that are not versions, are no conflict.
	layout := "ocidir://" + filepath.Join(t.TempDir(), "hello")
	for _, v := range []string{"1.2.0+build.7", "1.2.1+build.7", "1.2.0-rc.1+build.7"} {
		pushTo(t, ctx, layout, hello(v), PushOptions{Cascade: true})
	}
}
