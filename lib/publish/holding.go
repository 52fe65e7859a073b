package publish

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/artifact"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/index"
	"longshore.dev/lib/oci"
)

// maxConfigBytes bounds a config blob read to find out what a tag holds.
const maxConfigBytes = 1 << 20

// holding is what a tag points at: a package or something else.
type holding struct {
	name    string // the package's name; "" when it is not a package
	version string // the package's version
	what    string // for messages: "package hello 1.2.0", "a longshore tap index (…)"
}

// holdings are what each manifest (or index) a push looked at holds, by digest: the
// floating tags and the newest version tag often share one, which is read once.
type holdings map[digest.Digest]holding

// at says what tag, which resolved to desc (data), holds. Something malformed is not a
// package either: it is held as "something that does not read as a longshore package".
func (held holdings) at(ctx context.Context, t *oci.Target, tag string, desc ocispec.Descriptor, data []byte) (holding, error) {
	if h, ok := held[desc.Digest]; ok {
		return h, nil
	}
	h, err := whatIsAt(ctx, t, t.Where()+":"+tag, desc, data)
	switch {
	case fault.KindOf(err) == fault.Verify:
		h = holding{what: fmt.Sprintf("something that does not read as a longshore package (%v)", err)}
	case err != nil:
		return holding{}, err
	}
	held[desc.Digest] = h
	return h, nil
}

// whatIsAt reads what the manifest (or index) desc is, as the resolver does
// (lib/plan): a package is a manifest with the package artifact type or config, or an
// index whose first platform's manifest is one; its name comes from the config.
func whatIsAt(ctx context.Context, t *oci.Target, where string, desc ocispec.Descriptor, data []byte) (holding, error) {
	if desc.MediaType == ocispec.MediaTypeImageIndex {
		idx, err := artifact.DecodeIndex(data, where)
		if err != nil {
			return holding{}, err
		}
		if len(idx.Manifests) == 0 {
			return holding{what: "an empty image index"}, nil
		}
		first := slices.MinFunc(idx.Manifests, func(a, b ocispec.Descriptor) int {
			return strings.Compare(artifact.PlatformString(a.Platform), artifact.PlatformString(b.Platform))
		})
		if first.MediaType != ocispec.MediaTypeImageManifest {
			return holding{what: other(idx.ArtifactType, desc.MediaType)}, nil
		}
		if data, err = t.FetchManifest(ctx, first); err != nil {
			return holding{}, err
		}
		desc, where = first, where+"@"+first.Digest.String()
	}
	if desc.MediaType != ocispec.MediaTypeImageManifest {
		return holding{what: other("", desc.MediaType)}, nil
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return holding{}, fault.Errorf(fault.Verify, "%s: manifest is not valid JSON: %v", where, err)
	}
	if m.ArtifactType != artifact.ArtifactType && m.Config.MediaType != artifact.ConfigMediaType {
		kind := m.ArtifactType
		if kind == "" {
			kind = m.Config.MediaType
		}
		return holding{what: other(kind, desc.MediaType)}, nil
	}
	if _, err := artifact.DecodeManifest(data, where); err != nil {
		return holding{}, err
	}
	if m.Config.Size > maxConfigBytes {
		return holding{}, fault.Errorf(fault.Verify, "%s: config is %d bytes, over the %d-byte limit", where, m.Config.Size, maxConfigBytes)
	}
	rc, err := t.FetchBlob(ctx, m.Config)
	if err != nil {
		return holding{}, err
	}
	defer rc.Close()
	cdata, err := io.ReadAll(io.LimitReader(rc, maxConfigBytes+1))
	if err != nil {
		return holding{}, err
	}
	var c artifact.Config
	if err := json.Unmarshal(cdata, &c); err != nil {
		return holding{}, fault.Errorf(fault.Verify, "%s: config is not valid JSON: %v", where, err)
	}
	return holding{name: c.Name, version: c.Version, what: fmt.Sprintf("package %s %s", c.Name, c.Version)}, nil
}

// other describes an artifact that is not a package by its type.
func other(kind, mediaType string) string {
	switch kind {
	case index.ArtifactType:
		return fmt.Sprintf("a longshore tap index (%s), not a package", kind)
	case "":
		return fmt.Sprintf("content of media type %s, not a longshore package", mediaType)
	}
	return fmt.Sprintf("an artifact of type %s, not a longshore package", kind)
}
