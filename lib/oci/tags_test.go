package oci

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/ref"
)

func TestTagsAfter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tgt, err := Open(ctx, ref.Ref{Kind: ref.Layout, Path: filepath.Join(t.TempDir(), "repo")}, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	m := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`
	if _, err := tgt.Push(ctx, ocispec.DescriptorEmptyJSON, strings.NewReader("{}")); err != nil {
		t.Fatal(err)
	}
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString(m), Size: int64(len(m))}
	if _, err := tgt.Push(ctx, desc, strings.NewReader(m)); err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"latest", "entry-2", "b", "entry-1", "a", "entry-10"} {
		if err := tgt.Tag(ctx, desc, tag); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ last, want string }{
		{"", "a,b,entry-1,entry-10,entry-2,latest"},
		{"entry-1", "entry-10,entry-2,latest"},
		{"entry-", "entry-1,entry-10,entry-2,latest"},
		{"m", ""},
	} {
		got, err := tgt.TagsAfter(ctx, tc.last)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("TagsAfter(%q) = %v, want %s", tc.last, got, tc.want)
		}
	}
}
