package mirror

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/api"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/ref"
)

// layout is an ocidir:// repository the test writes raw content into.
type layout struct {
	t      *testing.T
	ref    ref.Ref
	target *oci.Target
}

func openLayout(t *testing.T, dir string) *layout {
	t.Helper()
	r, err := ref.ParseArtifact("ocidir://" + dir)
	if err != nil {
		t.Fatal(err)
	}
	target, err := oci.Open(context.Background(), r, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	return &layout{t: t, ref: r, target: target}
}

func (l *layout) close() { l.target.Close() }

func (l *layout) push(mediaType string, data []byte) ocispec.Descriptor {
	l.t.Helper()
	desc := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
	if _, err := l.target.Push(context.Background(), desc, bytes.NewReader(data)); err != nil {
		l.t.Fatal(err)
	}
	return desc
}

// manifest pushes config and layers as blobs, then an image manifest of them, with
// subject when it is not nil.
func (l *layout) manifest(artifactType string, subject *ocispec.Descriptor, config ocispec.Descriptor, configData []byte, layers ...[]byte) ocispec.Descriptor {
	l.t.Helper()
	config.Digest, config.Size = digest.FromBytes(configData), int64(len(configData))
	l.push(config.MediaType, configData)
	m := ocispec.Manifest{
		Versioned:    specs.Versioned{SchemaVersion: 2},
		MediaType:    ocispec.MediaTypeImageManifest,
		ArtifactType: artifactType,
		Config:       config,
		Subject:      subject,
	}
	for _, layer := range layers {
		m.Layers = append(m.Layers, l.push("application/octet-stream", layer))
	}
	data, err := json.Marshal(m)
	if err != nil {
		l.t.Fatal(err)
	}
	return l.push(ocispec.MediaTypeImageManifest, data)
}

func (l *layout) referrers(desc ocispec.Descriptor) []digest.Digest {
	l.t.Helper()
	refs, err := l.target.Referrers(context.Background(), desc)
	if err != nil {
		l.t.Fatal(err)
	}
	var out []digest.Digest
	for _, r := range refs {
		out = append(out, r.Digest)
	}
	return out
}

func oneLock(name, repo string, root ocispec.Descriptor) *api.Lock {
	lock := api.NewLock()
	lock.Requests = []api.LockRequest{{Name: name}}
	lock.Packages = []api.LockedPackage{{Name: name, Version: "1.0.0", Repository: repo, Digest: root.Digest.String(), Reason: api.ReasonRequested}}
	lock.Order = []string{name}
	return lock
}

// TestLockCopiesReferrers mirrors a package with an SBOM attached to it and a
// signature attached to the SBOM: both arrive under the same digests and the
// destination lists them as referrers; a signature added later is copied by the next
// mirror, alone; SkipReferrers leaves them out.
func TestLockCopiesReferrers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := openLayout(t, filepath.Join(t.TempDir(), "src", "hello"))
	pkgConfig := ocispec.Descriptor{MediaType: "application/vnd.longshore.package.config.v1+json"}
	root := src.manifest("application/vnd.longshore.package.v1", nil, pkgConfig, []byte(`{"name":"hello"}`), []byte("layer bytes"))
	empty := ocispec.Descriptor{MediaType: ocispec.MediaTypeEmptyJSON}
	sbom := src.manifest("application/spdx+json", &root, empty, []byte("{}"), []byte(`{"spdxVersion":"SPDX-2.3"}`))
	sig := src.manifest("application/vnd.dev.sigstore.bundle.v0.3+json", &sbom, empty, []byte("{}"), []byte("signature of the sbom"))
	src.close()
	lock := oneLock("hello", src.ref.Locator(), root)

	for _, tc := range []struct {
		name string
		skip bool
		// What the first mirror copies: the package's manifest, config and layer, then
		// per referrer its manifest and layer, and the empty config once: the second
		// referrer finds it there.
		copied int
	}{
		{"referrers", false, 3 + 2 + 2 + 1},
		{"skip", true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dest, err := ParseDestination("ocidir://" + filepath.Join(t.TempDir(), "mirror"))
			if err != nil {
				t.Fatal(err)
			}
			out, stats, err := Lock(ctx, lock, dest, Options{SkipReferrers: tc.skip})
			if err != nil {
				t.Fatal(err)
			}
			if stats.Copied != tc.copied || stats.Complete != 0 {
				t.Errorf("first mirror: %+v, want %d copied, no package complete there", stats, tc.copied)
			}
			mr, _ := ref.ParseArtifact(out.Packages[0].Repository)
			mt := &layout{t: t, ref: mr}
			if mt.target, err = oci.Open(ctx, mr, oci.Options{}); err != nil {
				t.Fatal(err)
			}
			got, gotSig := mt.referrers(root), mt.referrers(sbom)
			mt.close()
			if tc.skip {
				if len(got) != 0 {
					t.Errorf("SkipReferrers copied %v", got)
				}
				return
			}
			if len(got) != 1 || got[0] != sbom.Digest || len(gotSig) != 1 || gotSig[0] != sig.Digest {
				t.Fatalf("referrers in the mirror: of the package %v, want [%s]; of the sbom %v, want [%s]", got, sbom.Digest, gotSig, sig.Digest)
			}

			// A second signature appears at the source after the mirror.
			src := openLayout(t, src.ref.Path)
			late := src.manifest("application/vnd.dev.sigstore.bundle.v0.3+json", &root, empty, []byte("{}"), []byte("a later signature"))
			src.close()
			_, stats, err = Lock(ctx, lock, dest, Options{})
			if err != nil {
				t.Fatal(err)
			}
			// Copied: the late signature's manifest and layer (its empty config is
			// there). The package was there whole, its new referrer aside.
			if stats.Copied != 2 || stats.Complete != 1 || stats.Packages != 1 {
				t.Errorf("mirroring again: %+v, want 2 copied, the one package complete there", stats)
			}
			if mt.target, err = oci.Open(ctx, mr, oci.Options{}); err != nil {
				t.Fatal(err)
			}
			got = mt.referrers(root)
			mt.close()
			want := []digest.Digest{sbom.Digest, late.Digest}
			if want[0] > want[1] {
				want[0], want[1] = want[1], want[0]
			}
			if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
				t.Errorf("referrers after the second mirror: %v, want %v", got, want)
			}
		})
	}
}
