package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/publish"
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

// A package.yaml push cannot read is the file's problem, not the command line's: exit 2
// with a hint to lint, and no usage line.
func TestPushOfAnInvalidPackageYAML(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "package.yaml"), []byte("apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata: {name: Bad_Name, version: banana}\nspec: {}\n"), 0o644)
	code, stdout, stderr := pkgPush(t, nil, dir, "--to", "ocidir://"+filepath.Join(t.TempDir(), "reg"))
	if code != 2 || stdout != "" || !strings.Contains(stderr, `metadata.name "Bad_Name" is invalid`) ||
		!strings.Contains(stderr, "Hint: `pkg-push lint "+dir+"` lists every problem, each with its fix") || strings.Contains(stderr, "Usage:") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
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
	if strings.Contains(stdout, "latest") {
		t.Errorf("a dry run without --cascade reports floating tags:\n%s", stdout)
	}
	// With --cascade, the tags the real push sets (a layout that does not exist yet).
	code, stdout, stderr = pkgPush(t, epoch, dir, "--to", layout, "--cascade", "--dry-run", "-o", "name")
	if code != 0 || !strings.Contains(stderr, "and move 0.1, 0, latest; nothing was pushed") {
		t.Fatalf("dry run --cascade: exit %d\n%s\n%s", code, stdout, stderr)
	}
	dryTags := tagsOf(t, pkgPushOK(t, epoch, dir, "--to", layout, "--cascade", "--dry-run", "-o", "json"))
	if _, err := os.Stat(strings.TrimPrefix(layout, "ocidir://")); !os.IsNotExist(err) {
		t.Error("--dry-run touched the target")
	}
	code, stdout, stderr = pkgPush(t, epoch, dir, "--to", layout, "--cascade", "-o", "json")
	if code != 0 || !strings.Contains(stdout, `"0.1.0",`) || !strings.Contains(stdout, `"latest"`) || !strings.Contains(stderr, "Tagged 0.1, 0, latest") {
		t.Fatalf("cascade: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if real := tagsOf(t, stdout); strings.Join(dryTags, " ") != strings.Join(real, " ") {
		t.Errorf("dry run said tags %v, the push set %v", dryTags, real)
	}
	// Against the layout that now exists: the same tags, read from it.
	if again := tagsOf(t, pkgPushOK(t, epoch, dir, "--to", layout, "--cascade", "--dry-run", "-o", "json")); strings.Join(again, " ") != "0.1.0 0.1 0 latest" {
		t.Errorf("dry run against the pushed layout: tags %v", again)
	}
	// Pushed again: the tags already point here, and it says so rather than "Tagged".
	code, stdout, stderr = pkgPush(t, epoch, dir, "--to", layout, "--cascade", "-o", "json")
	if code != 0 || strings.Contains(stderr, "Tagged") || !strings.Contains(stderr, "0.1, 0, latest already pointed here") || strings.Join(tagsOf(t, stdout), " ") != "0.1.0 0.1 0 latest" {
		t.Errorf("cascade again: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, _, stderr = pkgPush(t, epoch, dir, "--to", layout+":9.9.9")
	if code != 2 || !strings.Contains(stderr, "the tag comes from package.yaml's version (0.1.0)") {
		t.Fatalf("a --to tag that is not the version: exit %d\n%s", code, stderr)
	}
}

// TestPushCompression: zstd layers by default, gzip on request (a different digest for
// the same content), and a clear usage error for anything else.
func TestPushCompression(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	epoch := map[string]string{"SOURCE_DATE_EPOCH": "0"}
	if code, _, stderr := pkgPush(t, epoch, "init", filepath.Join(parent, "tool")); code != 0 {
		t.Fatal(stderr)
	}
	dir := filepath.Join(parent, "tool")
	layerType := map[string]string{}
	for _, c := range []string{"", "zstd", "gzip"} {
		layout := filepath.Join(t.TempDir(), "reg")
		args := []string{dir, "--to", "ocidir://" + layout, "-o", "name"}
		if c != "" {
			args = append(args, "--compression", c)
		}
		if code, _, stderr := pkgPush(t, epoch, args...); code != 0 {
			t.Fatalf("--compression %q: exit %d\n%s", c, code, stderr)
		}
		layerType[c] = layerMediaType(t, layout)
	}
	if layerType[""] != "application/vnd.oci.image.layer.v1.tar+zstd" || layerType["zstd"] != layerType[""] {
		t.Errorf("default / zstd layer media types: %q / %q", layerType[""], layerType["zstd"])
	}
	if layerType["gzip"] != "application/vnd.oci.image.layer.v1.tar+gzip" {
		t.Errorf("--compression gzip layer media type: %q", layerType["gzip"])
	}
	code, _, stderr := pkgPush(t, epoch, dir, "--to", "ocidir://"+t.TempDir(), "--compression", "lz4")
	if code != 2 || !strings.Contains(stderr, `unknown compression "lz4": use zstd (the default) or gzip`) {
		t.Fatalf("--compression lz4: exit %d\n%s", code, stderr)
	}
}

// layerMediaType reads the layer media type of the one manifest in an OCI layout.
func layerMediaType(t *testing.T, layout string) string {
	t.Helper()
	return onlyManifest(t, layout).Layers[0].MediaType
}

// onlyManifest reads the one single-layer image manifest in an OCI layout.
func onlyManifest(t *testing.T, layout string) ocispec.Manifest {
	t.Helper()
	blobs, err := filepath.Glob(filepath.Join(layout, "blobs", "sha256", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blobs {
		data, err := os.ReadFile(b)
		if err != nil {
			t.Fatal(err)
		}
		var m ocispec.Manifest
		if json.Unmarshal(data, &m) == nil && m.MediaType == ocispec.MediaTypeImageManifest && len(m.Layers) == 1 {
			return m
		}
	}
	t.Fatalf("no manifest in %s", layout)
	return ocispec.Manifest{}
}

// TestPushToLayoutInsidePackage runs the command the scaffolded README suggests,
// `pkg-push . --to ocidir://./registry/NAME`, twice: the second push finds the same
// digest and uploads nothing, because the layout is not packed into the package.
func TestPushToLayoutInsidePackage(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "tool")
	epoch := map[string]string{"SOURCE_DATE_EPOCH": "0"}
	if code, _, stderr := pkgPush(t, epoch, "init", dir); code != 0 {
		t.Fatal(stderr)
	}
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const suggested = "pkg-push . --to ocidir://./registry/tool\n"
	if !strings.Contains(string(readme), suggested) {
		t.Fatalf("the README no longer suggests %q; keep this test on what it suggests:\n%s", suggested, readme)
	}
	// The scaffold's .pkgignore lists /registry/; without it the push must leave its
	// own layout out by itself.
	ignore := filepath.Join(dir, ".pkgignore")
	data, err := os.ReadFile(ignore)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ignore, []byte(strings.ReplaceAll(string(data), "/registry/\n", "")), 0o644); err != nil {
		t.Fatal(err)
	}
	// The same command, run from inside dir (tests run in parallel: no chdir).
	to := "ocidir://" + filepath.Join(dir, "registry", "tool")
	var digests []string
	for i := range 2 {
		code, stdout, stderr := pkgPush(t, epoch, dir, "--to", to, "-o", "json")
		if code != 0 {
			t.Fatalf("push %d: exit %d\n%s", i+1, code, stderr)
		}
		if n := strings.Count(stderr, "Leaving "+filepath.ToSlash(dir)+"/registry/ out of the package"); n != 1 {
			t.Errorf("push %d: said %d times that the layout is left out; stderr:\n%s", i+1, n, stderr)
		}
		if i == 1 && !strings.Contains(stderr, "nothing to upload") {
			t.Errorf("re-push uploaded something:\n%s", stderr)
		}
		var p struct{ Digest string }
		if err := json.Unmarshal([]byte(stdout), &p); err != nil || p.Digest == "" {
			t.Fatalf("push %d: stdout is not one Published document (%v):\n%s", i+1, err, stdout)
		}
		digests = append(digests, p.Digest)
	}
	if digests[0] != digests[1] {
		t.Errorf("re-push of unchanged content: %s, then %s", digests[0], digests[1])
	}
}

// TestPushCascadeOntoAnotherPackage: --cascade refuses to move a floating tag that
// holds another package, in a dry run too, and moves it with --force, saying so.
func TestPushCascadeOntoAnotherPackage(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	layout := "ocidir://" + filepath.Join(t.TempDir(), "reg", "tool")
	epoch := map[string]string{"SOURCE_DATE_EPOCH": "0"}
	for _, p := range []struct{ dir, name, version string }{{"mp", "mp", "0.1.0"}, {"tool-0.1.5", "tool", "0.1.5"}, {"tool", "tool", "0.2.0"}} {
		if code, _, stderr := pkgPush(t, epoch, "init", filepath.Join(parent, p.dir), "--name", p.name, "--version", p.version); code != 0 {
			t.Fatal(stderr)
		}
	}
	mp := tagsOf(t, pkgPushOK(t, epoch, filepath.Join(parent, "mp"), "--to", layout, "--cascade", "-o", "json"))
	if strings.Join(mp, " ") != "0.1.0 0.1 0 latest" {
		t.Fatalf("mp tags %v", mp)
	}
	// A version of tool forced in beside mp's: the repository's newest version is
	// tool's (TestPushIntoAnotherPackagesRepository), its floating tags still mp's.
	pkgPushOK(t, epoch, filepath.Join(parent, "tool-0.1.5"), "--to", layout, "--force")
	tool := filepath.Join(parent, "tool")
	for _, dry := range []bool{true, false} {
		args := []string{tool, "--to", layout, "--cascade"}
		if dry {
			args = append(args, "--dry-run")
		}
		code, stdout, stderr := pkgPush(t, epoch, args...)
		if code != 5 || !strings.Contains(stderr, ":0 holds package mp 0.1.0; ") || !strings.Contains(stderr, ":latest holds package mp 0.1.0") || !strings.Contains(stderr, "--force") || stdout != "" {
			t.Fatalf("dry run %v: exit %d, stdout %q, stderr:\n%s", dry, code, stdout, stderr)
		}
	}
	code, stdout, stderr := pkgPush(t, epoch, tool, "--to", layout, "--cascade", "--force", "-o", "name")
	if code != 0 || !strings.Contains(stderr, "Warning: --force: 0 held package mp 0.1.0; it now holds tool 0.2.0") ||
		!strings.Contains(stderr, "Warning: --force: latest held package mp 0.1.0; it now holds tool 0.2.0") {
		t.Fatalf("--force: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
}

// TestPushIntoAnotherPackagesRepository: a repository holds one package, so pushing
// another package into it is refused (exit 5) before anything is pushed, naming the
// repository, what it holds and the fix; a dry run with --cascade refuses as well, one
// without contacts nothing; --force pushes anyway with a warning.
func TestPushIntoAnotherPackagesRepository(t *testing.T) {
	t.Parallel()
	parent, reg := t.TempDir(), t.TempDir()
	layout := "ocidir://" + filepath.Join(reg, "shared")
	epoch := map[string]string{"SOURCE_DATE_EPOCH": "0"}
	for name, version := range map[string]string{"greet": "1.0.0", "other": "1.2.0"} {
		if code, _, stderr := pkgPush(t, epoch, "init", filepath.Join(parent, name), "--version", version); code != 0 {
			t.Fatal(stderr)
		}
	}
	pkgPushOK(t, epoch, filepath.Join(parent, "greet"), "--to", layout)
	other := filepath.Join(parent, "other")
	refusal := "Error: " + layout + " holds another package: its newest version tag, 1.0.0, holds package greet 1.0.0, not other; a repository holds one package, so nothing was pushed\n" +
		"Hint: push other to a repository of its own, e.g. ocidir://" + filepath.Join(reg, "other") + ", or pass --force to push it there anyway\n"
	for _, args := range [][]string{nil, {"--cascade"}, {"--cascade", "--dry-run"}} {
		code, stdout, stderr := pkgPush(t, epoch, append([]string{other, "--to", layout}, args...)...)
		if code != 5 || stdout != "" || !strings.Contains(stderr, refusal) {
			t.Errorf("%v: exit %d, stdout %q, stderr:\n%s", args, code, stdout, stderr)
		}
	}
	if index, err := os.ReadFile(filepath.Join(reg, "shared", "index.json")); err != nil || strings.Contains(string(index), `"1.2.0"`) {
		t.Fatalf("a refused push tagged 1.2.0 (%v):\n%s", err, index)
	}
	// Without --cascade a dry run reads nothing, as -h says: the real push refuses.
	if code, _, stderr := pkgPush(t, epoch, other, "--to", layout, "--dry-run"); code != 0 || !strings.Contains(stderr, "Dry run: would push other 1.2.0") {
		t.Errorf("--dry-run: exit %d, stderr:\n%s", code, stderr)
	}

	warning := "Warning: --force: " + layout + ":1.0.0 holds package greet 1.0.0; "
	code, _, stderr := pkgPush(t, epoch, other, "--to", layout, "--cascade", "--dry-run", "--force")
	if code != 0 || !strings.Contains(stderr, warning+"the push would publish other 1.2.0 beside it, though a repository holds one package\n") {
		t.Errorf("--dry-run --cascade --force: exit %d, stderr:\n%s", code, stderr)
	}
	code, _, stderr = pkgPush(t, epoch, other, "--to", layout, "--force")
	if code != 0 || !strings.Contains(stderr, "Pushed other 1.2.0") ||
		!strings.Contains(stderr, warning+"pushed other 1.2.0 beside it, though a repository holds one package\n") {
		t.Errorf("--force: exit %d, stderr:\n%s", code, stderr)
	}
}

// pkgPushOK runs pkg-push and returns its stdout, failing the test on a non-zero exit.
func pkgPushOK(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	code, stdout, stderr := pkgPush(t, env, args...)
	if code != 0 {
		t.Fatalf("pkg-push %v: exit %d\n%s", args, code, stderr)
	}
	return stdout
}

// tagsOf reads the tags of one Published document printed with -o json.
func tagsOf(t *testing.T, stdout string) []string {
	t.Helper()
	var p struct{ Tags []string }
	if err := json.Unmarshal([]byte(stdout), &p); err != nil {
		t.Fatalf("not one Published document: %v\n%s", err, stdout)
	}
	return p.Tags
}

// TestPushSamePrecedence: a version that differs from a published one only in build
// metadata is refused (exit 5), naming the existing tag and the fix; --force publishes
// it with a warning.
func TestPushSamePrecedence(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	layout := "ocidir://" + filepath.Join(t.TempDir(), "reg", "tool")
	epoch := map[string]string{"SOURCE_DATE_EPOCH": "0"}
	for _, v := range []string{"1.2.0+build.7", "1.2.0+build.8"} {
		if code, _, stderr := pkgPush(t, epoch, "init", filepath.Join(parent, v), "--name", "tool", "--version", v); code != 0 {
			t.Fatal(stderr)
		}
	}
	pkgPushOK(t, epoch, filepath.Join(parent, "1.2.0+build.7"), "--to", layout, "--cascade")
	second := filepath.Join(parent, "1.2.0+build.8")
	for _, args := range [][]string{{"--cascade"}, {"--cascade", "--dry-run"}, nil} {
		code, stdout, stderr := pkgPush(t, epoch, append([]string{second, "--to", layout}, args...)...)
		if code != 5 || !strings.Contains(stderr, "1.2.0+build.8 is already published as ocidir://") ||
			!strings.Contains(stderr, "/reg/tool:1.2.0_build.7 (version 1.2.0+build.7)") ||
			!strings.Contains(stderr, "Hint: bump the version (e.g. 1.2.1) in package.yaml") || stdout != "" {
			t.Fatalf("%v: exit %d, stdout %q, stderr:\n%s", args, code, stdout, stderr)
		}
	}
	code, _, stderr := pkgPush(t, epoch, second, "--to", layout, "--force")
	if code != 0 || !strings.Contains(stderr, "Warning: --force: published 1.2.0+build.8 beside ocidir://") {
		t.Fatalf("--force: exit %d, stderr:\n%s", code, stderr)
	}
}

// TestPushPlatformSubsetWarns: --platform publishes a version's tag with only some of
// package.yaml's platforms, which the other platforms cannot join later; a real push
// says so on stderr, a dry run (what the flag is for) and a push of them all do not.
func TestPushPlatformSubsetWarns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	yaml := "apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata: {name: multi, version: 1.0.0, description: d, license: MIT}\n" +
		"spec:\n  platforms:\n    linux/amd64: dist/amd64\n    linux/arm64: dist/arm64\n    linux/riscv64: dist/riscv64\n  bin: [bin/multi]\n"
	os.WriteFile(filepath.Join(dir, "package.yaml"), []byte(yaml), 0o644)
	for _, p := range []string{"amd64", "arm64", "riscv64"} {
		os.MkdirAll(filepath.Join(dir, "dist", p, "bin"), 0o755)
		os.WriteFile(filepath.Join(dir, "dist", p, "bin", "multi"), []byte("#!/bin/sh\necho "+p+"\n"), 0o755)
	}
	epoch := map[string]string{"SOURCE_DATE_EPOCH": "0"}
	const warning = "Warning: --platform: "
	tests := []struct {
		name string
		args []string
		want string // "" for no warning
	}{
		{"one platform", []string{"--platform", "linux/amd64"},
			":1.0.0 will hold only linux/amd64, not linux/arm64, linux/riscv64 (also in package.yaml)"},
		{"two platforms", []string{"--platform", "linux/riscv64", "--platform", "linux/amd64"},
			":1.0.0 will hold only linux/amd64, linux/riscv64, not linux/arm64 (also in package.yaml)"},
		{"a dry run", []string{"--platform", "linux/amd64", "--dry-run"}, ""},
		{"every platform named", []string{"--platform", "linux/amd64", "--platform", "linux/arm64", "--platform", "linux/riscv64"}, ""},
		{"no --platform", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			layout := "ocidir://" + filepath.Join(t.TempDir(), "multi")
			code, _, stderr := pkgPush(t, epoch, append([]string{dir, "--to", layout, "-o", "name"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			switch {
			case tc.want == "" && strings.Contains(stderr, warning):
				t.Errorf("warned:\n%s", stderr)
			case tc.want != "" && !strings.Contains(stderr, warning+layout+tc.want):
				t.Errorf("want a warning containing %q; stderr:\n%s", tc.want, stderr)
			}
		})
	}
}

// TestPushWarnsOfUncommittedChanges: a package with uncommitted changes it packs is
// published without a revision annotation (no commit holds it), and pkg-push says so;
// a clean one names its commit and says nothing.
func TestPushWarnsOfUncommittedChanges(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not on PATH")
	}
	repo := t.TempDir()
	dir := filepath.Join(repo, "tool")
	epoch := map[string]string{"SOURCE_DATE_EPOCH": "0"}
	if code, _, stderr := pkgPush(t, epoch, "init", dir); code != 0 {
		t.Fatal(stderr)
	}
	git(t, repo, "init", "-q")
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "-q", "-m", "tool")
	head := strings.TrimSpace(git(t, repo, "rev-parse", "HEAD"))
	const warning = "has uncommitted changes the package holds"

	layout := filepath.Join(t.TempDir(), "clean")
	code, _, stderr := pkgPush(t, epoch, dir, "--to", "ocidir://"+layout)
	if code != 0 || strings.Contains(stderr, warning) {
		t.Fatalf("clean: exit %d\n%s", code, stderr)
	}
	if got := revisionOf(t, layout); got != head {
		t.Errorf("clean: revision %q, want HEAD %s", got, head)
	}

	os.WriteFile(filepath.Join(dir, "bin", "tool"), []byte("#!/bin/sh\necho changed\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "NOTES.md"), []byte("new"), 0o644)
	layout = filepath.Join(t.TempDir(), "dirty")
	code, _, stderr = pkgPush(t, epoch, dir, "--to", "ocidir://"+layout)
	if code != 0 || !strings.Contains(stderr, "Warning: "+dir+" "+warning+" (NOTES.md, bin/tool): no commit holds this content") ||
		!strings.Contains(stderr, "commit them first for a package that names its source, or, for build outputs, list them in .gitignore") {
		t.Fatalf("dirty: exit %d\n%s", code, stderr)
	}
	if got := revisionOf(t, layout); got != "" {
		t.Errorf("dirty: revision %q, want none", got)
	}
	if strings.Contains(stderr, "empty directory") {
		t.Errorf("dirty: the empty-directory advice with no empty directory:\n%s", stderr)
	}

	// An empty directory: a checkout lacks it, so the advice is to fill it.
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "-q", "-m", "changes")
	os.Mkdir(filepath.Join(dir, "empty"), 0o755)
	layout = filepath.Join(t.TempDir(), "empty")
	code, _, stderr = pkgPush(t, epoch, dir, "--to", "ocidir://"+layout)
	if code != 0 || !strings.Contains(stderr, warning+" (empty/)") || !strings.Contains(stderr, "git holds no empty directory: put a file in one, such as .gitkeep") {
		t.Fatalf("empty directory: exit %d\n%s", code, stderr)
	}
}

// TestPushAdviceForBuildOutputs: files built into spec.platforms' content directories
// (./dist/…) and not ignored by git make pkg-push warn, and the advice is to list them
// in .gitignore, never to commit them; once ignored, they do not count.
func TestPushAdviceForBuildOutputs(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not on PATH")
	}
	repo := t.TempDir()
	dir := filepath.Join(repo, "tool")
	os.MkdirAll(dir, 0o755)
	yaml := "apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata: {name: tool, version: 1.0.0, description: d, license: MIT}\n" +
		"spec:\n  platforms:\n    linux/amd64: ./dist/linux-amd64\n    linux/arm64: ./dist/linux-arm64\n  bin: [bin/tool]\n"
	os.WriteFile(filepath.Join(dir, "package.yaml"), []byte(yaml), 0o644)
	git(t, repo, "init", "-q")
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "-q", "-m", "tool")
	for _, p := range []string{"linux-amd64", "linux-arm64"} { // what CI's build step makes
		os.MkdirAll(filepath.Join(dir, "dist", p, "bin"), 0o755)
		os.WriteFile(filepath.Join(dir, "dist", p, "bin", "tool"), []byte("#!/bin/sh\n"), 0o755)
	}
	epoch := map[string]string{"SOURCE_DATE_EPOCH": "0"}
	push := func(env map[string]string) (string, string) {
		t.Helper()
		layout := filepath.Join(t.TempDir(), "tool")
		code, _, stderr := pkgPush(t, env, dir, "--to", "ocidir://"+layout)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		return stderr, revisionOf(t, layout)
	}

	stderr, _ := push(epoch)
	want := "Warning: " + dir + " has uncommitted changes the package holds (dist/linux-amd64/bin/tool, dist/linux-arm64/bin/tool): no commit holds this content, so it names no git revision (org.opencontainers.image.revision); " +
		"build outputs belong in .gitignore, not in a commit: add /dist/ to " + filepath.Join(dir, ".gitignore")
	if !strings.Contains(stderr, want) || strings.Contains(stderr, "commit them first") {
		t.Errorf("built outputs: want %q; stderr:\n%s", want, stderr)
	}
	// Under GitHub Actions, where the recipe runs, the warning is an annotation.
	stderr, _ = push(map[string]string{"SOURCE_DATE_EPOCH": "0", "GITHUB_ACTIONS": "true"})
	if !strings.Contains(stderr, "::warning title=pkg-push::"+dir+" has uncommitted changes the package holds") || strings.Contains(stderr, "Warning: ") {
		t.Errorf("GITHUB_ACTIONS=true: want a ::warning annotation; stderr:\n%s", stderr)
	}

	// A source change beside them: commit that, ignore the outputs.
	os.WriteFile(filepath.Join(dir, "package.yaml"), []byte(strings.Replace(yaml, "description: d", "description: a tool", 1)), 0o644)
	stderr, _ = push(epoch)
	if want := "add /dist/ to " + filepath.Join(dir, ".gitignore") + " (build outputs belong there, not in a commit: git then leaves them out), and commit the rest first"; !strings.Contains(stderr, want) {
		t.Errorf("outputs and a source change: want %q; stderr:\n%s", want, stderr)
	}
	git(t, repo, "commit", "-q", "-a", "-m", "description")
	head := strings.TrimSpace(git(t, repo, "rev-parse", "HEAD"))

	// As advised: the outputs no longer count, and the package names its commit.
	os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("/dist/\n"), 0o644)
	stderr, revision := push(epoch)
	if strings.Contains(stderr, "uncommitted") || revision != head {
		t.Errorf("with /dist/ in .gitignore: revision %q, want %s; stderr:\n%s", revision, head, stderr)
	}
}

// TestPushWarnsOfShallowClone: a push from a shallow clone whose cut is the last commit
// git finds touching the package says that a full clone may build another digest, and
// how to fetch the history (as a workflow annotation under GitHub Actions); when the
// version came from a full clone, the refusal's hint names the shallow clone. A full
// clone says nothing of it.
func TestPushWarnsOfShallowClone(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not on PATH")
	}
	repo := t.TempDir()
	dir := filepath.Join(repo, "pkgs", "tool")
	if code, _, stderr := pkgPush(t, nil, "init", dir); code != 0 {
		t.Fatal(stderr)
	}
	git(t, repo, "init", "-q")
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "-q", "-m", "tool", "--date=2020-01-01T00:00:00Z")
	os.WriteFile(filepath.Join(repo, "other.txt"), []byte("x"), 0o644)
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "-q", "-m", "other") // the package's last commit is the one before
	shallow := filepath.Join(t.TempDir(), "shallow")
	git(t, repo, "clone", "-q", "--depth", "1", "file://"+repo, shallow)
	head := strings.TrimSpace(git(t, repo, "rev-parse", "HEAD"))
	const warning = "is in a shallow clone (git clone --depth, actions/checkout's default), and "

	layout := "ocidir://" + filepath.Join(t.TempDir(), "tool")
	code, _, stderr := pkgPush(t, nil, dir, "--to", layout)
	if code != 0 || strings.Contains(stderr, "shallow") {
		t.Fatalf("full clone: exit %d\n%s", code, stderr)
	}
	code, _, stderr = pkgPush(t, nil, filepath.Join(shallow, "pkgs", "tool"), "--to", layout)
	if code != 5 || !strings.Contains(stderr, "Warning: "+filepath.Join(shallow, "pkgs", "tool")+" "+warning+head[:12]+", the last commit git finds touching it") ||
		!strings.Contains(stderr, "so the creation time and the revision annotation, and so the digest, may differ from a full clone's") ||
		!strings.Contains(stderr, "Fetch the whole history: fetch-depth: 0 in actions/checkout") ||
		!strings.Contains(stderr, "Hint: this push was built in a shallow clone") {
		t.Fatalf("shallow clone: exit %d\n%s", code, stderr)
	}

	// Under GitHub Actions, the warning is an annotation; SOURCE_DATE_EPOCH leaves the
	// revision uncertain.
	github := map[string]string{"GITHUB_ACTIONS": "true", "SOURCE_DATE_EPOCH": "0"}
	code, _, stderr = pkgPush(t, github, filepath.Join(shallow, "pkgs", "tool"), "--to", "ocidir://"+filepath.Join(t.TempDir(), "other"))
	if code != 0 || !strings.Contains(stderr, "::warning title=pkg-push::"+filepath.Join(shallow, "pkgs", "tool")+" "+warning) ||
		!strings.Contains(stderr, "so the revision annotation, and so the digest, may differ") || strings.Contains(stderr, "Warning: ") {
		t.Fatalf("GITHUB_ACTIONS=true: exit %d\n%s", code, stderr)
	}
}

