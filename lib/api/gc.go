package api

import "longshore.dev/lib/stream"

// Kinds of items a GCReport lists.
const (
	GCTree       = "tree"        // an extracted package tree, pkgs/sha256/<manifest>
	GCBlob       = "blob"        // a blob of the store's layout, store/blobs/sha256/<digest>
	GCLink       = "link"        // an entry-point link in bin/
	GCTmp        = "tmp"         // staging left in tmp/
	GCIndexCache = "index-cache" // a tap cache's staging or unused blob, taps/<name>/…
	GCManifest   = "manifest"    // a manifest or index in a registry repository (pkg-gc remote)
)

// GCReport is what pkg-gc prints: what a collection removed (or, with DryRun, would
// remove), why each item was unreferenced, and what it kept.
type GCReport struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	// Repository is the registry repository pkg-gc remote collected; empty for the
	// local store.
	Repository string `json:"repository,omitempty" yaml:"repository,omitempty"`
	DryRun     bool   `json:"dryRun" yaml:"dryRun"`
	// Items is sorted by the order of deletion: links, trees, blobs, tmp, index-cache
	// (manifests in the order they are deleted, each index before its manifests).
	Items []GCItem `json:"items" yaml:"items"`
	// FreedBytes is the sum of the items' bytes: freed by a real run, to be freed by a
	// dry run.
	FreedBytes int64  `json:"freedBytes" yaml:"freedBytes"`
	Kept       GCKept `json:"kept" yaml:"kept"`
	// Warnings are what the collection could not settle but worked around safely: a
	// registered lock file that is gone, a kept manifest whose blob is missing.
	Warnings []string `json:"warnings,omitempty" yaml:"warnings,omitempty"`
}

// GCItem is one thing removed.
type GCItem struct {
	Kind string `json:"kind" yaml:"kind"`
	// Path is relative to $LONGSHORE_HOME, with forward slashes; empty for manifests.
	Path   string `json:"path,omitempty" yaml:"path,omitempty"`
	Digest string `json:"digest,omitempty" yaml:"digest,omitempty"`
	// Version names a manifest of pkg-gc remote; Tags are every tag on it, which the
	// registry deletes with it (its version tag and the line tags X, X.Y on it).
	Version string   `json:"version,omitempty" yaml:"version,omitempty"`
	Tags    []string `json:"tags,omitempty" yaml:"tags,omitempty"`
	Bytes   int64    `json:"bytes" yaml:"bytes"`
	Reason  string   `json:"reason" yaml:"reason"`
}

// GCKept counts what the collection kept.
type GCKept struct {
	// Roots counts installed records, --keep documents' packages and registered locks'
	// packages.
	Roots     int `json:"roots" yaml:"roots"`
	Trees     int `json:"trees" yaml:"trees"`
	Blobs     int `json:"blobs" yaml:"blobs"`
	Links     int `json:"links" yaml:"links"`
	Manifests int `json:"manifests,omitempty" yaml:"manifests,omitempty"`
	Tags      int `json:"tags,omitempty" yaml:"tags,omitempty"`
}

// NewGCReport returns a GCReport with its type set.
func NewGCReport() *GCReport {
	return &GCReport{TypeMeta: stream.TypeMeta{APIVersion: stream.APIVersion, Kind: "GCReport"}, Items: []GCItem{}}
}

func (r *GCReport) ObjectKind() string { return r.Kind }

// ObjectName is the repository collected, or "store" for the local store.
func (r *GCReport) ObjectName() string {
	if r.Repository != "" {
		return r.Repository
	}
	return "store"
}

// Kinds lives in api.go, which other kinds share; GCReport registers itself here.
func init() {
	Kinds["GCReport"] = func() any { return new(GCReport) }
}
