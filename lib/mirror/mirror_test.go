package mirror

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/filelock"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/publish"
	"longshore.dev/lib/ref"
)

func TestParseDestination(t *testing.T) {
	t.Parallel()
	src, _ := ref.ParseArtifact("ghcr.io/org/tools/hello:1.0.0")
	layout, _ := ref.ParseArtifact("ocidir:///srv/registry/Hello")
	for _, tc := range []struct{ to, fromRemote, fromLayout string }{
		{"mirror.corp:5000", "mirror.corp:5000/org/tools/hello", "mirror.corp:5000/hello"},
		{"oci://mirror.corp/team/", "mirror.corp/team/org/tools/hello", "mirror.corp/team/hello"},
		{"ocidir:///air/gap", "ocidir:///air/gap/org/tools/hello", "ocidir:///air/gap/hello"},
	} {
		d, err := ParseDestination(tc.to)
		if err != nil {
			t.Fatalf("%s: %v", tc.to, err)
		}
		for from, want := range map[ref.Ref]string{src: tc.fromRemote, layout: tc.fromLayout} {
			got, err := d.Repository(from)
			if err != nil || got.Locator() != want {
				t.Errorf("--to %s: %s goes to %s (%v), want %s", tc.to, from.Locator(), got.Locator(), err, want)
			}
		}
	}
	for _, bad := range []string{"", "ocidir://", "mirror.corp/x:1.0", "mirror.corp/x@sha256:abc", "Mirror Corp"} {
		if _, err := ParseDestination(bad); fault.KindOf(err) != fault.Usage {
			t.Errorf("--to %q: %v", bad, err)
		}
	}
}

// TestParseDestinationMasksCredentials: credentials typed into --to are refused, and
// never repeated.
func TestParseDestinationMasksCredentials(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ to, want string }{
		{"user:s3cret@127.0.0.1:35031/m", `--to "***@127.0.0.1:35031/m": credentials do not go in a reference`},
		{"https://user:s3cret@127.0.0.1:35031/m", `--to "https://***@127.0.0.1:35031/m": credentials do not go in a reference`},
		{"oci://user:s3cret@mirror.corp", `--to "oci://***@mirror.corp": credentials do not go in a reference`},
		{"user:s3cret@mirror.corp:5000", `--to "***@mirror.corp:5000": credentials do not go in a reference`},
	} {
		_, err := ParseDestination(tc.to)
		if fault.KindOf(err) != fault.Usage || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("--to %s: %v, want a usage error starting %q, without the password", tc.to, err, tc.want)
		}
	}
}

