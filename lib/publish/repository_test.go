package publish

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/artifact"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/ref"
)

// TestPushRefusesAnotherPackagesRepository: a repository holds one package. Pushing a
// second package into it is refused before anything is uploaded (with --cascade too,
// whose floating-tag check would not see it when no floating tag holds the other
// package), and so is pushing into a repository of something that is not a package;
// Force pushes anyway and says what the repository held.
func TestPushRefusesAnotherPackagesRepository(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pkg := func(name, version, spec string, files map[string]string) *Artifact {
		yaml := strings.NewReplacer("name: hello", "name: "+name, "1.0.0", version, "bin/hello", "bin/"+name).Replace(manifest)
		if spec != "" {
			yaml = strings.Replace(yaml, "spec:\n", "spec:\n"+spec, 1)
		}
		return build(t, writePackage(t, yaml, files), Options{})
	}
	simple := func(name, version string) *Artifact {
		return pkg(name, version, "", map[string]string{"bin/" + name: name + " " + version})
	}
	multi := "  platforms:\n    linux/amd64: amd\n    linux/arm64: arm\n"

	t.Run("another package", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		layout := "ocidir://" + filepath.Join(dir, "shared")
		pushTo(t, ctx, layout, simple("greet", "1.0.0"), PushOptions{})
		other := simple("other", "1.2.0")
		for _, cascade := range []bool{false, true} {
			_, err := pushErr(t, ctx, layout, other, PushOptions{Cascade: cascade})
			want := layout + " holds another package: its newest version tag, 1.0.0, holds package greet 1.0.0, not other; a repository holds one package, so nothing was pushed"
			hint := "push other to a repository of its own, e.g. ocidir://" + filepath.Join(dir, "other") + ", or pass --force to push it there anyway"
			if fault.KindOf(err) != fault.Conflict || err.Error() != want || fault.HintOf(err) != hint {
				t.Fatalf("cascade %v: %v (kind %v)\nhint %q\nwant %s\nhint %q", cascade, err, fault.KindOf(err), fault.HintOf(err), want, hint)
			}
		}
		assertTag(t, ctx, layout, "1.2.0", "")
		assertNoBlobsOf(t, ctx, layout, other)

		res := pushTo(t, ctx, layout, other, PushOptions{Force: true})
		if res.Other != "1.0.0 holds package greet 1.0.0" || res.Uploaded == 0 {
			t.Errorf("--force: Other %q, %d uploaded", res.Other, res.Uploaded)
		}
		assertTag(t, ctx, layout, "1.2.0", res.Published.Digest)
		// An unchanged re-push publishes nothing new: not refused, nothing read or sent.
		if res := pushTo(t, ctx, layout, other, PushOptions{}); !res.Unchanged || res.Uploaded != 0 || res.Other != "" {
			t.Errorf("unchanged re-push: %+v", res)
		}
		// The newest version decides: other's now, so greet is the one refused.
		_, err := pushErr(t, ctx, layout, simple("greet", "1.1.0"), PushOptions{})
		if fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), "its newest version tag, 1.2.0, holds package other 1.2.0, not greet") {
			t.Errorf("greet after other: %v", err)
		}
	})

	t.Run("a version tag on other content of another package", func(t *testing.T) {
		t.Parallel()
		layout := "ocidir://" + filepath.Join(t.TempDir(), "shared")
		pushTo(t, ctx, layout, simple("greet", "1.2.0"), PushOptions{})
		// Not "1.2.0 already exists with different content; publish a new version": a
		// new version of other would be refused as well.
		_, err := pushErr(t, ctx, layout, simple("other", "1.2.0"), PushOptions{})
		if fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), "holds package greet 1.2.0, not other") {
			t.Errorf("%v", err)
		}
	})

	t.Run("a new version of the same package", func(t *testing.T) {
		t.Parallel()
		layout := "ocidir://" + filepath.Join(t.TempDir(), "greet")
		pushTo(t, ctx, layout, pkg("greet", "1.0.0", multi, map[string]string{"amd/bin/greet": "a", "arm/bin/greet": "b"}), PushOptions{})
		for _, v := range []string{"1.1.0", "2.0.0-rc.1", "1.0.1"} {
			if res := pushTo(t, ctx, layout, simple("greet", v), PushOptions{Cascade: true}); res.Other != "" {
				t.Errorf("%s: Other %q", v, res.Other)
			}
		}
	})

	t.Run("an index whose first platform is another package", func(t *testing.T) {
		t.Parallel()
		layout := "ocidir://" + filepath.Join(t.TempDir(), "mp")
		pushTo(t, ctx, layout, pkg("mp", "1.0.0", multi, map[string]string{"amd/bin/mp": "a", "arm/bin/mp": "b"}), PushOptions{})
		_, err := pushErr(t, ctx, layout, simple("greet", "1.1.0"), PushOptions{})
		if fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), "its newest version tag, 1.0.0, holds package mp 1.0.0, not greet") {
			t.Errorf("%v", err)
		}
	})

	t.Run("not a longshore package", func(t *testing.T) {
		t.Parallel()
		layout := "ocidir://" + filepath.Join(t.TempDir(), "app")
		pushImage(t, ctx, layout, "1.0.0")
		a := simple("app", "1.1.0")
		_, err := pushErr(t, ctx, layout, a, PushOptions{})
		const want = " holds something other than a longshore package: its newest version tag, 1.0.0, holds an artifact of type application/vnd.oci.image.config.v1+json, not a longshore package; a repository holds one package, so nothing was pushed"
		// The repository is named after the package already: no "e.g." to give.
		if fault.KindOf(err) != fault.Conflict || err.Error() != layout+want ||
			fault.HintOf(err) != "push app to a repository of its own, or pass --force to push it there anyway" {
			t.Fatalf("%v (hint %q)", err, fault.HintOf(err))
		}
		assertNoBlobsOf(t, ctx, layout, a)
		res := pushTo(t, ctx, layout, a, PushOptions{Force: true})
		if res.Other != "1.0.0 holds an artifact of type application/vnd.oci.image.config.v1+json, not a longshore package" {
			t.Errorf("--force: Other %q", res.Other)
		}
	})

	t.Run("no version tags", func(t *testing.T) {
		t.Parallel()
		layout := "ocidir://" + filepath.Join(t.TempDir(), "hello")
		pushImage(t, ctx, layout, "latest")
		if res := pushTo(t, ctx, layout, simple("hello", "1.0.0"), PushOptions{}); res.Other != "" {
			t.Errorf("Other %q", res.Other)
		}
	})

	// Only the newest version tag is read: the older versions' configs are corrupt
	// (were they read, they would not read as packages), and the push does not notice.
	t.Run("only the newest version is read", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "greet")
		layout := "ocidir://" + dir
		var old []*Artifact
		for _, v := range []string{"1.0.0", "1.1.0-rc.1", "1.0.1"} {
			a := simple("greet", v)
			pushTo(t, ctx, layout, a, PushOptions{})
			old = append(old, a)
		}
		pushTo(t, ctx, layout, simple("greet", "1.1.0"), PushOptions{})
		for _, a := range old {
			for _, d := range a.Blobs {
				if d.MediaType != artifact.ConfigMediaType {
					continue
				}
				if err := os.WriteFile(filepath.Join(dir, "blobs", "sha256", d.Digest.Encoded()), []byte("corrupt"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		pushTo(t, ctx, layout, simple("greet", "1.2.0"), PushOptions{})
	})
}

// assertNoBlobsOf checks that layout has none of a's blobs: a refused push sent nothing.
func assertNoBlobsOf(t *testing.T, ctx context.Context, layout string, a *Artifact) {
	t.Helper()
	target := openLayout(t, ctx, layout)
	defer target.Close()
	for _, d := range append(a.Blobs, a.Root.Desc) {
		if ok, err := target.Exists(ctx, d); ok || err != nil {
			t.Errorf("%s has %s (%s): %v", layout, d.Digest, d.MediaType, err)
		}
	}
}

func TestNewestVersionTag(t *testing.T) {
	t.Parallel()
	tests := []struct{ tags, want string }{
		{"", ""},
		{"latest 1 1.2 entry-1700000000000000000-0a1b2c3d", ""},
		{"1.9.0 latest 1.10.0 1.2.0", "1.10.0"},
		{"1.10.0 2.0.0-rc.1", "2.0.0-rc.1"},
		{"1.0.0_b 1.0.0_a", "1.0.0_b"},
		{"1.0.0_a 1.0.0", "1.0.0_a"},
	}
	for _, tc := range tests {
		if got := newestVersionTag(strings.Fields(tc.tags)); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.tags, got, tc.want)
		}
	}
}

func TestOwnRepository(t *testing.T) {
	t.Parallel()
	tests := []struct{ repo, want string }{
		{"localhost:5000/demo/shared", "localhost:5000/demo/other"},
		{"localhost:5000/shared", "localhost:5000/other"},
		{"localhost:5000/demo/other", ""},
		{"ocidir://./registry/shared", "ocidir://./registry/other"},
		{"ocidir:///abs/shared/", "ocidir:///abs/other"},
		{"ocidir://shared", "ocidir://other"},
	}
	for _, tc := range tests {
		r, err := ref.ParseArtifact(tc.repo)
		if err != nil {
			t.Fatal(err)
		}
		if got := ownRepository(r, "other"); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.repo, got, tc.want)
		}
	}
}
