package oci

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/ref"
)

// A layout another tool wrote lists manifests without tags: Untagged finds them, and
// the note names each by digest with the title and version that its index entry (as
// crane writes it) or else its manifest (as oras-go does) gives.
func TestUntaggedLayoutManifests(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	digests := writeLayout(t, root, []layoutEntry{
		{refName: "1.0.0", version: "1.0.0"},                            // tagged: not listed
		{version: "1.1.0", indexTitle: "copied", indexVersion: "9.9.9"}, // as crane writes it: the manifest's annotations copied
		{version: "1.2.0"},
		{version: "1.3.0"},
		{version: "1.4.0"},
	})
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

// layoutEntry is a manifest writeLayout lists in a layout's index.json: with the
// ref.name refName ("" for none), its manifest annotated with title "tool" and
// version, and the index entry with indexTitle and indexVersion when set.
type layoutEntry struct {
	refName, version, indexTitle, indexVersion string
}

// writeLayout writes an OCI layout at root by hand, as another tool would, one small
// image manifest per entry, and returns their digests.
func writeLayout(t *testing.T, root string, entries []layoutEntry) []digest.Digest {
	t.Helper()
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
	for _, e := range entries {
		m, _ := json.Marshal(ocispec.Manifest{
			Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest, Config: cdesc,
			Layers:      []ocispec.Descriptor{},
			Annotations: map[string]string{ocispec.AnnotationTitle: "tool", ocispec.AnnotationVersion: e.version},
		})
		desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: blob(m), Size: int64(len(m))}
		annotations := map[string]string{}
		for key, v := range map[string]string{ocispec.AnnotationRefName: e.refName, ocispec.AnnotationTitle: e.indexTitle, ocispec.AnnotationVersion: e.indexVersion} {
			if v != "" {
				annotations[key] = v
			}
		}
		if len(annotations) > 0 {
			desc.Annotations = annotations
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
	return digests
}

// A layout whose ref.names are whole references (crane pull --annotate-ref) lists and
// resolves their tag parts; a plain tag of the same name wins, and a tag part two
// manifests share is refused, naming both.
func TestLayoutRefNamesThatAreReferences(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	d := writeLayout(t, root, []layoutEntry{
		{refName: "reg.example/org/a:1.0.0", version: "a1"},
		{refName: "reg.example/org/b:1.0.0", version: "b1"},
		{refName: "reg.example:5000/org/a:2.0.0@sha256:" + strings.Repeat("0", 64), version: "a2"},
		{refName: "3.0.0", version: "plain"},
		{refName: "other/x:3.0.0", version: "other"},
		{refName: "reg.example:5000/org/c", version: "no tag"},
		{refName: "x/a:6.0.0", version: "six-a"},
		{refName: "x/b:6.0.0", version: "six-b"},
		{refName: "x/c:6.0.0", version: "six-b"}, // b's manifest again: one manifest, named twice
		{refName: "x/a:7.0.0", version: "seven"},
		{refName: "x/b:7.0.0", version: "seven"},
	})
	target, err := Open(context.Background(), ref.Ref{Kind: ref.Layout, Path: root}, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	tags, err := target.Tags(context.Background())
	slices.Sort(tags)
	if err != nil || !slices.Equal(tags, []string{"1.0.0", "2.0.0", "3.0.0", "6.0.0", "7.0.0", "reg.example:5000/org/c"}) {
		t.Errorf("tags: %q %v", tags, err)
	}
	for tag, want := range map[string]digest.Digest{"2.0.0": d[2], "3.0.0": d[3]} {
		if got, err := target.Resolve(context.Background(), tag); err != nil || got.Digest != want {
			t.Errorf("%s: %v %v, want %s", tag, got.Digest, err, want)
		}
	}
	_, err = target.Resolve(context.Background(), "1.0.0")
	if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), "names 2 manifests: reg.example/org/a:1.0.0 ("+d[0].String()+"), reg.example/org/b:1.0.0 ("+d[1].String()+")") {
		t.Errorf("a tag two references share: %v", err)
	}
	if _, err := target.Resolve(context.Background(), "6.0.0"); err == nil || !strings.HasSuffix(err.Error(), "names 2 manifests: x/a:6.0.0 ("+d[6].String()+"), x/b:6.0.0 ("+d[7].String()+")") {
		t.Errorf("a tag three names share, two of them one manifest: %v", err)
	}
	if got, err := target.Resolve(context.Background(), "7.0.0"); err != nil || got.Digest != d[9] {
		t.Errorf("a tag two names of one manifest share: %v %v", got.Digest, err)
	}
	if _, err := target.Resolve(context.Background(), "4.0.0"); fault.KindOf(err) != fault.NotFound {
		t.Errorf("a missing tag: %v", err)
	}
}