func TestLockToLayouts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "package.yaml"), []byte("apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata:\n  name: multi\n  version: 1.0.0+build.1\nspec:\n  platforms:\n    linux/amd64: a\n    linux/arm64: b\n"), 0o644)
	for _, sub := range []string{"a", "b"} {
		os.MkdirAll(filepath.Join(dir, sub), 0o755)
		os.WriteFile(filepath.Join(dir, sub, "f"), []byte(sub), 0o644)
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
	srcRef, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "src", "multi"))
	ctx := context.Background()
	target, err := oci.Open(ctx, srcRef, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := publish.Push(ctx, target, a, publish.PushOptions{})
	target.Close()
	if err != nil {
		t.Fatal(err)
	}
	lock := api.NewLock()
	lock.Requests = []api.LockRequest{{Name: "multi"}}
	lock.Packages = []api.LockedPackage{{Name: "multi", Version: res.Published.Version, Repository: res.Published.Repository,
		Digest: res.Published.Digest, Platforms: res.Published.Platforms, Reason: api.ReasonRequested}}
	lock.Order = []string{"multi"}

	dest, _ := ParseDestination("ocidir://" + filepath.Join(t.TempDir(), "mirror"))
	out, stats, err := Lock(ctx, lock, dest, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Index, two manifests, two configs, two layers; digests unchanged.
	if stats.Copied != 7 || stats.Complete != 0 || stats.Packages != 1 {
		t.Errorf("first mirror: %+v", stats)
	}
	if out.Packages[0].Digest != lock.Packages[0].Digest || !strings.HasPrefix(out.Packages[0].Repository, "ocidir://") || lock.Packages[0].Repository == out.Packages[0].Repository {
		t.Errorf("mirrored lock: %+v", out.Packages[0])
	}
	mr, _ := ref.ParseArtifact(out.Packages[0].Repository)
	mt, err := oci.Open(ctx, mr, oci.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, pl := range lock.Packages[0].Platforms {
		if _, err := mt.Resolve(ctx, pl.Digest); err != nil {
			t.Errorf("%s not in the mirror: %v", pl.Platform, err)
		}
	}
	if d, err := mt.Resolve(ctx, "1.0.0_build.1"); err != nil || d.Digest.String() != lock.Packages[0].Digest {
		t.Errorf("version tag in the mirror: %v %v", d.Digest, err)
	}
	mt.Close()
	_, stats, err = Lock(ctx, lock, dest, Options{})
	if err != nil || stats.Copied != 0 || stats.Complete != 1 || stats.Packages != 1 {
		t.Errorf("second mirror: %+v %v", stats, err)
	}
}

// TestLockToAFile: ocidir://FILE, or a directory below a file, is a usage error that
// says a file is in the way, not "no OCI layout there… push to it first".
func TestLockToAFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "afile")
	os.WriteFile(file, []byte("x"), 0o644)
	lock := api.NewLock()
	lock.Requests = []api.LockRequest{{Name: "hello"}}
	d := "sha256:" + strings.Repeat("a", 64)
	lock.Packages = []api.LockedPackage{{Name: "hello", Version: "1.0.0", Repository: "ocidir://" + filepath.Join(t.TempDir(), "hello"),
		Digest: d, Platforms: []api.Platform{{Platform: "any", Digest: d}}, Reason: api.ReasonRequested}}
	lock.Order = []string{"hello"}
	for to, want := range map[string]string{
		"ocidir://" + file:                 "--to ocidir://" + file + ": " + file + " is a file, not a directory",
		"ocidir://" + file + "/sub/mirror": "--to ocidir://" + file + "/sub/mirror: " + file + " is a file, not a directory, so no directory can be below it",
	} {
		dest, err := ParseDestination(to)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = Lock(context.Background(), lock, dest, Options{})
		if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), want) || strings.Contains(fault.HintOf(err), "push to it first") {
			t.Errorf("--to %s: %v (hint %q), want a usage error saying %q", to, err, fault.HintOf(err), want)
		}
	}
	if data, _ := os.ReadFile(file); string(data) != "x" {
		t.Errorf("the file was changed: %q", data)
	}
}

// A layout mirrored into its own directory (its source is its destination) is opened
// once, to write: its sources are opened read-only, and the read-only Target served
// as the destination too refused to tag the version there.
func TestLockIntoItsOwnDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := openLayout(t, filepath.Join(dir, "hello"))
	pkgConfig := ocispec.Descriptor{MediaType: "application/vnd.longshore.package.config.v1+json"}
	root := src.manifest("application/vnd.longshore.package.v1", nil, pkgConfig, []byte(`{"name":"hello"}`), []byte("layer bytes"))
	src.close() // pushed, not tagged: the mirror tags the version
	dest, err := ParseDestination("ocidir://" + dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	out, stats, err := Lock(ctx, oneLock("hello", src.ref.Locator(), root), dest, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Packages[0].Repository != src.ref.Locator() || stats.Complete != 1 || stats.Copied != 0 {
		t.Errorf("mirrored into itself: %+v, %+v", out.Packages[0], stats)
	}
	target, err := oci.Open(ctx, src.ref, oci.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	if got, err := target.Resolve(ctx, "1.0.0"); err != nil || got.Digest != root.Digest {
		t.Errorf("version tag: %v %v", got.Digest, err)
	}
}

// A mirror reads its source layout beside other readers (an install, another mirror
// from it): the wait for it, were there one, would end the mirror through
// LayoutWaiting.
func TestLockReadsSourceBesideReaders(t *testing.T) {
	t.Parallel()
	src := openLayout(t, filepath.Join(t.TempDir(), "src", "hello"))
	pkgConfig := ocispec.Descriptor{MediaType: "application/vnd.longshore.package.config.v1+json"}
	root := src.manifest("application/vnd.longshore.package.v1", nil, pkgConfig, []byte(`{"name":"hello"}`), []byte("layer bytes"))
	src.close()
	other, err := filelock.Shared(filepath.Join(src.ref.Path, ".longshore.lock")) // as an install holds it
	if err != nil {
		t.Fatal(err)
	}
	defer other()
	dest, err := ParseDestination("ocidir://" + filepath.Join(t.TempDir(), "mirror"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waited atomic.Bool
	opts := Options{From: oci.Options{LayoutWaiting: func(string) { waited.Store(true); cancel() }}}
	if _, stats, err := Lock(ctx, oneLock("hello", src.ref.Locator(), root), dest, opts); err != nil || waited.Load() || stats.Copied != 3 {
		t.Errorf("mirroring beside another reader of the source: %v (waited: %v), %+v", err, waited.Load(), stats)
	}
}
