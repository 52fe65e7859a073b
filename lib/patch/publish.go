package patch

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
)

// Published says where a descriptor went.
type Published struct {
	Digest    string
	Unchanged bool
}

// Push publishes d at t:patches: the descriptor is the config blob of a manifest whose
// only layer is the OCI empty descriptor (image-spec 1.1's advice for artifacts without
// content), so any OCI registry stores it.
func Push(ctx context.Context, t *oci.Target, d *Descriptor) (*Published, error) {
	config, err := d.Canonical()
	if err != nil {
		return nil, err
	}
	configDesc := ocispec.Descriptor{MediaType: ConfigMediaType, Digest: digest.FromBytes(config), Size: int64(len(config))}
	empty := ocispec.DescriptorEmptyJSON
	m := ocispec.Manifest{
		Versioned:    specs.Versioned{SchemaVersion: 2},
		MediaType:    ocispec.MediaTypeImageManifest,
		ArtifactType: ArtifactType,
		Config:       configDesc,
		Layers:       []ocispec.Descriptor{{MediaType: empty.MediaType, Digest: empty.Digest, Size: empty.Size}},
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	mdesc := ocispec.Descriptor{MediaType: m.MediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
	if cur, err := t.Resolve(ctx, Tag); err == nil && cur.Digest == mdesc.Digest {
		return &Published{Digest: mdesc.Digest.String(), Unchanged: true}, nil
	} else if err != nil && fault.KindOf(err) != fault.NotFound {
		return nil, err
	}
	// The blobs' uploads are made again when the registry fails them for a moment
	// (PushBlob); the manifest's is one PUT, which the transport resends by itself.
	for _, b := range []struct {
		desc ocispec.Descriptor
		data []byte
	}{{empty, empty.Data}, {configDesc, config}} {
		if _, err := t.PushBlob(ctx, b.desc, oci.BytesSource(b.data)); err != nil {
			return nil, err
		}
	}
	if _, err := t.Push(ctx, mdesc, bytes.NewReader(data)); err != nil {
		return nil, err
	}
	if err := t.Tag(ctx, mdesc, Tag); err != nil {
		return nil, err
	}
	return &Published{Digest: mdesc.Digest.String()}, nil
}

// Fetch reads the descriptor at t:patches, refusing anything that is not one.
func Fetch(ctx context.Context, t *oci.Target) (*Descriptor, string, error) {
	desc, err := t.Resolve(ctx, Tag)
	if err != nil {
		return nil, "", err
	}
	data, err := t.FetchManifest(ctx, desc)
	if err != nil {
		return nil, "", err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil || m.ArtifactType != ArtifactType || m.Config.MediaType != ConfigMediaType {
		return nil, "", fault.Errorf(fault.Verify, "%s:%s is not a longshore patch descriptor (artifact type %q)", t.Where(), Tag, m.ArtifactType)
	}
	if m.Config.Size > 1<<20 {
		return nil, "", fault.Errorf(fault.Verify, "%s:%s: descriptor is %d bytes, over the 1 MiB limit", t.Where(), Tag, m.Config.Size)
	}
	rc, err := t.FetchBlob(ctx, m.Config)
	if err != nil {
		return nil, "", err
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rc); err != nil {
		return nil, "", err
	}
	d, err := Parse(buf.Bytes(), t.Where()+":"+Tag, Global)
	if err != nil {
		return nil, "", fault.New(fault.Verify, err, "")
	}
	return d, desc.Digest.String(), nil
}
