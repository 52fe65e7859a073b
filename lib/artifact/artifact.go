// Package artifact defines how a longshore package looks as an OCI artifact: media
// types, the config blob, annotations, and the manifest and index that tie them up.
// Any OCI client (oras, crane, regctl) can read what it builds.
package artifact

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/archive"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/pkgspec"
)

const (
	// ArtifactType marks a package manifest (and index) among other artifacts.
	ArtifactType = "application/vnd.longshore.package.v1"
	// ConfigMediaType is the config blob: the package's resolved metadata.
	ConfigMediaType = "application/vnd.longshore.package.config.v1+json"
)

// layerMediaTypes are the content layer's media types, one per compression.
var layerMediaTypes = map[archive.Compression]string{
	archive.Zstd: ocispec.MediaTypeImageLayerZstd,
	archive.Gzip: ocispec.MediaTypeImageLayerGzip,
}

// LayerMediaType is the media type of a content layer compressed with c.
func LayerMediaType(c archive.Compression) string {
	if c == "" {
		c = archive.DefaultCompression
	}
	return layerMediaTypes[c]
}

// LayerCompression is the compression a content layer's media type names.
func LayerCompression(mediaType string) (archive.Compression, bool) {
	for c, t := range layerMediaTypes {
		if t == mediaType {
			return c, true
		}
	}
	return "", false
}

// Config is the config blob of one platform's manifest: what an installer needs to
// know without unpacking the layer.
type Config struct {
	Name         string               `json:"name"`
	Version      string               `json:"version"`
	Platform     string               `json:"platform"`
	Description  string               `json:"description,omitempty"`
	License      string               `json:"license,omitempty"`
	Homepage     string               `json:"homepage,omitempty"`
	Source       string               `json:"source,omitempty"`
	Keywords     []string             `json:"keywords,omitempty"`
	Bin          []string             `json:"bin,omitempty"`
	Env          []pkgspec.EnvVar     `json:"env,omitempty"`
	Dependencies []pkgspec.Dependency `json:"dependencies,omitempty"`
}

// NewConfig is the config of p for one platform.
func NewConfig(p *pkgspec.Package, platform string) Config {
	m := p.Metadata
	return Config{
		Name: m.Name, Version: m.Version, Platform: platform,
		Description: m.Description, License: m.License, Homepage: m.Homepage, Source: m.Source,
		Keywords: m.Keywords, Bin: p.Spec.Bin, Env: p.Spec.Env, Dependencies: p.Spec.Dependencies,
	}
}

// Blob is a descriptor with its bytes, for small blobs built in memory.
type Blob struct {
	Desc ocispec.Descriptor
	Data []byte
}

func newBlob(mediaType string, data []byte) Blob {
	return Blob{Desc: ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}, Data: data}
}

// ConfigBlob encodes c canonically (encoding/json: struct order, sorted maps).
func ConfigBlob(c Config) (Blob, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return Blob{}, err
	}
	return newBlob(ConfigMediaType, data), nil
}

// Annotations are the standard org.opencontainers.image.* annotations of p. created is
// fixed by the caller (SOURCE_DATE_EPOCH or the commit time) so digests are reproducible.
func Annotations(p *pkgspec.Package, created time.Time, revision string) map[string]string {
	m := p.Metadata
	a := map[string]string{
		ocispec.AnnotationTitle:   m.Name,
		ocispec.AnnotationVersion: m.Version,
		ocispec.AnnotationCreated: created.UTC().Format(time.RFC3339),
	}
	set := func(k, v string) {
		if v != "" {
			a[k] = v
		}
	}
	set(ocispec.AnnotationDescription, m.Description)
	set(ocispec.AnnotationLicenses, m.License)
	set(ocispec.AnnotationSource, m.Source)
	set(ocispec.AnnotationURL, m.Homepage)
	set(ocispec.AnnotationRevision, revision)
	return a
}

// Manifest builds an image-spec 1.1 manifest with the package artifactType.
func Manifest(config ocispec.Descriptor, layers []ocispec.Descriptor, annotations map[string]string) (Blob, error) {
	if layers == nil {
		layers = []ocispec.Descriptor{}
	}
	m := ocispec.Manifest{
		Versioned:    specs.Versioned{SchemaVersion: 2},
		MediaType:    ocispec.MediaTypeImageManifest,
		ArtifactType: ArtifactType,
		Config:       config,
		Layers:       layers,
		Annotations:  annotations,
	}
	data, err := json.Marshal(m)
	if err != nil {
		return Blob{}, err
	}
	return newBlob(ocispec.MediaTypeImageManifest, data), nil
}

// Index builds an image index over per-platform manifests, sorted by platform.
func Index(manifests []ocispec.Descriptor, annotations map[string]string) (Blob, error) {
	sorted := append([]ocispec.Descriptor(nil), manifests...)
	sort.Slice(sorted, func(i, j int) bool { return PlatformString(sorted[i].Platform) < PlatformString(sorted[j].Platform) })
	idx := ocispec.Index{
		Versioned:    specs.Versioned{SchemaVersion: 2},
		MediaType:    ocispec.MediaTypeImageIndex,
		ArtifactType: ArtifactType,
		Manifests:    sorted,
		Annotations:  annotations,
	}
	data, err := json.Marshal(idx)
	if err != nil {
		return Blob{}, err
	}
	return newBlob(ocispec.MediaTypeImageIndex, data), nil
}

// ParsePlatform reads "os/arch[/variant]".
func ParsePlatform(s string) (*ocispec.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" || (len(parts) == 3 && parts[2] == "") {
		return nil, fmt.Errorf("platform %q is not os/arch[/variant] (e.g. linux/amd64, linux/arm64/v8) or %q", s, pkgspec.AnyPlatform)
	}
	p := &ocispec.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// PlatformString formats a platform as os/arch[/variant]; nil is "any".
func PlatformString(p *ocispec.Platform) string {
	if p == nil {
		return pkgspec.AnyPlatform
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// DecodeManifest parses a manifest and refuses anything that is not a package.
func DecodeManifest(data []byte, where string) (ocispec.Manifest, error) {
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fault.Errorf(fault.Verify, "%s: manifest is not valid JSON: %v", where, err)
	}
	if m.ArtifactType != ArtifactType && m.Config.MediaType != ConfigMediaType {
		kind := m.ArtifactType
		if kind == "" {
			kind = m.Config.MediaType
		}
		return m, fault.Errorf(fault.Verify, "%s is not a longshore package: its artifact type is %q, expected %q", where, kind, ArtifactType)
	}
	if m.Config.MediaType != ConfigMediaType {
		return m, fault.Errorf(fault.Verify, "%s: config media type %q, expected %q", where, m.Config.MediaType, ConfigMediaType)
	}
	for _, l := range m.Layers {
		if _, ok := LayerCompression(l.MediaType); !ok {
			return m, fault.Errorf(fault.Verify, "%s: layer %s has media type %q; this version reads only %q and %q",
				where, l.Digest, l.MediaType, ocispec.MediaTypeImageLayerZstd, ocispec.MediaTypeImageLayerGzip)
		}
	}
	return m, nil
}

// DecodeIndex parses an image index.
func DecodeIndex(data []byte, where string) (ocispec.Index, error) {
	var idx ocispec.Index
	if err := json.Unmarshal(data, &idx); err != nil {
		return idx, fault.Errorf(fault.Verify, "%s: index is not valid JSON: %v", where, err)
	}
	return idx, nil
}
