package plan

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"longshore.dev/lib/api"
	"longshore.dev/lib/index"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/patch"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/publish"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/resolve"
	"longshore.dev/lib/stream"
	"longshore.dev/lib/tap"
)

func fakeDigest(s string) string { return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(s))) }

// pv is one version of a test package: "1.0.0" and its dependencies, each "name@c",
// "tap/name@c" or "ref:REPO@c".
type pv struct {
	version string
	deps    []string
	yanked  bool
}

func v(version string, deps ...string) pv { return pv{version: version, deps: deps} }

func dependencies(deps []string) []pkgspec.Dependency {
	var out []pkgspec.Dependency
	for _, d := range deps {
		name, c, _ := strings.Cut(d, "@")
		if r, ok := strings.CutPrefix(name, "ref:"); ok {
			out = append(out, pkgspec.Dependency{Ref: r, Version: c})
		} else {
			out = append(out, pkgspec.Dependency{Name: name, Version: c})
		}
	}
	return out
}

// entry is an index package living at registry.example/NAME with fake digests.
func entry(name string, versions ...pv) index.Package {
	p := index.Package{Name: name, Repository: "registry.example/" + name}
	for _, x := range versions {
		p.Versions = append(p.Versions, index.Version{
			Version: x.version, Digest: fakeDigest(name + x.version), Yanked: x.yanked,
			Platforms: []api.Platform{
				{Platform: "linux/amd64", Digest: fakeDigest(name + x.version + "amd64")},
				{Platform: "linux/arm64", Digest: fakeDigest(name + x.version + "arm64")},
			},
			Dependencies: dependencies(x.deps),
		})
	}
	return p
}

// addTap writes pkgs as IndexEntry files and adds them to home as a directory tap.
func addTap(t testing.TB, home, name string, def bool, pkgs ...index.Package) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		var buf bytes.Buffer
		if err := stream.WriteYAML(&buf, index.ToEntry(p)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p.Name+".yaml"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tap.Add(context.Background(), home, tap.Spec{Name: name, Source: dir, Default: def}, tap.Options{}); err != nil {
		t.Fatalf("adding tap %s: %v", name, err)
	}
}

// publishPackage builds a package with lib/publish and pushes it to the layout repo
// (ocidir://…), tagged with its version. platforms: none means "any".
func publishPackage(t testing.TB, repo, name, version string, deps []string, platforms ...string) string {
	t.Helper()
	dir := t.TempDir()
	yaml := fmt.Sprintf("apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata:\n  name: %s\n  version: %s\n", name, version)
	yaml += "spec:\n"
	if len(platforms) > 0 {
		yaml += "  platforms:\n"
		for _, p := range platforms {
			yaml += fmt.Sprintf("    %s: ./%s\n", p, strings.ReplaceAll(p, "/", "-"))
			if err := os.MkdirAll(filepath.Join(dir, strings.ReplaceAll(p, "/", "-")), 0o755); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, strings.ReplaceAll(p, "/", "-"), "f"), []byte(p), 0o644)
		}
	}
	if len(deps) > 0 {
		yaml += "  dependencies:\n"
		for _, d := range dependencies(deps) {
			if d.Ref != "" {
				yaml += fmt.Sprintf("    - {ref: %q, version: %q}\n", d.Ref, d.Version)
			} else {
				yaml += fmt.Sprintf("    - {name: %q, version: %q}\n", d.Name, d.Version)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "package.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := pkgspec.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := publish.Build(dir, p, publish.Options{Created: time.Unix(1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	target := openLayout(t, repo)
	defer target.Close()
	res, err := publish.Push(ctx, target, a, publish.PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Published.Digest
}

func openLayout(t testing.TB, repo string) *oci.Target {
	t.Helper()
	r, err := ref.ParseArtifact(repo)
	if err != nil {
		t.Fatal(err)
	}
	target, err := oci.Open(context.Background(), r, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	return target
}

// tagLayout adds tag to what from points at in the layout repo.
func tagLayout(t testing.TB, repo, from, tag string) {
	t.Helper()
	target := openLayout(t, repo)
	defer target.Close()
	desc, err := target.Resolve(context.Background(), from)
	if err != nil {
		t.Fatal(err)
	}
	if err := target.Tag(context.Background(), desc, tag); err != nil {
		t.Fatal(err)
	}
}

// publishDescriptor pushes a PatchDescriptor (YAML rules) for name under the registry.
func publishDescriptor(t testing.TB, registry, name, rules string) {
	t.Helper()
	d, err := patch.Parse([]byte("apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\nrules:\n"+rules), name+".yaml", name)
	if err != nil {
		t.Fatal(err)
	}
	target := openLayout(t, patch.Repository(registry, name))
	defer target.Close()
	if _, err := patch.Push(context.Background(), target, d); err != nil {
		t.Fatal(err)
	}
}

func setPatches(t testing.TB, home, registry string, required bool) {
	t.Helper()
	if err := tap.SetPatches(home, &tap.Patches{Registry: registry, Required: &required}); err != nil {
		t.Fatal(err)
	}
}

// req parses "name@constraint" (the constraint after the last '@' that is not a digest).
func req(s string) resolve.Request {
	name, c, _ := strings.Cut(s, "@")
	return resolve.Request{Name: name, Constraint: c}
}

func reqs(ss ...string) []resolve.Request {
	out := make([]resolve.Request, len(ss))
	for i, s := range ss {
		out[i] = req(s)
	}
	return out
}

// summary is a lock as "name version reason [tap]" lines in order.
func summary(lock *api.Lock) string {
	var lines []string
	for _, n := range lock.Order {
		p, _ := lock.Package(n)
		line := p.Name + " " + p.Version + " " + p.Reason
		if p.Tap != "" {
			line += " " + p.Tap
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func lockYAML(t testing.TB, lock *api.Lock) string {
	t.Helper()
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, lock); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func mustDescriptor(t testing.TB, name, rules string) *patch.Descriptor {
	t.Helper()
	d, err := patch.Parse([]byte("apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\nrules:\n"+rules), name+".yaml", name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
