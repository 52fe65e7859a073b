package gc

import (
	"bytes"
	"context"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/api"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/publish"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/store"
	"longshore.dev/lib/stream"
)

// pkg is a package version published to a layout for the tests.
type pkg struct {
	name, version string
	files         map[string]string
	root          ocispec.Descriptor
}

// publishPkg publishes name@version with files (bin/NAME is its entry point when it
// has one) into the layout dir/NAME.
func publishPkg(t *testing.T, layouts, name, version string, files map[string]string) *pkg {
	t.Helper()
	spec := ""
	if _, ok := files["bin/"+name]; ok {
		spec = "  bin: [bin/" + name + "]\n"
	}
	return publishSpec(t, layouts, name, version, spec, files, publish.PushOptions{})
}

// publishSpec publishes a package with the given spec lines (indented by two spaces).
func publishSpec(t *testing.T, layouts, name, version, spec string, files map[string]string, opts publish.PushOptions) *pkg {
	t.Helper()
	dir := t.TempDir()
	yaml := "apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata:\n  name: " + name + "\n  version: " + version + "\nspec:\n" + spec
	if err := os.WriteFile(filepath.Join(dir, "package.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	for f, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	p, err := pkgspec.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := publish.Build(dir, p, publish.Options{Getenv: func(string) string { return "0" }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(layouts, name))
	ctx := context.Background()
	target, err := oci.Open(ctx, r, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	if _, err := publish.Push(ctx, target, a, opts); err != nil {
		t.Fatal(err)
	}
	return &pkg{name: name, version: version, files: files, root: a.Root.Desc}
}

// install installs p into s (opening its layout only for the install, so several
// tests and goroutines can share it).
func (p *pkg) install(t *testing.T, s *store.Store, layouts string) *api.Installed {
	t.Helper()
	inst, err := p.tryInstall(s, layouts)
	if err != nil {
		t.Fatalf("installing %s %s: %v", p.name, p.version, err)
	}
	return inst
}

func (p *pkg) tryInstall(s *store.Store, layouts string) (*api.Installed, error) {
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(layouts, p.name))
	ctx := context.Background()
	target, err := oci.Open(ctx, r, oci.Options{})
	if err != nil {
		return nil, err
	}
	defer target.Close()
	return s.Install(ctx, target, p.root, store.InstallOptions{})
}

// fixture is a store with packages installed and garbage of every kind.
type fixture struct {
	s       *store.Store
	layouts string
	// installed are the versions installed.yaml records; replaced were installed and
	// then replaced by another version (their trees are garbage).
	installed, replaced []*pkg
}

// newFixture installs hello 1.0.0 then 2.0.0, tool 1.0.0 then 1.1.0, and data 1.0.0,
// and leaves staging of a killed install, a half-switched link and a stray blob.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{layouts: t.TempDir()}
	s, err := store.Open(filepath.Join(t.TempDir(), "home"))
	if err != nil {
		t.Fatal(err)
	}
	f.s = s
	mk := func(name, version string, files map[string]string) *pkg {
		return publishPkg(t, f.layouts, name, version, files)
	}
	hello1 := mk("hello", "1.0.0", map[string]string{"bin/hello": "#!/bin/sh\necho hello 1\n", "share/a.txt": strings.Repeat("one ", 500)})
	hello2 := mk("hello", "2.0.0", map[string]string{"bin/hello": "#!/bin/sh\necho hello 2\n", "share/a.txt": strings.Repeat("two ", 500)})
	tool1 := mk("tool", "1.0.0", map[string]string{"bin/tool": "#!/bin/sh\necho tool 1\n", "lib/x/y/z.txt": "deep 1"})
	tool11 := mk("tool", "1.1.0", map[string]string{"bin/tool": "#!/bin/sh\necho tool 1.1\n", "lib/x/y/z.txt": "deep 1.1"})
	data := mk("data", "1.0.0", map[string]string{"data.txt": strings.Repeat("data ", 2000)})
	for _, p := range []*pkg{hello1, hello2, tool1, tool11, data} {
		p.install(t, s, f.layouts)
	}
	f.installed = []*pkg{data, hello2, tool11}
	f.replaced = []*pkg{hello1, tool1}
	// A garbage tree whose own directory is read-only: moving it out of pkgs/ needs
	// it writable (for a user who is not root).
	readOnly := s.TreePath(hello1.root.Digest)
	os.Chmod(readOnly, 0o555)
	t.Cleanup(func() { os.Chmod(readOnly, 0o755) })

	// What killed commands leave behind.
	staging := filepath.Join(s.TmpDir(), "install-123456")
	os.MkdirAll(filepath.Join(staging, "tree", "bin"), 0o755)
	os.WriteFile(filepath.Join(staging, "tree", "bin", "x"), []byte("half"), 0o444)
	os.Chmod(filepath.Join(staging, "tree", "bin"), 0o555)
	// Tests that leave it behind: t.TempDir's cleanup does not make it writable.
	t.Cleanup(func() { os.Chmod(filepath.Join(staging, "tree", "bin"), 0o755) })
	os.Symlink("../pkgs/sha256/"+strings.Repeat("ab", 32)+"/bin/x", filepath.Join(s.BinDir(), store.LinkStagingPrefix+"x"))
	os.WriteFile(filepath.Join(s.BlobsDir(), strings.Repeat("cd", 32)), []byte("stray"), 0o444)
	os.WriteFile(filepath.Join(s.BlobsDir(), ".config.tmp-99"), []byte("partial"), 0o644)
	return f
}

// files maps every regular file under dir to its content, and every link to "-> target".
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(dir, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[filepath.ToSlash(r)] = "-> " + target
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[filepath.ToSlash(r)] = string(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkConsistent is what every command after a collection relies on: every installed
// record's tree is there with its content, every link of an installed package leads
// into its tree, and installed.yaml reads.
func (f *fixture) checkConsistent(t *testing.T) {
	t.Helper()
	list, err := f.s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(f.installed) {
		t.Fatalf("installed.yaml holds %d records, want %d", len(list), len(f.installed))
	}
	for i, inst := range list {
		want := f.installed[i]
		if inst.Name != want.name || inst.Version != want.version {
			t.Fatalf("record %d is %s %s, want %s %s", i, inst.Name, inst.Version, want.name, want.version)
		}
		got := files(t, inst.Path)
		if !maps.Equal(got, want.files) {
			t.Errorf("%s %s: tree %s holds %v, want %v", inst.Name, inst.Version, inst.Path, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want.files)))
		}
		if _, ok := want.files["bin/"+want.name]; ok {
			data, err := os.ReadFile(filepath.Join(f.s.BinDir(), want.name))
			if err != nil || string(data) != want.files["bin/"+want.name] {
				t.Errorf("bin/%s does not lead to %s %s: %q %v", want.name, want.name, want.version, data, err)
			}
		}
	}
}

// collect runs Collect and fails the test on an error.
func collect(t *testing.T, s *store.Store, opts Options) *api.GCReport {
	t.Helper()
	r, err := Collect(context.Background(), s, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func names(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func itemPaths(r *api.GCReport) []string {
	var out []string
	for _, it := range r.Items {
		out = append(out, it.Kind+" "+it.Path)
	}
	return out
}

// keepDocs decodes YAML documents as -f would.
func keepDocs(t *testing.T, docs ...any) []stream.Doc {
	t.Helper()
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, docs...); err != nil {
		t.Fatal(err)
	}
	out, err := stream.Decode(&buf, "keep.yaml", api.Kinds)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// installedDoc is the Installed record of p as another home would print it.
func installedDoc(t *testing.T, f *fixture, p *pkg) *api.Installed {
	t.Helper()
	other, err := store.Open(filepath.Join(t.TempDir(), "other"))
	if err != nil {
		t.Fatal(err)
	}
	return p.install(t, other, f.layouts)
}
