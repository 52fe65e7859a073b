package publish

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/artifact"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/ref"
)

// TestUncommittedChangesDropTheRevision builds a package committed in a real git
// repository: clean, it names the last commit as its revision; with uncommitted changes
// that it packs, it names none and lists them, and changes it does not pack (ignored
// files, the --to layout, files outside the package or its content) change nothing.
func TestUncommittedChangesDropTheRevision(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not on PATH")
	}
	platforms := strings.Replace(manifest, "spec:\n", "spec:\n  platforms:\n    linux/amd64: dist/amd64\n", 1)
	tests := []struct {
		name   string
		yaml   string // manifest when empty
		change func(t *testing.T, repo, pkg string)
		layout string // relative to the package directory
		want   string // Uncommitted, space-separated; "" keeps the revision
		// untracked is Untracked, space-separated: the new files among want.
		untracked string
	}{
		{name: "clean"},
		{name: "modified", change: write("bin/hello", "changed"), want: "bin/hello"},
		{name: "untracked", change: write("docs/new.md", "new"), want: "docs/new.md", untracked: "docs/new.md"},
		{name: "deleted", change: remove("README.md"), want: "README.md"},
		{name: "staged", change: func(t *testing.T, repo, pkg string) {
			write("README.md", "staged")(t, repo, pkg)
			run(t, repo, "add", "-A")
		}, want: "README.md"},
		{name: "several", change: func(t *testing.T, repo, pkg string) {
			write("docs/new.md", "new")(t, repo, pkg)
			write("package.yaml", strings.Replace(manifest, "Say hello", "Say hi", 1))(t, repo, pkg)
			remove("README.md")(t, repo, pkg)
		}, want: "README.md docs/new.md package.yaml", untracked: "docs/new.md"},
		{name: "pkgignored", change: write("debug.log", "noise"), want: ""},
		{name: "pkgignored directory", change: write("tmp/x/y.txt", "noise"), want: ""},
		{name: "gitignored", change: write("build/out.bin", "output"), want: ""},
		{name: "outside the package", change: func(t *testing.T, repo, pkg string) {
			os.WriteFile(filepath.Join(repo, "other.txt"), []byte("x"), 0o644)
		}, want: ""},
		{name: "the layout inside", layout: "registry/hello", change: write("registry/hello/index.json", "{}"), want: ""},
		{name: "outside the content", yaml: platforms, change: write("notes.txt", "x"), want: ""},
		{name: "inside the content", yaml: platforms, change: write("dist/amd64/bin/hello", "y"), want: "dist/amd64/bin/hello"},
		{name: "new inside the content", yaml: platforms, change: write("dist/amd64/bin/built", "y"), want: "dist/amd64/bin/built", untracked: "dist/amd64/bin/built"},
		// git holds no empty directory: a checkout lacks it, and packs another digest.
		{name: "empty directory", change: mkdir("share/empty"), want: "share/"},
		{name: "empty directory beside a file", change: mkdir("bin/empty"), want: "bin/empty/"},
		{name: "empty directory in the content", yaml: platforms, change: mkdir("dist/amd64/lib"), want: "dist/amd64/lib/"},
		{name: "pkgignored empty directory", change: mkdir("tmp/empty"), want: ""},
		{name: "gitignored empty directory", change: mkdir("build/empty"), want: ""},
		{name: "empty directory outside the content", yaml: platforms, change: mkdir("share/empty"), want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			repo := t.TempDir()
			pkg := filepath.Join(repo, "hello") // a package below the repository's root
			yaml := tc.yaml
			if yaml == "" {
				yaml = manifest
			}
			for name, body := range map[string]string{
				"package.yaml": yaml, "bin/hello": "#!/bin/sh\n", "dist/amd64/bin/hello": "#!/bin/sh\n",
				"README.md": "hi", "notes.txt": "n", ".pkgignore": "*.log\n/tmp/\n", ".gitignore": "build/\n",
			} {
				write(name, body)(t, repo, pkg)
			}
			os.WriteFile(filepath.Join(repo, "other.txt"), []byte("o"), 0o644)
			run(t, repo, "init", "-q")
			run(t, repo, "add", "-A")
			run(t, repo, "commit", "-q", "-m", "hello")
			head := strings.TrimSpace(run(t, repo, "rev-parse", "HEAD"))
			if tc.change != nil {
				tc.change(t, repo, pkg)
			}
			opts := Options{}
			if tc.layout != "" {
				opts.Layout = filepath.Join(pkg, filepath.FromSlash(tc.layout))
			}
			a := build(t, pkg, opts)
			if got := strings.Join(a.Uncommitted, " "); got != tc.want {
				t.Errorf("Uncommitted = %q, want %q", got, tc.want)
			}
			if got := strings.Join(a.Untracked, " "); got != tc.untracked {
				t.Errorf("Untracked = %q, want %q", got, tc.untracked)
			}
			wantRevision := head
			if tc.want != "" {
				wantRevision = ""
			}
			if a.Revision != wantRevision {
				t.Errorf("Revision = %q, want %q", a.Revision, wantRevision)
			}
			if got := revisionAnnotation(t, a); got != wantRevision {
				t.Errorf("revision annotation = %q, want %q", got, wantRevision)
			}
		})
	}
}

