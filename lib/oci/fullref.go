package oci

import (
	"fmt"
	"slices"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/ref"
)

// A layout's index.json names a manifest by its org.opencontainers.image.ref.name
// annotation, which the image-layout spec lets be a whole reference: crane pull
// --annotate-ref writes "ghcr.io/org/hello:1.0.0", skopeo "hello:1.0.0". oras-go takes
// the name for the tag, which no one can type (a tag holds no '/' or ':'), so a layout
// written so lists no version. Its tag part is what it is reached by here: listed by
// Tags, resolved by Resolve when the layout has no such plain tag.

// tagOfName is the tag of a ref.name written as a reference ("REPO:TAG",
// "REPO:TAG@DIGEST"), or "" for a plain tag and for a name without a tag.
func tagOfName(name string) string {
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name = name[:i]
	}
	i := strings.LastIndexByte(name, ':')
	if i < 0 || strings.Contains(name[i+1:], "/") || !ref.ValidTag(name[i+1:]) {
		return ""
	}
	return name[i+1:]
}

// layoutTags is tags (a layout's ref.names) with each name written as a reference
// replaced by its tag part, once.
func layoutTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, name := range tags {
		if tag := tagOfName(name); tag != "" {
			name = tag
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// resolveNamed finds the manifest of the layout whose ref.name is a reference with
// tag, when the layout has no plain tag of that name; found is false when none is.
// Two such names for two manifests are an error naming both.
func (t *Target) resolveNamed(tag string) (desc ocispec.Descriptor, found bool, err error) {
	if t.Ref.Kind != ref.Layout || !ref.ValidTag(tag) {
		return desc, false, nil
	}
	index, err := readLayoutIndex(t.Ref.Path, t.where)
	if err != nil {
		return desc, false, nil // the plain lookup's not-found says enough
	}
	var names []string
	seen := map[string]bool{} // digests named already
	for _, d := range index.Manifests {
		name := d.Annotations[ocispec.AnnotationRefName]
		if tagOfName(name) != tag || seen[d.Digest.String()] {
			continue
		}
		seen[d.Digest.String()] = true
		names = append(names, name+" ("+d.Digest.String()+")")
		if !found {
			desc, found = d, true
		}
	}
	if len(names) > 1 {
		return ocispec.Descriptor{}, false, fault.New(fault.Usage,
			fmt.Errorf("%s names %d manifests: %s", t.display(tag), len(names), strings.Join(names, ", ")),
			"name one by digest: "+t.where+"@DIGEST")
	}
	return desc, found, nil
}
