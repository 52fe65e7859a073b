package oci

import (
	"context"
	"fmt"
	"slices"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry"
)

// MaxReferrers bounds the referrers listed for one manifest.
const MaxReferrers = 10_000

// Referrers lists the manifests whose subject is desc (signatures, SBOMs,
// attestations), sorted by digest. A registry is asked through the referrers API, or
// through the referrers tag (sha256-<hex>) where it lacks the API; a layout answers
// from its own index.
func (t *Target) Referrers(ctx context.Context, desc ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	graph, ok := t.store.(content.ReadOnlyGraphStorage)
	if !ok {
		return nil, fmt.Errorf("listing referrers of %s: %s cannot list them", desc.Digest, t.where)
	}
	refs, err := registry.Referrers(ctx, graph, desc, "")
	if err != nil {
		return nil, t.classify(err, fmt.Sprintf("listing referrers of %s in %s", desc.Digest, t.where))
	}
	if len(refs) > MaxReferrers {
		return nil, fmt.Errorf("listing referrers of %s in %s: more than %d", desc.Digest, t.where, MaxReferrers)
	}
	slices.SortFunc(refs, func(a, b ocispec.Descriptor) int { return strings.Compare(string(a.Digest), string(b.Digest)) })
	return slices.CompactFunc(refs, func(a, b ocispec.Descriptor) bool { return a.Digest == b.Digest }), nil
}
