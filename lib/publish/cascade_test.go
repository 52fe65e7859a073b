package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/index"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/ref"
)

func TestCascadeTags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		version  string
		existing string
		want     string
	}{
		{"1.2.3", "", "1.2 1 latest"},
		{"1.2.4", "1.2.3 1.2 1 latest", "1.2 1 latest"},
		{"1.2.4", "1.3.0", "1.2"},         // a patch of an older minor line
		{"1.2.4", "1.2.5 2.0.0", ""},      // never backwards
		{"1.9.0", "2.0.0 1.8.0", "1.9 1"}, // latest stays on 2.x
		{"2.0.0", "1.9.9 latest 1 1.9", "2.0 2 latest"},
		{"1.3.0-rc.1", "1.2.0", ""},             // pre-releases move nothing
		{"1.3.0", "1.4.0-rc.1", "1.3 1 latest"}, // existing pre-releases do not block
		{"1.2.3+build.2", "1.2.3_build.1", "1.2 1 latest"},
		{"10.0.0", "9.99.99 not-a-version v11", "10.0 10 latest"},
		{"0.1.0", "", "0.1 0 latest"},
	}
	for _, tc := range tests {
		t.Run(tc.version+"/"+tc.existing, func(t *testing.T) {
			t.Parallel()
			got, err := CascadeTags(tc.version, strings.Fields(tc.existing))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("got %q, want %q", strings.Join(got, " "), tc.want)
			}
		})
	}
	if _, err := CascadeTags("v1", nil); err == nil {
		t.Error("an invalid version must be refused")
	}
}

// TestPushCascadeChecksWhatFloatingTagsHold: --cascade moves a floating tag off an
// older version of the same package, but refuses (before pushing anything) to move one
// off a tap index or another package, unless Force.
func TestPushCascadeChecksWhatFloatingTagsHold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pkg := func(name, version, spec string, files map[string]string) *Artifact {
		yaml := strings.NewReplacer("name: hello", "name: "+name, "1.0.0", version).Replace(manifest)
		if spec != "" {
			yaml = strings.Replace(yaml, "spec:\n", "spec:\n"+spec, 1)
		}
		return build(t, writePackage(t, yaml, files), Options{})
	}
	hello := func(version string) *Artifact {
		return pkg("hello", version, "", map[string]string{"bin/hello": version})
	}
	multi := "  platforms:\n    linux/amd64: amd\n    linux/arm64: arm\n"

	t.Run("an older version of the same package", func(t *testing.T) {
		t.Parallel()
		layout := "ocidir://" + filepath.Join(t.TempDir(), "hello")
		pushTo(t, ctx, layout, pkg("hello", "1.0.0", multi, map[string]string{"amd/bin/hello": "a", "arm/bin/hello": "b"}), PushOptions{Cascade: true})
		res := pushTo(t, ctx, layout, hello("1.1.0"), PushOptions{Cascade: true})
		if got := strings.Join(res.Published.Tags, " "); got != "1.1.0 1.1 1 latest" || len(res.Replaced) != 0 {
			t.Errorf("tags %q, replaced %v; want 1.1.0 1.1 1 latest, nothing replaced", got, res.Replaced)
		}
		assertTag(t, ctx, layout, "latest", res.Published.Digest)
	})

	t.Run("a tap index", func(t *testing.T) {
		t.Parallel()
		layout := "ocidir://" + filepath.Join(t.TempDir(), "index3")
		indexDigest := publishIndex(t, ctx, layout)
		a := hello("1.0.0")
		_, err := pushErr(t, ctx, layout, a, PushOptions{Cascade: true})
		if fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), ":latest holds a longshore tap index (application/vnd.longshore.index.v1)") ||
			!strings.Contains(err.Error(), "nothing was pushed") || !strings.Contains(fault.HintOf(err), "--force") {
			t.Fatalf("cascade onto a tap index: %v (hint %q)", err, fault.HintOf(err))
		}
		assertTag(t, ctx, layout, "latest", indexDigest)
		assertTag(t, ctx, layout, "1.0.0", "") // refused before pushing anything
		res := pushTo(t, ctx, layout, a, PushOptions{Cascade: true, Force: true})
		if len(res.Replaced) != 1 || !strings.HasPrefix(res.Replaced[0], "latest held a longshore tap index") {
			t.Errorf("--force: replaced %v", res.Replaced)
		}
		assertTag(t, ctx, layout, "latest", res.Published.Digest)
	})

	t.Run("a container image", func(t *testing.T) {
		t.Parallel()
		layout := "ocidir://" + filepath.Join(t.TempDir(), "hello")
		pushImage(t, ctx, layout, "latest")
		_, err := pushErr(t, ctx, layout, hello("1.0.0"), PushOptions{Cascade: true})
		if fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), ":latest holds an artifact of type application/vnd.oci.image.config.v1+json, not a longshore package") {
			t.Fatalf("cascade onto an image: %v", err)
		}
	})

	t.Run("another package", func(t *testing.T) {
		t.Parallel()
		layout := "ocidir://" + filepath.Join(t.TempDir(), "hello")
		mp := pushTo(t, ctx, layout, pkg("mp", "1.0.0", multi, map[string]string{"amd/f": "a", "arm/f": "b"}), PushOptions{Cascade: true})
		// Forced in beside mp, hello has the newest version, so the repository reads as
		// hello's (repository_test.go) while the floating tags still hold mp.
		pushTo(t, ctx, layout, hello("1.1.0"), PushOptions{Force: true})
		_, err := pushErr(t, ctx, layout, hello("1.2.0"), PushOptions{Cascade: true})
		if fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), ":1 holds package mp 1.0.0; ") ||
			!strings.Contains(err.Error(), ":latest holds package mp 1.0.0") || strings.Contains(err.Error(), ":1.2 ") {
			t.Fatalf("cascade onto another package: %v", err)
		}
		assertTag(t, ctx, layout, "latest", mp.Published.Digest)
		assertTag(t, ctx, layout, "1.2", "")
	})
}

