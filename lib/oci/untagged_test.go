package oci

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/ref"
)

// A layout another tool wrote lists manifests without tags: Untagged finds them, and
// the note names each by digest with the title and version that its index entry (as
// crane writes it) or else its manifest (as oras-go does) gives.
func TestUntaggedLayoutManifests(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	blob := func(data []byte) digest.Digest {
		d := digest.FromBytes(data)
		dir := filepath.Join(root, "blobs", "sha256")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, d.Encoded()), data, 0o644); err != nil {
			t.Fatal(err)
		}
		return d
	}
	config := []byte("{}")
	cdesc := ocispec.Descriptor{MediaType: "application/vnd.oci.empty.v1+json", Digest: blob(config), Size: 2}
	var index ocispec.Index
	index.SchemaVersion = 2
	var digests []digest.Digest
	for i := range 5 {
		m, _ := json.Marshal(ocispec.Manifest{
			Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest, Config: cdesc,
			Layers:      []ocispec.Descriptor{},
			Annotations: map[string]string{ocispec.AnnotationTitle: "tool", ocispec.AnnotationVersion: fmt.Sprintf("1.%d.0", i)},
		})
		desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: blob(m), Size: int64(len(m))}
		switch i {
		case 0: // tagged: not listed
			desc.Annotations = map[string]string{ocispec.AnnotationRefName: "1.0.0"}
		case 1: // as crane writes it: the manifest's annotations copied
			desc.Annotations = map[string]string{ocispec.AnnotationTitle: "copied", ocispec.AnnotationVersion: "9.9.9"}
		}
		index.Manifests = append(index.Manifests, desc)
		digests = append(digests, desc.Digest)
	}
	data, _ := json.Marshal(index)
	if err := os.WriteFile(filepath.Join(root, "index.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	target, err := Open(context.Background(), ref.Ref{Kind: ref.Layout, Path: root}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	untagged, err := target.Untagged()
	if err != nil {
		t.Fatal(err)
	}
	if len(untagged) != 4 || untagged[0].Digest != digests[1] {
		t.Fatalf("untagged: %+v", untagged)
	}
	loc := "ocidir://" + root
	got := UntaggedNote(loc, untagged)
	want := "its index.json lists 4 manifests without a tag (crane and other tools write layouts so): " +
		loc + "@" + digests[1].String() + " (copied 9.9.9), " +
		loc + "@" + digests[2].String() + " (tool 1.2.0), " +
		loc + "@" + digests[3].String() + " (tool 1.3.0) and 1 more"
	if got != want {
		t.Errorf("note:\n%s\nwant:\n%s", got, want)
	}
	if one := UntaggedNote(loc, untagged[:1]); !strings.HasPrefix(one, "its index.json lists 1 manifest without a tag") || strings.Contains(one, "more") {
		t.Errorf("one: %s", one)
	}
	if UntaggedNote(loc, nil) != "" {
		t.Error("a note of nothing")
	}
}
