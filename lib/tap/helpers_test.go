package tap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/index"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/stream"
)

// fakeDigest is a valid, stable digest for test entries.
func fakeDigest(s string) string {
	return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(s)))
}

// pkg is an index package with the given versions (no versions: 1.0.0).
func pkg(name, description string, keywords []string, versions ...string) index.Package {
	if len(versions) == 0 {
		versions = []string{"1.0.0"}
	}
	p := index.Package{Name: name, Repository: "localhost:5000/test/" + name, Description: description, Keywords: keywords}
	for _, v := range versions {
		p.Versions = append(p.Versions, index.Version{
			Version:   v,
			Digest:    fakeDigest(name + v),
			Platforms: []api.Platform{{Platform: "linux/amd64", Digest: fakeDigest(name + v + "amd64")}},
		})
	}
	return p
}

// writeEntries writes one IndexEntry file per package into dir.
func writeEntries(t testing.TB, dir string, pkgs ...index.Package) {
	t.Helper()
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
}

// publishLayout builds an index of pkgs and tags it "latest" in the OCI layout dir,
// blob by blob through lib/oci, and returns the ocidir:// source of it.
func publishLayout(t testing.TB, dir string, pkgs ...index.Package) string {
	t.Helper()
	built, err := index.Build(pkgs, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ref.ParseArtifact("ocidir://" + dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	target, err := oci.Open(ctx, r, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	for _, b := range append(append([]index.Blob{built.Config}, built.Shards...), built.Manifest) {
		if _, err := target.Push(ctx, b.Desc, bytes.NewReader(b.Data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := target.Tag(ctx, built.Manifest.Desc, "latest"); err != nil {
		t.Fatal(err)
	}
	return "ocidir://" + dir
}

// mustAdd adds a tap and fails the test on error.
func mustAdd(t testing.TB, home string, spec Spec) *AddResult {
	t.Helper()
	res, err := Add(context.Background(), home, spec, Options{})
	if err != nil {
		t.Fatalf("Add(%+v): %v", spec, err)
	}
	return res
}

// snapshotFiles reads every regular file under dir, by relative path.
func snapshotFiles(t testing.TB, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.Mode().IsRegular() && !strings.HasSuffix(p, ".lock") {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			files[rel] = string(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
