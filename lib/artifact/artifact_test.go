package artifact

import (
	"encoding/json"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/fault"
)

func TestDecodeManifestRefusesOtherArtifacts(t *testing.T) {
	t.Parallel()
	image, _ := json.Marshal(ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Config: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig}})
	_, err := DecodeManifest(image, "reg/x@sha256:1")
	if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), "is not a longshore package") {
		t.Fatalf("a container image must be refused clearly, got %v", err)
	}
	_, err = DecodeManifest([]byte("{not json"), "reg/x")
	if fault.KindOf(err) != fault.Verify {
		t.Fatalf("got %v", err)
	}
	for _, mt := range []string{ocispec.MediaTypeImageLayerZstd, ocispec.MediaTypeImageLayerGzip, ocispec.MediaTypeImageLayer + "+lz4", ocispec.MediaTypeImageLayer} {
		m, _ := json.Marshal(ocispec.Manifest{ArtifactType: ArtifactType, Config: ocispec.Descriptor{MediaType: ConfigMediaType},
			Layers: []ocispec.Descriptor{{MediaType: mt}}})
		_, err := DecodeManifest(m, "reg/x")
		_, known := LayerCompression(mt)
		switch {
		case known && err != nil:
			t.Errorf("layer media type %s refused: %v", mt, err)
		case !known && (err == nil || !strings.Contains(err.Error(), "reads only")):
			t.Errorf("unknown layer media type %s: %v", mt, err)
		}
	}
	if LayerMediaType("") != ocispec.MediaTypeImageLayerZstd {
		t.Errorf("the default layer media type is %s", LayerMediaType(""))
	}
}

func TestPlatforms(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"linux/amd64", "linux/arm64/v8", "darwin/arm64"} {
		p, err := ParsePlatform(ok)
		if err != nil || PlatformString(p) != ok {
			t.Errorf("%s: %v %v", ok, p, err)
		}
	}
	for _, bad := range []string{"linux", "linux/", "/amd64", "a/b/c/d", "linux/arm64/"} {
		if _, err := ParsePlatform(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if PlatformString(nil) != "any" {
		t.Error("nil platform is any")
	}
}

func TestIndexSortsByPlatform(t *testing.T) {
	t.Parallel()
	b, err := Index([]ocispec.Descriptor{
		{Platform: &ocispec.Platform{OS: "linux", Architecture: "arm64"}},
		{Platform: &ocispec.Platform{OS: "linux", Architecture: "amd64"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var idx ocispec.Index
	json.Unmarshal(b.Data, &idx)
	if idx.ArtifactType != ArtifactType || PlatformString(idx.Manifests[0].Platform) != "linux/amd64" {
		t.Errorf("index: %s", b.Data)
	}
}
