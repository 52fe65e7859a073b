package oci

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/ref"
)

// maxIndexBytes bounds the index.json Untagged reads: a layout's index lists every
// manifest in it, more than a registry's manifest holds.
const maxIndexBytes = 64 << 20

// readLayoutIndex reads the index.json of the layout at root, which where names.
func readLayoutIndex(root, where string) (*ocispec.Index, error) {
	f, err := os.Open(filepath.Join(root, ocispec.ImageIndexFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var index ocispec.Index
	if err := json.NewDecoder(io.LimitReader(f, maxIndexBytes)).Decode(&index); err != nil {
		return nil, fmt.Errorf("reading %s's index.json: %w", where, err)
	}
	return &index, nil
}

// noted is how many untagged manifests UntaggedNote names.
const noted = 3

// Untagged lists the manifests a layout's index.json holds without a tag (no
// org.opencontainers.image.ref.name annotation): crane and other tools write layouts
// so, and such a manifest can be named by digest only. A registry keeps no such list:
// nil. It is asked on the way to an error, when a layout has no tags.
func (t *Target) Untagged() ([]ocispec.Descriptor, error) {
	if t.Ref.Kind != ref.Layout {
		return nil, nil
	}
	index, err := readLayoutIndex(t.Ref.Path, t.where)
	if err != nil {
		return nil, err
	}
	var untagged []ocispec.Descriptor
	for _, d := range index.Manifests {
		if d.Annotations[ocispec.AnnotationRefName] == "" && d.Digest.Validate() == nil {
			untagged = append(untagged, d)
		}
	}
	for i := range untagged[:min(noted, len(untagged))] {
		t.annotate(&untagged[i])
	}
	return untagged, nil
}

// annotate gives d the title and version its manifest's annotations hold, when the
// index did not copy them (crane copies them, oras-go does not): what UntaggedNote
// names it by.
func (t *Target) annotate(d *ocispec.Descriptor) {
	if d.Annotations[ocispec.AnnotationVersion] != "" {
		return
	}
	f, err := os.Open(filepath.Join(t.Ref.Path, ocispec.ImageBlobsDir, d.Digest.Algorithm().String(), d.Digest.Encoded()))
	if err != nil {
		return
	}
	defer f.Close()
	var m struct {
		Annotations map[string]string `json:"annotations"`
	}
	if json.NewDecoder(io.LimitReader(f, MaxManifestBytes)).Decode(&m) != nil {
		return
	}
	annotations := maps.Clone(d.Annotations)
	if annotations == nil {
		annotations = map[string]string{}
	}
	for _, key := range []string{ocispec.AnnotationTitle, ocispec.AnnotationVersion} {
		if v := m.Annotations[key]; v != "" && annotations[key] == "" {
			annotations[key] = v
		}
	}
	d.Annotations = annotations
}

// UntaggedNote says, for a hint, that the layout locator names lists untagged
// manifests, and names the first few by digest with the title and version their
// annotations give ("" when there are none).
func UntaggedNote(locator string, untagged []ocispec.Descriptor) string {
	if len(untagged) == 0 {
		return ""
	}
	var names []string
	for _, d := range untagged[:min(noted, len(untagged))] {
		name := locator + "@" + d.Digest.String()
		title := strings.TrimSpace(d.Annotations[ocispec.AnnotationTitle] + " " + d.Annotations[ocispec.AnnotationVersion])
		if title != "" {
			name += " (" + title + ")"
		}
		names = append(names, name)
	}
	what := "1 manifest"
	if len(untagged) > 1 {
		what = fmt.Sprintf("%d manifests", len(untagged))
	}
	note := fmt.Sprintf("its index.json lists %s without a tag (crane and other tools write layouts so): %s", what, strings.Join(names, ", "))
	if len(untagged) > noted {
		note += fmt.Sprintf(" and %d more", len(untagged)-noted)
	}
	return note
}