// revisionAnnotation reads the revision annotation of a's root manifest or index.
func revisionAnnotation(t *testing.T, a *Artifact) string {
	t.Helper()
	if a.Root.Desc.MediaType == ocispec.MediaTypeImageIndex {
		idx, err := artifact.DecodeIndex(a.Root.Data, "test")
		if err != nil {
			t.Fatal(err)
		}
		return idx.Annotations[ocispec.AnnotationRevision]
	}
	m, err := artifact.DecodeManifest(a.Root.Data, "test")
	if err != nil {
		t.Fatal(err)
	}
	return m.Annotations[ocispec.AnnotationRevision]
}

// write returns a change that writes a file of the package.
func write(name, body string) func(t *testing.T, repo, pkg string) {
	return func(t *testing.T, repo, pkg string) {
		t.Helper()
		p := filepath.Join(pkg, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// remove returns a change that deletes a file of the package.
func mkdir(name string) func(t *testing.T, repo, pkg string) {
	return func(t *testing.T, repo, pkg string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(pkg, filepath.FromSlash(name)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func remove(name string) func(t *testing.T, repo, pkg string) {
	return func(t *testing.T, repo, pkg string) {
		t.Helper()
		if err := os.Remove(filepath.Join(pkg, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
}

// run runs git in repo with a fixed identity and no user or system configuration.
func run(t *testing.T, repo string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestShallowClone: in a shallow clone, git takes the commit where the history is cut
// off for the last one touching the package, whether it touched it or not; the build
// says so (Artifact.Shallow) when it dated the artifact or named its revision by such
// a commit, and a refused push's hint names the cause. A clone deep enough to hold the
// package's last commit below the cut builds what a full clone builds, and says nothing.
func TestShallowClone(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not on PATH")
	}
	repo := t.TempDir()
	pkg := filepath.Join(repo, "pkgs", "hello")
	commit := func(date, file string) string {
		t.Helper()
		if err := os.WriteFile(filepath.Join(repo, file), []byte(date), 0o644); err != nil {
			t.Fatal(err)
		}
		run(t, repo, "add", "-A")
		cmd := exec.Command("git", "-C", repo, "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", "commit", "-q", "-m", date)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git commit: %v\n%s", err, out)
		}
		return strings.TrimSpace(run(t, repo, "rev-parse", "HEAD"))
	}
	run(t, repo, "init", "-q")
	commit("2020-01-01T00:00:00Z", "other.txt")
	write("package.yaml", manifest)(t, repo, pkg)
	write("bin/hello", "#!/bin/sh\n")(t, repo, pkg)
	touched := commit("2021-01-01T00:00:00Z", "pkgs/hello/README.md") // the package's last commit
	head := commit("2022-01-01T00:00:00Z", "other.txt")

	clone := func(depth string) string {
		t.Helper()
		dir := filepath.Join(t.TempDir(), "clone")
		run(t, repo, "clone", "-q", "--depth", depth, "file://"+repo, dir)
		return filepath.Join(dir, "pkgs", "hello")
	}
	noEpoch := func(string) string { return "" }
	full := build(t, pkg, Options{Getenv: noEpoch})
	if full.Shallow != nil || full.Revision != touched {
		t.Fatalf("full clone: Shallow = %+v, Revision = %s; want nil and %s", full.Shallow, full.Revision, touched)
	}
	fullEpoch := build(t, pkg, Options{Getenv: fixedEpoch}).Root.Desc.Digest

	tests := []struct {
		name   string
		depth  string
		getenv func(string) string
		want   *ShallowClone
		same   bool // the full clone's digest
	}{
		{"depth 1", "1", noEpoch, &ShallowClone{Commit: head, Created: true, Revision: true}, false},
		// SOURCE_DATE_EPOCH fixes the time, not the revision annotation.
		{"depth 1 with SOURCE_DATE_EPOCH", "1", fixedEpoch, &ShallowClone{Commit: head, Revision: true}, false},
		// The package's last commit is the cut: git finds the right one, but cannot
		// tell that it is.
		{"depth 2", "2", noEpoch, &ShallowClone{Commit: touched, Created: true, Revision: true}, true},
		{"depth 3", "3", noEpoch, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := build(t, clone(tc.depth), Options{Getenv: tc.getenv})
			switch {
			case tc.want == nil && a.Shallow != nil:
				t.Errorf("Shallow = %+v, want nil", *a.Shallow)
			case tc.want != nil && (a.Shallow == nil || *a.Shallow != *tc.want):
				t.Errorf("Shallow = %+v, want %+v", a.Shallow, *tc.want)
			}
			want := full.Root.Desc.Digest
			if tc.getenv("SOURCE_DATE_EPOCH") != "" {
				want = fullEpoch
			}
			if got := a.Root.Desc.Digest; (got == want) != tc.same {
				t.Errorf("digest %s, full clone's %s: want equal %v", got, want, tc.same)
			}
		})
	}

	// A build with uncommitted changes names no revision: only the time is uncertain,
	// and with SOURCE_DATE_EPOCH nothing is.
	dirty := clone("1")
	write("NOTES.md", "new")(t, repo, dirty)
	if a := build(t, dirty, Options{Getenv: noEpoch}); a.Shallow == nil || *a.Shallow != (ShallowClone{Commit: head, Created: true}) {
		t.Errorf("uncommitted changes: Shallow = %+v, want the time only", a.Shallow)
	}
	if a := build(t, dirty, Options{Getenv: fixedEpoch}); a.Shallow != nil {
		t.Errorf("uncommitted changes and SOURCE_DATE_EPOCH: Shallow = %+v, want nil", *a.Shallow)
	}

	// The version published from the full clone: the shallow clone's push is refused,
	// and the hint says why; a full clone's refusal keeps the usual hint.
	ctx := context.Background()
	r, err := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
	if err != nil {
		t.Fatal(err)
	}
	target, err := oci.Open(ctx, r, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	if _, err := Push(ctx, target, full, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = Push(ctx, target, build(t, clone("1"), Options{Getenv: noEpoch}), PushOptions{})
	if hint := fault.HintOf(err); fault.KindOf(err) != fault.Conflict || !strings.Contains(hint, "built in a shallow clone") || !strings.Contains(hint, "fetch-depth: 0") {
		t.Errorf("push from the shallow clone: %v (hint %q)", err, hint)
	}
	write("bin/hello", "#!/bin/sh\necho changed\n")(t, repo, pkg)
	_, err = Push(ctx, target, build(t, pkg, Options{Getenv: noEpoch}), PushOptions{})
	if hint := fault.HintOf(err); fault.KindOf(err) != fault.Conflict || strings.Contains(hint, "shallow") {
		t.Errorf("changed content in the full clone: %v (hint %q)", err, hint)
	}
}
