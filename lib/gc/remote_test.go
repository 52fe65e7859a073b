package gc

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/publish"
	"longshore.dev/lib/ref"
)

// TestRemote runs against a local layout (the real registry is in e2e/gc_test.go):
// versions 1.0.0 … 1.3.0 and 2.0.0-rc.1 pushed with --cascade, 1.2.0 for two
// platforms, and a tag "stable" on 1.1.0.
func TestRemote(t *testing.T) {
	t.Parallel()
	layouts := t.TempDir()
	cascade := publish.PushOptions{Cascade: true}
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.0.0-rc.1"} {
		spec, files := "", map[string]string{"f": "version " + v}
		if v == "1.2.0" {
			spec = "  platforms:\n    linux/amd64: amd\n    linux/arm64: arm\n"
			files = map[string]string{"amd/f": "amd " + v, "arm/f": "arm " + v}
		}
		publishSpec(t, layouts, "hello", v, spec, files, cascade)
	}
	ctx := context.Background()
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(layouts, "hello"))
	target, err := oci.Open(ctx, r, oci.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	stable, err := target.Resolve(ctx, "1.1.0")
	if err != nil {
		t.Fatal(err)
	}
	if err := target.Tag(ctx, stable, "stable"); err != nil {
		t.Fatal(err)
	}

	if _, err := Remote(ctx, target, RemoteOptions{}); fault.KindOf(err) != fault.Usage {
		t.Errorf("--keep-last 0: %v", err)
	}
	plan, err := Remote(ctx, target, RemoteOptions{KeepLast: 2, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range plan.Items {
		if it.Kind != api.GCManifest || it.Bytes <= 0 || it.Reason == "" {
			t.Errorf("item %+v", it)
		}
		got = append(got, it.Version+" "+strings.Join(it.Tags, ","))
	}
	// 1.0.0 with its line tag 1.0; 1.2.0's index, then its two platform manifests.
	want := []string{"1.0.0 1.0,1.0.0", "1.2.0 1.2,1.2.0", "1.2.0 ", "1.2.0 "}
	if !slices.Equal(got, want) {
		t.Errorf("plan:\n got %q\nwant %q", got, want)
	}
	if len(plan.Warnings) != 1 || !strings.Contains(plan.Warnings[0], "version 1.1.0 is older than the newest 2, but tag stable points at it: kept") {
		t.Errorf("warnings: %v", plan.Warnings)
	}
	if !strings.Contains(plan.Items[0].Reason, "older than the newest 2 (2.0.0-rc.1, 1.3.0)") || !strings.Contains(plan.Items[2].Reason, "platform manifest (linux/") {
		t.Errorf("reasons: %q, %q", plan.Items[0].Reason, plan.Items[2].Reason)
	}
	if tags, _ := target.Tags(ctx); len(tags) != 12 {
		t.Fatalf("the dry run changed the tags: %v", tags)
	}

	var heard []string
	done, err := Remote(ctx, target, RemoteOptions{KeepLast: 2, Progress: func(f string, args ...any) { heard = append(heard, f) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(done.Items) != 4 || done.DryRun || done.FreedBytes != plan.FreedBytes {
		t.Errorf("the run differs from the plan: %+v", done)
	}
	if len(heard) == 0 || !strings.HasPrefix(heard[0], "Deleting %d manifests") {
		t.Errorf("the plan was not announced first: %q", heard)
	}
	tags, err := target.Tags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(tags)
	if want := []string{"1", "1.1", "1.1.0", "1.3", "1.3.0", "2.0.0-rc.1", "latest", "stable"}; !slices.Equal(tags, want) {
		t.Errorf("tags left: %v, want %v", tags, want)
	}
	for _, it := range plan.Items {
		if _, err := target.Resolve(ctx, it.Digest); fault.KindOf(err) != fault.NotFound {
			t.Errorf("%s (%s) still resolves: %v", it.Digest, it.Version, err)
		}
	}
	// Everything kept still installs: its blobs are there.
	for _, tag := range tags {
		desc, err := target.Resolve(ctx, tag)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := target.FetchManifest(ctx, desc); err != nil {
			t.Errorf("%s: %v", tag, err)
		}
	}
	again, err := Remote(ctx, target, RemoteOptions{KeepLast: 2})
	if err != nil || len(again.Items) != 0 {
		t.Errorf("a second run: %+v %v", again, err)
	}
}
