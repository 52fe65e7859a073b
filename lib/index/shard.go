package index

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/fault"
)

// ShardKey is the shard a package name lives in: the first byte of sha256(name) as two
// lowercase hex digits. Hashing spreads names evenly whatever their prefixes, so a
// change to one package rewrites about 1/256 of a large index.
func ShardKey(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:1])
}

// shard is the JSON form of one shard blob.
type shard struct {
	Packages []Package `json:"packages"`
}

// Config is the index config blob.
type Config struct {
	SchemaVersion int `json:"schemaVersion"`
	Packages      int `json:"packages"`
	Versions      int `json:"versions"`
	Shards        int `json:"shards"`
	// Watermark is the newest entry-log tag merged ("" when none was).
	Watermark string `json:"watermark,omitempty"`
	// Merged lists the entry-log tags merged that are within the look-back window of
	// the watermark (see docs/index-format.md), with what each touched, so that a
	// publisher can tell which listed entries this index already holds.
	Merged []MergedEntry `json:"merged,omitempty"`
}

// MergedEntry is an entry-log tag merged into the index and the name@version pairs it set.
type MergedEntry struct {
	Tag      string   `json:"tag"`
	Versions []string `json:"versions,omitempty"`
}

// Blob is a small blob with its descriptor.
type Blob struct {
	Desc ocispec.Descriptor
	Data []byte
}

func newBlob(mediaType string, data []byte) Blob {
	return Blob{Desc: ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}, Data: data}
}

// Built is an index artifact in memory: manifest, config and shards.
type Built struct {
	Manifest Blob
	Config   Blob
	Shards   []Blob // sorted by key; Desc.Annotations[ShardAnnotation] is the key
	Stats    Config
}

// EncodeShard is the canonical shard blob of pkgs (which must all hash to one key).
func EncodeShard(pkgs []Package) ([]byte, error) {
	sorted := make([]Package, len(pkgs))
	for i, p := range pkgs {
		p.Normalize()
		sorted[i] = p
	}
	slices.SortFunc(sorted, func(a, b Package) int { return strings.Compare(a.Name, b.Name) })
	return canonicalJSON(shard{Packages: sorted})
}

// Build lays pkgs out as an index artifact: one shard per non-empty key, packages
// sorted, canonical encoding. The same packages (in any order) and the same config
// extras always give the same digests. Duplicate names are refused.
func Build(pkgs []Package, watermark string, merged []MergedEntry) (*Built, error) {
	byKey := map[string][]Package{}
	seen := map[string]bool{}
	for _, p := range pkgs {
		if seen[p.Name] {
			return nil, fault.Errorf(fault.Usage, "package %s is listed twice", p.Name)
		}
		seen[p.Name] = true
		k := ShardKey(p.Name)
		byKey[k] = append(byKey[k], p)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	shards := make([]Blob, 0, len(keys))
	for _, k := range keys {
		s, err := buildShard(k, byKey[k])
		if err != nil {
			return nil, err
		}
		shards = append(shards, s)
	}
	return assemble(shards, watermark, merged, countVersions(pkgs), len(pkgs))
}

func buildShard(key string, pkgs []Package) (Blob, error) {
	data, err := EncodeShard(pkgs)
	if err != nil {
		return Blob{}, fmt.Errorf("encoding shard %s: %w", key, err)
	}
	b := newBlob(ShardMediaType, data)
	b.Desc.Annotations = map[string]string{ShardAnnotation: key}
	return b, nil
}

func countVersions(pkgs []Package) int {
	n := 0
	for _, p := range pkgs {
		n += len(p.Versions)
	}
	return n
}

// assemble wraps shards (sorted by key) in a config and manifest.
func assemble(shards []Blob, watermark string, merged []MergedEntry, versions, packages int) (*Built, error) {
	cfg := Config{SchemaVersion: 1, Packages: packages, Versions: versions, Shards: len(shards), Watermark: watermark, Merged: merged}
	layers := make([]ocispec.Descriptor, len(shards))
	for i, s := range shards {
		layers[i] = s.Desc
	}
	manifest, config, err := wrap(layers, cfg)
	if err != nil {
		return nil, err
	}
	return &Built{Manifest: manifest, Config: config, Shards: shards, Stats: cfg}, nil
}

// wrap builds the config blob of cfg and the manifest over layers (sorted by key).
func wrap(layers []ocispec.Descriptor, cfg Config) (manifest, config Blob, err error) {
	cdata, err := canonicalJSON(cfg)
	if err != nil {
		return Blob{}, Blob{}, err
	}
	config = newBlob(ConfigMediaType, cdata)
	if layers == nil {
		layers = []ocispec.Descriptor{}
	}
	m := ocispec.Manifest{
		Versioned:    specs.Versioned{SchemaVersion: 2},
		MediaType:    ocispec.MediaTypeImageManifest,
		ArtifactType: ArtifactType,
		Config:       config.Desc,
		Layers:       layers,
	}
	mdata, err := json.Marshal(m)
	if err != nil {
		return Blob{}, Blob{}, err
	}
	return newBlob(ocispec.MediaTypeImageManifest, mdata), config, nil
}