// revisionOf reads the revision annotation of the one manifest in an OCI layout.
func revisionOf(t *testing.T, layout string) string {
	t.Helper()
	return onlyManifest(t, layout).Annotations[ocispec.AnnotationRevision]
}

// git runs git in repo with a fixed identity and no user or system configuration.
func git(t *testing.T, repo string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestPackageYAMLForDIR: naming package.yaml where DIR is wanted is a usage error (exit
// 2) that says to give the directory, alike for lint, push and init; push used to
// fail with "open hello/package.yaml/package.yaml: not a directory" (exit 1), init
// with a raw lstat error.
func TestPackageYAMLForDIR(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	dir := filepath.Join(parent, "tool")
	epoch := map[string]string{"SOURCE_DATE_EPOCH": "0"}
	if code, _, stderr := pkgPush(t, epoch, "init", dir); code != 0 {
		t.Fatal(stderr)
	}
	file := filepath.Join(dir, "package.yaml")
	layout := "ocidir://" + filepath.Join(t.TempDir(), "reg")
	tests := []struct {
		name   string
		args   []string
		stderr []string
	}{
		{"lint", []string{"lint", file}, []string{"Error: " + file + " is not a directory\n", "Hint: give the directory that holds package.yaml, not the file\n", "Usage: pkg-push lint"}},
		{"push", []string{file, "--to", layout}, []string{"Error: " + file + " is not a directory\n", "Hint: give the directory that holds package.yaml, not the file\n", "Usage: pkg-push DIR --to REPOSITORY"}},
		{"push --dry-run", []string{file, "--to", layout, "--dry-run"}, []string{"Error: " + file + " is not a directory\n"}},
		{"init", []string{"init", file}, []string{"Error: " + file + " is a file, not a directory\n", "Hint: give a directory for the new package", "Usage: pkg-push init"}},
		{"init below a file", []string{"init", filepath.Join(file, "sub")}, []string{"Error: " + file + " is a file, so " + filepath.Join(file, "sub") + " cannot be a directory\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := pkgPush(t, epoch, tc.args...)
			if code != 2 || stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
}

// Following the scaffold's README — a push to ./registry/NAME, then one elsewhere (a
// registry) — publishes the same content both times: the scaffold's .pkgignore leaves
// the local layout out of every push, not only of the push into it.
func TestScaffoldLayoutNeverPublished(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "scaf")
	epoch := map[string]string{"SOURCE_DATE_EPOCH": "0"}
	if code, _, stderr := pkgPush(t, epoch, "init", dir); code != 0 {
		t.Fatal(stderr)
	}
	var digests []string
	for _, to := range []string{"ocidir://" + filepath.Join(dir, "registry", "scaf"), "ocidir://" + filepath.Join(t.TempDir(), "elsewhere", "scaf")} {
		code, stdout, stderr := pkgPush(t, epoch, dir, "--to", to, "-o", "json")
		if code != 0 {
			t.Fatalf("push to %s: exit %d\n%s", to, code, stderr)
		}
		var p struct{ Digest string }
		if err := json.Unmarshal([]byte(stdout), &p); err != nil {
			t.Fatal(err)
		}
		digests = append(digests, p.Digest)
	}
	if digests[0] != digests[1] {
		t.Errorf("the second push published other content (%s, then %s): the local layout went into it", digests[0], digests[1])
	}
}

// A word near a verb is a typo unless a directory has that name: pkg-push takes one.
func TestVerbTypoOrDirectory(t *testing.T) {
	t.Chdir(t.TempDir())
	code, _, stderr := pkgPush(t, nil, "lnit", "--to", "ocidir://reg")
	if code != 2 || !strings.Contains(stderr, `Hint: did you mean "pkg-push init" or "pkg-push lint"?`) {
		t.Errorf("lnit: exit %d, stderr:\n%s", code, stderr)
	}
	if err := os.Mkdir("lnit", 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = pkgPush(t, nil, "lnit", "--to", "ocidir://reg")
	if code == 0 || strings.Contains(stderr, "did you mean") || !strings.Contains(stderr, "package.yaml") {
		t.Errorf("the directory lnit: exit %d, stderr:\n%s", code, stderr)
	}
	code, _, stderr = pkgPush(t, nil, "--to", "ocidir://reg", "init")
	if code == 0 || !strings.Contains(stderr, "package directory init does not exist") {
		t.Errorf("--to before the directory init: exit %d, stderr:\n%s", code, stderr)
	}
}

// TestFloatingSummary: what a push says about the floating tags, also when another push
// of the package ran at the same time and it moved some of them again.
func TestFloatingSummary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		here, already string
		settled       []publish.TagMove
		version, want string
	}{
		{"tagged", "1.2 1 latest", "", nil, "1.2.0", "Tagged 1.2, 1, latest"},
		{"already", "1.2 1 latest", "1.2 1 latest", nil, "1.2.0", "1.2, 1, latest already pointed here"},
		{"some already", "1.2 1 latest", "1.2", nil, "1.2.0", "Tagged 1, latest (1.2 already pointed here)"},
		{"moved on to a higher version", "1.1", "", []publish.TagMove{{Tag: "1", From: "1.1.0", To: "1.2.0"}, {Tag: "latest", From: "1.1.0", To: "1.2.0"}}, "1.1.0",
			"Tagged 1.1, 1, latest\nMoved 1, latest on to 1.2.0, the higher version, published at the same time"},
		{"moved back here", "1.2 1 latest", "", []publish.TagMove{{Tag: "latest", From: "1.1.0", To: "1.2.0"}}, "1.2.0",
			"Tagged 1.2, 1, latest\nMoved latest back here: a push of 1.1.0 at the same time had tagged over this one"},
		{"already here, then moved on", "1.1 1", "1.1 1 latest", []publish.TagMove{{Tag: "latest", From: "1.1.0", To: "1.2.0"}}, "1.1.0",
			"1.1, 1, latest already pointed here\nMoved latest on to 1.2.0, the higher version, published at the same time"},
		{"moved on to two versions", "1.1", "", []publish.TagMove{{Tag: "1", From: "1.1.0", To: "1.3.0"}, {Tag: "latest", From: "1.1.0", To: "2.0.0"}}, "1.1.0",
			"Tagged 1.1, 1, latest\nMoved 1 on to 1.3.0, the higher version, published at the same time\nMoved latest on to 2.0.0, the higher version, published at the same time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := strings.Join(floatingSummary(strings.Fields(tt.here), strings.Fields(tt.already), tt.settled, tt.version), "\n")
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