// TestCheckWritesNothing: Check reports the tags Push would set, for a repository that
// does not exist yet (nil target) and for one that does.
func TestCheckWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := build(t, writePackage(t, manifest, map[string]string{"bin/hello": "x"}), Options{})
	plan, err := Check(ctx, nil, a, PushOptions{Cascade: true})
	if err != nil || strings.Join(plan.Tags, " ") != "1.0.0 1.0 1 latest" {
		t.Fatalf("nil target: %+v, %v", plan, err)
	}
	layout := "ocidir://" + filepath.Join(t.TempDir(), "hello")
	publishIndex(t, ctx, layout)
	target := openLayout(t, ctx, layout)
	defer target.Close()
	plan, err = Check(ctx, target, a, PushOptions{Cascade: true, Force: true})
	if err != nil || strings.Join(plan.Tags, " ") != "1.0.0 1.0 1 latest" || len(plan.Replaced) != 1 {
		t.Fatalf("--force over a tap index: %+v, %v", plan, err)
	}
	if tags, _ := target.Tags(ctx); strings.Join(tags, " ") != "latest" {
		t.Errorf("Check wrote tags: %v", tags)
	}
}

// pushImage pushes a container image (an empty one) to layout, tagged tag, and returns
// its digest.
func pushImage(t *testing.T, ctx context.Context, layout, tag string) string {
	t.Helper()
	target := openLayout(t, ctx, layout)
	defer target.Close()
	config := []byte("{}")
	configDesc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromBytes(config), Size: int64(len(config))}
	m, _ := json.Marshal(ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest, Config: configDesc, Layers: []ocispec.Descriptor{}})
	mDesc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(m), Size: int64(len(m))}
	for _, b := range []struct {
		desc ocispec.Descriptor
		data []byte
	}{{configDesc, config}, {mDesc, m}} {
		if _, err := target.Push(ctx, b.desc, bytes.NewReader(b.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := target.Tag(ctx, mDesc, tag); err != nil {
		t.Fatal(err)
	}
	return mDesc.Digest.String()
}

// publishIndex publishes a one-package tap index at layout:latest (index.DefaultTag)
// and returns its digest.
func publishIndex(t *testing.T, ctx context.Context, layout string) string {
	t.Helper()
	target := openLayout(t, ctx, layout)
	defer target.Close()
	res, err := index.Publish(ctx, target, "", []index.Package{{
		Name: "hello", Repository: "example.com/hello",
		Versions: []index.Version{{Version: "0.9.0", Digest: "sha256:" + strings.Repeat("a", 64)}},
	}}, index.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Digest
}

func openLayout(t *testing.T, ctx context.Context, layout string) *oci.Target {
	t.Helper()
	r, err := ref.ParseArtifact(layout)
	if err != nil {
		t.Fatal(err)
	}
	target, err := oci.Open(ctx, r, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	return target
}

// pushErr pushes a to layout and returns what Push returns.
func pushErr(t *testing.T, ctx context.Context, layout string, a *Artifact, opts PushOptions) (*Result, error) {
	t.Helper()
	target := openLayout(t, ctx, layout)
	defer target.Close()
	return Push(ctx, target, a, opts)
}

// assertTag checks that layout:tag points at want ("" for: does not exist).
func assertTag(t *testing.T, ctx context.Context, layout, tag, want string) {
	t.Helper()
	target := openLayout(t, ctx, layout)
	defer target.Close()
	desc, err := target.Resolve(ctx, tag)
	switch {
	case want == "" && fault.KindOf(err) != fault.NotFound:
		t.Errorf("%s:%s exists (%v, %v)", layout, tag, desc.Digest, err)
	case want != "" && (err != nil || desc.Digest.String() != want):
		t.Errorf("%s:%s is %v (%v), want %s", layout, tag, desc.Digest, err, want)
	}
}
