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

// TestCascadeSettlesConcurrentPushes: two pushes of one package at once (1.1.0 and
// 1.2.0) each decide which floating tags to move from a listing taken before either
// tags, so both move "1" and "latest". Whichever tags last, "1" and "latest" end on
// 1.2.0 and "1.1" and "1.2" on their own, and a push says what it moved again.
func TestCascadeSettlesConcurrentPushes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pkg := func(name, version string) *Artifact {
		yaml := strings.NewReplacer("name: hello", "name: "+name, "1.0.0", version).Replace(manifest)
		return build(t, writePackage(t, yaml, map[string]string{"bin/hello": name + version}), Options{})
	}
	cascade := PushOptions{Cascade: true}
	// setup makes a repository holding hello 1.0.0 (and its floating tags), and plans
	// the pushes of 1.1.0 and 1.2.0 on it, both before either pushes.
	setup := func(t *testing.T) (target *oci.Target, v11, v12 *Artifact, p11, p12 *Plan) {
		layout := "ocidir://" + filepath.Join(t.TempDir(), "hello")
		pushTo(t, ctx, layout, pkg("hello", "1.0.0"), cascade)
		target = openLayout(t, ctx, layout)
		t.Cleanup(func() { target.Close() })
		v11, v12 = pkg("hello", "1.1.0"), pkg("hello", "1.2.0")
		var err error
		if p11, err = Check(ctx, target, v11, cascade); err != nil {
			t.Fatal(err)
		}
		if p12, err = Check(ctx, target, v12, cascade); err != nil {
			t.Fatal(err)
		}
		if a, b := strings.Join(p11.Tags, " "), strings.Join(p12.Tags, " "); a != "1.1.0 1.1 1 latest" || b != "1.2.0 1.2 1 latest" {
			t.Fatalf("plans %q and %q: both should move 1 and latest", a, b)
		}
		return target, v11, v12, p11, p12
	}
	run := func(t *testing.T, target *oci.Target, a *Artifact, plan *Plan, opts PushOptions) *Result {
		t.Helper()
		res, err := push(ctx, target, a, plan, opts)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	settled := func(res *Result) string {
		var s []string
		for _, m := range res.Settled {
			s = append(s, m.Tag+":"+m.From+">"+m.To)
		}
		return strings.Join(s, " ")
	}
	// assertAt checks that tag points at a, through target (which holds the layout).
	assertAt := func(t *testing.T, target *oci.Target, tag string, a *Artifact) {
		t.Helper()
		desc, err := target.Resolve(ctx, tag)
		if err != nil || desc.Digest != a.Root.Desc.Digest {
			t.Errorf("%s is %s (%v), want %s %s", tag, desc.Digest, err, a.Package.Metadata.Version, a.Root.Desc.Digest)
		}
	}
	assertTags := func(t *testing.T, target *oci.Target, v11, v12 *Artifact) {
		t.Helper()
		for _, tag := range []string{"1.1.0", "1.1", "1.2.0", "1.2", "1", "latest"} {
			want := v12
			if strings.HasPrefix(tag, "1.1") {
				want = v11
			}
			assertAt(t, target, tag, want)
		}
	}

	t.Run("the lower version tags last", func(t *testing.T) {
		t.Parallel()
		target, v11, v12, p11, p12 := setup(t)
		r12 := run(t, target, v12, p12, cascade)
		r11 := run(t, target, v11, p11, cascade)
		assertTags(t, target, v11, v12)
		if got := settled(r11); got != "1:1.1.0>1.2.0 latest:1.1.0>1.2.0" {
			t.Errorf("1.1.0 says it moved %q again, want 1 and latest on to 1.2.0", got)
		}
		if got := strings.Join(r11.Published.Tags, " "); got != "1.1.0 1.1" {
			t.Errorf("1.1.0 is published with tags %q, want 1.1.0 1.1", got)
		}
		if len(r12.Settled) != 0 || strings.Join(r12.Published.Tags, " ") != "1.2.0 1.2 1 latest" {
			t.Errorf("1.2.0: settled %v, tags %v", r12.Settled, r12.Published.Tags)
		}
	})

	t.Run("the higher version tags last", func(t *testing.T) {
		t.Parallel()
		target, v11, v12, p11, p12 := setup(t)
		r11 := run(t, target, v11, p11, cascade)
		r12 := run(t, target, v12, p12, cascade)
		assertTags(t, target, v11, v12)
		if len(r11.Settled)+len(r12.Settled) != 0 {
			t.Errorf("nothing to move again, yet: %q, %q", settled(r11), settled(r12))
		}
	})

	// A push that does not settle (a longshore before this, or one killed after its
	// tags) moves "1" and "latest" to 1.1.0 after 1.2.0 tagged: 1.2.0's check moves
	// them back.
	t.Run("a lower version tags between the higher's tags and its check", func(t *testing.T) {
		t.Parallel()
		target, v11, v12, _, p12 := setup(t)
		opts := cascade
		opts.afterTags = func() {
			if _, err := Push(ctx, target, v11, PushOptions{}); err != nil {
				t.Error(err)
			}
			for _, tag := range []string{"1.1", "1", "latest"} {
				if err := target.Tag(ctx, v11.Root.Desc, tag); err != nil {
					t.Error(err)
				}
			}
		}
		r12 := run(t, target, v12, p12, opts)
		assertTags(t, target, v11, v12)
		if got := settled(r12); got != "1:1.1.0>1.2.0 latest:1.1.0>1.2.0" {
			t.Errorf("1.2.0 says it moved %q again, want 1 and latest back from 1.1.0", got)
		}
		if got := strings.Join(r12.Published.Tags, " "); got != "1.2.0 1.2 1 latest" {
			t.Errorf("1.2.0 is published with tags %q", got)
		}
	})

	// Another package forced into the repository with a higher version: a cascade
	// never moves a tag onto it (nor would CascadeTags have moved latest, had it seen
	// it), and leaves latest where it put it.
	t.Run("a higher version of another package", func(t *testing.T) {
		t.Parallel()
		target, v11, _, p11, _ := setup(t)
		if _, err := Push(ctx, target, pkg("other", "2.0.0"), PushOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
		r11 := run(t, target, v11, p11, cascade)
		assertAt(t, target, "latest", v11)
		assertAt(t, target, "1", v11)
		if len(r11.Settled) != 0 {
			t.Errorf("moved %q onto another package", settled(r11))
		}
	})
}
