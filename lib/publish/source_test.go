package publish

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/artifact"
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
	}{
		{name: "clean"},
		{name: "modified", change: write("bin/hello", "changed"), want: "bin/hello"},
		{name: "untracked", change: write("docs/new.md", "new"), want: "docs/new.md"},
		{name: "deleted", change: remove("README.md"), want: "README.md"},
		{name: "staged", change: func(t *testing.T, repo, pkg string) {
			write("README.md", "staged")(t, repo, pkg)
			run(t, repo, "add", "-A")
		}, want: "README.md"},
		{name: "several", change: func(t *testing.T, repo, pkg string) {
			write("docs/new.md", "new")(t, repo, pkg)
			write("package.yaml", strings.Replace(manifest, "Say hello", "Say hi", 1))(t, repo, pkg)
			remove("README.md")(t, repo, pkg)
		}, want: "README.md docs/new.md package.yaml"},
		{name: "pkgignored", change: write("debug.log", "noise"), want: ""},
		{name: "pkgignored directory", change: write("tmp/x/y.txt", "noise"), want: ""},
		{name: "gitignored", change: write("build/out.bin", "output"), want: ""},
		{name: "outside the package", change: func(t *testing.T, repo, pkg string) {
			os.WriteFile(filepath.Join(repo, "other.txt"), []byte("x"), 0o644)
		}, want: ""},
		{name: "the layout inside", layout: "registry/hello", change: write("registry/hello/index.json", "{}"), want: ""},
		{name: "outside the content", yaml: platforms, change: write("notes.txt", "x"), want: ""},
		{name: "inside the content", yaml: platforms, change: write("dist/amd64/bin/hello", "y"), want: "dist/amd64/bin/hello"},
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
