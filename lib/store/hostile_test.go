package store

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/archive"
	"longshore.dev/lib/artifact"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/ref"
)

// handMade pushes a package no publisher would build: the config as given and one
// layer per list of tar headers (a regular file's body is its Linkname field).
func handMade(t *testing.T, config artifact.Config, layers ...[]tar.Header) (*oci.Target, ocispec.Descriptor) {
	t.Helper()
	ctx := context.Background()
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hostile"))
	target, err := oci.Open(ctx, r, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { target.Close() })
	push := func(mediaType string, data []byte) ocispec.Descriptor {
		d := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
		if _, err := target.Push(ctx, d, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		return d
	}
	var descs []ocispec.Descriptor
	for _, headers := range layers {
		var buf bytes.Buffer
		z := archive.NewCompressor(&buf, archive.Zstd)
		tw := tar.NewWriter(z)
		for _, h := range headers {
			var body string
			if h.Typeflag == tar.TypeReg {
				body, h.Linkname, h.Size = h.Linkname, "", int64(len(h.Linkname))
			}
			if err := tw.WriteHeader(&h); err != nil {
				t.Fatal(err)
			}
			tw.Write([]byte(body))
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		z.Close()
		descs = append(descs, push(artifact.LayerMediaType(archive.Zstd), buf.Bytes()))
	}
	cb, err := artifact.ConfigBlob(config)
	if err != nil {
		t.Fatal(err)
	}
	manifest, _ := artifact.Manifest(push(artifact.ConfigMediaType, cb.Data), descs, nil)
	return target, push(ocispec.MediaTypeImageManifest, manifest.Data)
}

// The tree is $LONGSHORE_HOME/tmp/install-*/tree while it unpacks: three levels
// below the home. x leads there through d/l (which is ..) to the filesystem, and stays
// inside to path.Join. A second layer that writes x/pwned must not reach the home:
// the layers are one archive, checked as one.
func TestLaterLayerCannotWriteThroughAnEarlierSymlink(t *testing.T) {
	t.Parallel()
	target, root := handMade(t, artifact.Config{Name: "layered", Version: "1.0.0", Platform: "any"},
		[]tar.Header{
			{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o755},
			{Name: "d/l", Typeflag: tar.TypeSymlink, Linkname: ".."},
			{Name: "x", Typeflag: tar.TypeSymlink, Linkname: strings.Repeat("d/l/", 3) + "../../.."},
		},
		[]tar.Header{{Name: "x/pwned", Typeflag: tar.TypeReg, Mode: 0o644, Linkname: "pwned\n"}},
	)
	s := openStore(t)
	_, err := s.Install(context.Background(), target, root, InstallOptions{Jobs: 1})
	if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), `through the symlink "x"`) {
		t.Fatalf("want the second layer refused for writing through x, got %v", err)
	}
	if _, err := os.Lstat(filepath.Join(s.Home, "pwned")); err == nil {
		t.Fatal("the second layer wrote $LONGSHORE_HOME/pwned")
	}
	assertEmpty(t, filepath.Join(s.Home, "pkgs", "sha256"))
	if list, err := s.List(); err != nil || len(list) != 0 {
		t.Fatalf("recorded %v (%v)", list, err)
	}
}

// A symlink that leads out of the tree through another is refused even in one layer:
// it would be kept in pkgs/ pointing at the home (or, deeper, anywhere).
func TestSymlinkOutThroughAnotherIsRefused(t *testing.T) {
	t.Parallel()
	target, root := handMade(t, artifact.Config{Name: "chain", Version: "1.0.0", Platform: "any"},
		[]tar.Header{
			{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o755},
			{Name: "d/l", Typeflag: tar.TypeSymlink, Linkname: ".."},
			{Name: "x", Typeflag: tar.TypeSymlink, Linkname: strings.Repeat("d/l/", 3) + "../../.."},
		})
	s := openStore(t)
	_, err := s.Install(context.Background(), target, root, InstallOptions{Jobs: 1})
	if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), `"x"`) ||
		!strings.Contains(err.Error(), "leads outside the package") {
		t.Fatalf("want chain's symlink x refused, got %v", err)
	}
	assertEmpty(t, filepath.Join(s.Home, "pkgs", "sha256"))
}
