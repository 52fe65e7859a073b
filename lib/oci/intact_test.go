package oci

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/ref"
)

// damagedLayout is a layout holding a blob and a manifest of it, with the file of the
// blob or of the manifest (damage) cut short.
func damagedLayout(t *testing.T, damage string) (r ref.Ref, blob, manifest ocispec.Descriptor) {
	t.Helper()
	r, _ = ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
	target, err := Open(context.Background(), r, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	push := func(mediaType string, data []byte) ocispec.Descriptor {
		desc := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
		if _, err := target.Push(context.Background(), desc, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		return desc
	}
	blob = push("application/octet-stream", []byte(strings.Repeat("layer ", 100)))
	manifest = push(ocispec.MediaTypeImageManifest, []byte(`{"schemaVersion":2,"mediaType":"`+ocispec.MediaTypeImageManifest+
		`","config":{"mediaType":"application/octet-stream","digest":"`+blob.Digest.String()+`","size":600},"layers":[]}`))
	target.Close()
	cut := map[string]ocispec.Descriptor{"blob": blob, "manifest": manifest}[damage]
	os.Chmod(layoutBlob(r.Path, cut.Digest), 0o644) // oras leaves blobs read-only, which only root may write
	if err := os.Truncate(layoutBlob(r.Path, cut.Digest), 10); err != nil {
		t.Fatal(err)
	}
	return r, blob, manifest
}

// TestIntactFindsDamage: a layout's file is checked against its digest, not only
// found; a damaged one is removed and named, so a push can write it again.
func TestIntactFindsDamage(t *testing.T) {
	t.Parallel()
	r, blob, manifest := damagedLayout(t, "blob")
	target, err := Open(context.Background(), r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	if ok, err := target.Intact(context.Background(), manifest); !ok || err != nil {
		t.Errorf("the intact manifest: %v %v", ok, err)
	}
	ok, err := target.Intact(context.Background(), blob)
	var damaged *DamagedError
	if ok || !errors.As(err, &damaged) || err.Error() != "ocidir://"+r.Path+": "+blob.Digest.String()+" is damaged (10 bytes, not 600)" {
		t.Fatalf("the blob cut short: %v %v", ok, err)
	}
	if _, err := os.Stat(layoutBlob(r.Path, blob.Digest)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the damaged file is still there: %v", err)
	}
	if ok, err := target.Intact(context.Background(), blob); ok || err != nil {
		t.Errorf("the removed blob: %v %v, want missing", ok, err)
	}
}

// TestOpenDamagedManifest: oras reads every manifest a layout's index lists when it
// opens it. A reader is told which one is damaged (not "invalid OCI Image Index"); a
// writer that repairs has it removed, and opens.
func TestOpenDamagedManifest(t *testing.T) {
	t.Parallel()
	r, _, manifest := damagedLayout(t, "manifest")
	for _, opts := range []Options{{}, {ReadOnly: true}} {
		_, err := Open(context.Background(), r, opts)
		if want := "ocidir://" + r.Path + ": " + manifest.Digest.String() + " is damaged (10 bytes, not "; fault.KindOf(err) != fault.Verify ||
			!strings.HasPrefix(err.Error(), want) || !strings.Contains(fault.HintOf(err), "pkg-pull mirror") {
			t.Fatalf("opening to read (ReadOnly %v): %v (hint %q), want a verification failure starting %q", opts.ReadOnly, err, fault.HintOf(err), want)
		}
	}
	target, err := Open(context.Background(), r, Options{Create: true, Repair: true})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	if len(target.Repaired) != 1 || target.Repaired[0].Digest != manifest.Digest {
		t.Errorf("repaired %v, want the manifest", target.Repaired)
	}
	if ok, err := target.Intact(context.Background(), manifest); ok || err != nil {
		t.Errorf("the removed manifest: %v %v, want missing", ok, err)
	}
}

// TestFetchDamagedLayoutBlob: reading a layout's blob that was cut short or changed
// is a verification failure that says the layout's copy is damaged and how to mend
// it, not "unexpected EOF" or a registry that served other bytes.
func TestFetchDamagedLayoutBlob(t *testing.T) {
	t.Parallel()
	r, blob, _ := damagedLayout(t, "blob")
	target, err := Open(context.Background(), r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	read := func() error {
		rc, err := target.FetchBlob(context.Background(), blob)
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.ReadAll(rc)
		return err
	}
	changed := make([]byte, blob.Size)
	for _, tc := range []struct {
		name   string
		damage func(path string) error
	}{
		{"cut short", func(string) error { return nil }}, // as damagedLayout left it
		{"changed", func(path string) error { return os.WriteFile(path, changed, 0o644) }},
	} {
		path := layoutBlob(r.Path, blob.Digest)
		os.Chmod(path, 0o644)
		if err := tc.damage(path); err != nil {
			t.Fatal(err)
		}
		err := read()
		if fault.KindOf(err) != fault.Verify || !strings.HasPrefix(fault.HintOf(err), "the layout's copy is damaged; mirror the packages into the layout again") {
			t.Errorf("%s: %v (hint %q), want a verification failure saying the layout's copy is damaged", tc.name, err, fault.HintOf(err))
		}
	}
}

// TestIntactAtOnce: goroutines that check one damaged file of a layout at once (a
// mirror of packages that share a blob) find it damaged once: the first removes it,
// and the others find it missing, or whole again once the first has copied it anew.
// Each removed the file the others were hashing, and failed on "no such file", or
// removed the copy written since.
func TestIntactAtOnce(t *testing.T) {
	t.Parallel()
	r, blob, _ := damagedLayout(t, "blob")
	target, err := Open(context.Background(), r, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	path := layoutBlob(r.Path, blob.Digest)
	for round := range 20 {
		if round > 0 {
			os.WriteFile(path, make([]byte, blob.Size), 0o644) // damaged again
		}
		const goroutines = 8
		var damaged atomic.Int32
		errs := make(chan error, goroutines)
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				_, err := target.Intact(context.Background(), blob)
				var d *DamagedError
				if errors.As(err, &d) {
					damaged.Add(1)
				} else if err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: %v", round, err)
		}
		if n := damaged.Load(); n != 1 {
			t.Fatalf("round %d: found damaged %d times, want once", round, n)
		}
	}
}
