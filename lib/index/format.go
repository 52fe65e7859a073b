// Package index owns the longshore index: the metadata-only OCI artifact a tap points
// at (docs/index-format.md). It defines the entries and their canonical encoding, the
// sharding that lets an update fetch only what changed, the local cache a tap reads,
// and publishing through an append-only entry log so that concurrent publishers never
// lose each other's entries.
package index

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"

	"longshore.dev/lib/api"
	"longshore.dev/lib/pkgspec"
)

// Media types of the index artifact.
const (
	// ArtifactType marks an index manifest.
	ArtifactType = "application/vnd.longshore.index.v1"
	// ConfigMediaType is the index config blob: counts and the entry-log watermark.
	ConfigMediaType = "application/vnd.longshore.index.config.v1+json"
	// ShardMediaType is one shard: the packages whose name hashes to its key.
	ShardMediaType = "application/vnd.longshore.index.shard.v1+json"
	// EntryArtifactType marks an entry of the entry log.
	EntryArtifactType = "application/vnd.longshore.index.entry.v1"
	// EntryConfigMediaType is an entry's config blob: the Package JSON of the change.
	EntryConfigMediaType = "application/vnd.longshore.index.entry.config.v1+json"
	// ShardAnnotation names a layer's shard key: two lowercase hex digits.
	ShardAnnotation = "dev.longshore.index.shard"
	// DefaultTag is the tag of an index reference that names none.
	DefaultTag = "latest"
)

// Package is one package of the index: where it lives and every published version.
type Package struct {
	Name        string    `json:"name" yaml:"name"`
	Repository  string    `json:"repository" yaml:"repository"`
	Description string    `json:"description,omitempty" yaml:"description,omitempty"`
	Homepage    string    `json:"homepage,omitempty" yaml:"homepage,omitempty"`
	License     string    `json:"license,omitempty" yaml:"license,omitempty"`
	Keywords    []string  `json:"keywords,omitempty" yaml:"keywords,omitempty"`
	Versions    []Version `json:"versions" yaml:"versions"`
}

// Version is one published version: enough to resolve and pull it without asking the
// package's registry anything.
type Version struct {
	Version      string               `json:"version" yaml:"version"`
	Digest       string               `json:"digest" yaml:"digest"`
	Platforms    []api.Platform       `json:"platforms,omitempty" yaml:"platforms,omitempty"`
	Dependencies []pkgspec.Dependency `json:"dependencies,omitempty" yaml:"dependencies,omitempty"`
	Yanked       bool                 `json:"yanked,omitempty" yaml:"yanked,omitempty"`
}

// Latest returns the highest version that is not yanked (or, when all are yanked, the
// highest one), and false for a package without versions.
func (p *Package) Latest() (Version, bool) {
	if len(p.Versions) == 0 {
		return Version{}, false
	}
	for i := len(p.Versions) - 1; i >= 0; i-- {
		if !p.Versions[i].Yanked {
			return p.Versions[i], true
		}
	}
	return p.Versions[len(p.Versions)-1], true
}

// Find returns the version v of p.
func (p *Package) Find(v string) (Version, bool) {
	for _, x := range p.Versions {
		if x.Version == v {
			return x, true
		}
	}
	return Version{}, false
}

// Normalize puts p in canonical form: keywords sorted and unique, versions sorted by
// semantic version precedence (ties by text), platforms sorted, dependencies sorted.
// Empty lists become nil so that "[]" and an absent field encode alike.
func (p *Package) Normalize() {
	p.Keywords = sortedUnique(p.Keywords)
	for i := range p.Versions {
		v := &p.Versions[i]
		if len(v.Platforms) == 0 {
			v.Platforms = nil
		} else {
			v.Platforms = slices.Clone(v.Platforms)
			slices.SortFunc(v.Platforms, func(a, b api.Platform) int {
				return cmp2(a.Platform, b.Platform, a.Digest, b.Digest)
			})
			v.Platforms = slices.Compact(v.Platforms)
		}
		if len(v.Dependencies) == 0 {
			v.Dependencies = nil
		} else {
			v.Dependencies = slices.Clone(v.Dependencies)
			slices.SortFunc(v.Dependencies, func(a, b pkgspec.Dependency) int {
				if c := strings.Compare(a.Name, b.Name); c != 0 {
					return c
				}
				return cmp2(a.Ref, b.Ref, a.Version, b.Version)
			})
			v.Dependencies = slices.Compact(v.Dependencies)
		}
	}
	p.Versions = slices.Clone(p.Versions)
	slices.SortStableFunc(p.Versions, func(a, b Version) int { return CompareVersions(a.Version, b.Version) })
}

func cmp2(a1, b1, a2, b2 string) int {
	if c := strings.Compare(a1, b1); c != 0 {
		return c
	}
	return strings.Compare(a2, b2)
}

func sortedUnique(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// CompareVersions orders semantic versions by precedence; versions that are not valid
// semver sort before valid ones, and equal precedence is broken by the text so that
// the order is total.
func CompareVersions(a, b string) int {
	va, erra := semver.StrictNewVersion(a)
	vb, errb := semver.StrictNewVersion(b)
	switch {
	case erra != nil && errb != nil:
		return strings.Compare(a, b)
	case erra != nil:
		return -1
	case errb != nil:
		return 1
	}
	if c := va.Compare(vb); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// canonicalJSON encodes v the one way the index allows: encoding/json field order, no
// HTML escaping, no insignificant whitespace, no trailing newline.
func canonicalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
