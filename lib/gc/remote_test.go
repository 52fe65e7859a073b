package gc

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/publish"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/tap"
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
	// Keeping the newest release keeps 1.3.0 and 2.0.0-rc.1, a pre-release newer than it.
	plan, err := Remote(ctx, target, RemoteOptions{KeepLast: 1, DryRun: true})
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
	if len(plan.Warnings) != 1 || !strings.Contains(plan.Warnings[0], "version 1.1.0 is older than the newest release (1.3.0), but tag stable points at it: kept") {
		t.Errorf("warnings: %v", plan.Warnings)
	}
	if !strings.Contains(plan.Items[0].Reason, "version 1.0.0 is older than the newest release (1.3.0)") || !strings.Contains(plan.Items[2].Reason, "platform manifest (linux/") {
		t.Errorf("reasons: %q, %q", plan.Items[0].Reason, plan.Items[2].Reason)
	}
	if tags, _ := target.Tags(ctx); len(tags) != 12 {
		t.Fatalf("the dry run changed the tags: %v", tags)
	}

	var heard []string
	done, err := Remote(ctx, target, RemoteOptions{KeepLast: 1, Progress: func(f string, args ...any) { heard = append(heard, fmt.Sprintf(f, args...)) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(done.Items) != 4 || done.DryRun || done.FreedBytes != plan.FreedBytes {
		t.Errorf("the run differs from the plan: %+v", done)
	}
	if len(heard) < 2 || !strings.HasPrefix(heard[0], "Deleting 4 manifests from ") || !strings.HasSuffix(heard[0], ", keeping 2.0.0-rc.1, 1.3.0:") ||
		heard[1] != "  "+plan.Items[0].Digest+" 1.0.0, tags 1.0, 1.0.0 ("+plan.Items[0].Reason+")" {
		t.Errorf("the plan was not announced first, with the tags that go: %q", heard)
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
	again, err := Remote(ctx, target, RemoteOptions{KeepLast: 1})
	if err != nil || len(again.Items) != 0 {
		t.Errorf("a second run: %+v %v", again, err)
	}
}

// TestRemoteListedVersions: a version that a tap's index lists and has not yanked is
// deleted only with a warning, said before the first delete, or not at all with
// RefuseListed. The taps are directory taps whose entries list the layout: hello with
// 1.0.0 and a yanked 1.1.0, the same repository again under another name in a second
// tap, the same digest in another repository (no warning), and a tap whose cache is
// gone (its answer is unknown, and the plan says so).
func TestRemoteListedVersions(t *testing.T) {
	t.Parallel()
	layouts := t.TempDir()
	roots := map[string]string{}
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		roots[v] = publishSpec(t, layouts, "hello", v, "", map[string]string{"f": "version " + v}, publish.PushOptions{Cascade: true}).root.Digest.String()
	}
	repo := "ocidir://" + filepath.Join(layouts, "hello")
	entry := func(name, repository string, versions ...string) string {
		doc := "apiVersion: longshore.dev/v1alpha1\nkind: IndexEntry\nname: " + name + "\nrepository: " + repository + "\nversions:\n"
		for _, v := range versions {
			version, yanked := strings.CutSuffix(v, " yanked")
			doc += "  - version: " + version + "\n    digest: " + roots[version] + "\n"
			if yanked {
				doc += "    yanked: true\n"
			}
		}
		return doc
	}
	home := t.TempDir()
	for _, tt := range []struct{ tap, entries string }{
		{"demo", entry("hello", repo, "1.0.0", "1.1.0 yanked", "1.2.0")},
		// A layout path spelled differently is the same repository.
		{"other", entry("greeting", "ocidir://"+layouts+"/./hello", "1.0.0") + "---\n" + entry("elsewhere", "ocidir://"+filepath.Join(layouts, "copy"), "1.0.0")},
		{"gone", entry("hello", repo, "1.0.0")},
	} {
		dir := filepath.Join(t.TempDir(), tt.tap)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "entries.yaml"), []byte(tt.entries), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := tap.Add(context.Background(), home, tap.Spec{Name: tt.tap, Source: dir}, tap.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.RemoveAll(filepath.Join(home, "taps", "gone")); err != nil {
		t.Fatal(err)
	}
	taps, err := tap.Load(home)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r, _ := ref.ParseArtifact(repo)
	target, err := oci.Open(ctx, r, oci.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()

	if plan, err := Remote(ctx, target, RemoteOptions{KeepLast: 1, DryRun: true}); err != nil || len(plan.Warnings) != 0 {
		t.Fatalf("without taps: %v, warnings %q", err, plan.Warnings)
	}
	var said []string
	plan, err := Remote(ctx, target, RemoteOptions{KeepLast: 1, DryRun: true, Taps: taps,
		Warn: func(f string, args ...any) { said = append(said, fmt.Sprintf(f, args...)) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Items) != 2 {
		t.Fatalf("plan: %+v", plan.Items)
	}
	demo, _ := taps.Tap("demo")
	other, _ := taps.Tap("other")
	want := []string{
		"version 1.0.0 of hello is listed by tap demo's index (" + demo.Source + ") and not yanked: installs that resolve to it will fail once it is deleted; " +
			"yank it in the index first: set yanked: true on version 1.0.0 of hello in the entry files at " + demo.Source + ", then pkg-tap update demo (docs/index-format.md)",
		"version 1.0.0 of greeting is listed by tap other's index (" + other.Source + ") and not yanked: installs that resolve to it will fail once it is deleted; " +
			"yank it in the index first: set yanked: true on version 1.0.0 of greeting in the entry files at " + other.Source + ", then pkg-tap update other (docs/index-format.md)",
		"tap gone has no cache: whether its index lists versions this deletes is unknown (run `pkg-tap update gone` to fetch its index)",
	}
	if !slices.Equal(plan.Warnings, want) {
		t.Errorf("warnings:\n got %q\nwant %q", plan.Warnings, want)
	}
	if !slices.Equal(said, plan.Warnings) {
		t.Errorf("a dry run said %q, want its warnings", said)
	}

	if _, err := Remote(ctx, target, RemoteOptions{KeepLast: 1, Taps: taps, RefuseListed: true}); fault.KindOf(err) != fault.Conflict ||
		!strings.HasSuffix(err.Error(), "(--refuse-listed): versions listed by tap indexes and not yanked: hello 1.0.0 (tap demo), greeting 1.0.0 (tap other)") {
		t.Errorf("--refuse-listed: %v", err)
	}
	if _, err := target.Resolve(ctx, "1.0.0"); err != nil {
		t.Fatalf("--refuse-listed deleted 1.0.0: %v", err)
	}

	// A real run says the warnings with the plan, before the first delete.
	var heard []string
	done, err := Remote(ctx, target, RemoteOptions{KeepLast: 1, Taps: taps,
		Progress: func(f string, args ...any) { heard = append(heard, fmt.Sprintf(f, args...)) },
		Warn:     func(f string, args ...any) { heard = append(heard, "Warning: "+fmt.Sprintf(f, args...)) }})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(done.Warnings, want) {
		t.Errorf("the run's warnings differ from the plan's: %q", done.Warnings)
	}
	firstWarning := slices.IndexFunc(heard, func(s string) bool { return strings.HasPrefix(s, "Warning: version 1.0.0 of hello") })
	firstDelete := slices.IndexFunc(heard, func(s string) bool { return strings.HasPrefix(s, "Deleted ") })
	if firstWarning < 0 || firstDelete < 0 || firstWarning > firstDelete || !strings.HasPrefix(heard[0], "Deleting 2 manifests") {
		t.Errorf("the warnings were not said with the plan, before the first delete:\n%s", strings.Join(heard, "\n"))
	}
}

// TestRemoteKeepLast is which versions --keep-last N keeps: N counts releases; a
// pre-release is kept only when it is newer than the newest release (the next
// version's candidates), since one below it was superseded. Each deleted manifest is
// listed with every tag that goes with it, line tags included, and a line tag that goes
// while its line keeps a release is a warning.
func TestRemoteKeepLast(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		// versions are published in this order; "+" after one publishes it with --cascade.
		versions []string
		keepLast int
		// deleted are "VERSION TAG,TAG…", oldest first.
		deleted  []string
		warnings []string
	}{
		{
			// The reviewer's case: a pre-release of the next major counted as a version
			// made --keep-last 1 delete every release.
			name:     "a pre-release is not counted",
			versions: []string{"1.0.0", "1.1.0", "2.0.0-rc.1"},
			keepLast: 1,
			deleted:  []string{"1.0.0 1.0.0"},
		},
		{
			name:     "pre-releases of released or older versions go",
			versions: []string{"1.0.0-alpha.1", "1.0.0", "1.1.0-rc.1", "1.1.0", "1.2.0-beta.1", "1.2.0-beta.2"},
			keepLast: 1,
			deleted:  []string{"1.0.0-alpha.1 1.0.0-alpha.1", "1.0.0 1.0.0", "1.1.0-rc.1 1.1.0-rc.1"},
		},
		{
			name:     "only pre-releases: nothing goes",
			versions: []string{"1.0.0-rc.1", "1.0.0-rc.2"},
			keepLast: 1,
		},
		{
			name:     "line tags go with their version",
			versions: []string{"1.0.0+", "1.1.0+", "2.0.0-rc.1+"},
			keepLast: 1,
			deleted:  []string{"1.0.0 1.0,1.0.0"},
		},
		{
			// 1.0.1 was pushed without --cascade: the line tags 1 and 1.0 still point at
			// 1.0.0, and go with it although the line keeps a release.
			name:     "a line tag lost while its line keeps a release",
			versions: []string{"1.0.0+", "1.0.1", "2.0.0+"},
			keepLast: 2,
			deleted:  []string{"1.0.0 1,1.0,1.0.0"},
			warnings: []string{
				"tag 1 goes with version 1.0.0, but line 1 keeps 1.0.1: REPO:1 will not be found until it is tagged again (pushing 1.0.1 again with pkg-push --cascade moves it)",
				"tag 1.0 goes with version 1.0.0, but line 1.0 keeps 1.0.1: REPO:1.0 will not be found until it is tagged again (pushing 1.0.1 again with pkg-push --cascade moves it)",
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			layouts := t.TempDir()
			for _, v := range tt.versions {
				v, cascade := strings.CutSuffix(v, "+")
				publishSpec(t, layouts, "rcpkg", v, "", map[string]string{"f": "version " + v}, publish.PushOptions{Cascade: cascade})
			}
			ctx := context.Background()
			repo := "ocidir://" + filepath.Join(layouts, "rcpkg")
			r, _ := ref.ParseArtifact(repo)
			target, err := oci.Open(ctx, r, oci.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer target.Close()
			plan, err := Remote(ctx, target, RemoteOptions{KeepLast: tt.keepLast, DryRun: true})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range plan.Items {
				got = append(got, it.Version+" "+strings.Join(it.Tags, ","))
			}
			if !slices.Equal(got, tt.deleted) {
				t.Errorf("deleted:\n got %q\nwant %q", got, tt.deleted)
			}
			var warnings []string
			for _, w := range plan.Warnings {
				warnings = append(warnings, strings.ReplaceAll(w, repo, "REPO"))
			}
			if !slices.Equal(warnings, tt.warnings) {
				t.Errorf("warnings:\n got %q\nwant %q", warnings, tt.warnings)
			}
		})
	}
}
