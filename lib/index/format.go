// Package index owns the longshore index: the metadata-only OCI artifact a tap points
// at (docs/index-format.md). It defines the entries and their canonical encoding, the
// sharding that lets an update fetch only what changed, the local cache a tap reads,
// and publishing through an append-only entry log so that concurrent publishers never
// lose each other's entries.
package index

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/opencontainers/go-digest"

	"longshore.dev/lib/api"
	"longshore.dev/lib/artifact"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/ref"
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

// Validate checks what every reader of the index relies on. where names the entry in
// errors ("entries/hello.yaml:3"); errors are Usage faults naming the package.
func (p *Package) Validate(where string) error {
	at := where
	if at != "" {
		at += ": "
	}
	bad := func(format string, args ...any) error {
		return fault.Errorf(fault.Usage, "%s%s", at, fmt.Sprintf(format, args...))
	}
	if p.Name == "" {
		return bad("package has no name")
	}
	if !pkgspec.ValidName(p.Name) {
		return bad("package name %q is invalid: use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit", p.Name)
	}
	if err := ValidRepository(p.Repository); err != nil {
		return bad("package %s: %v", p.Name, err)
	}
	if len(p.Versions) == 0 {
		return bad("package %s has no versions", p.Name)
	}
	seen := map[string]bool{}
	for _, v := range p.Versions {
		if !pkgspec.ValidVersion(v.Version) {
			return bad("package %s: version %q is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.2.3, no leading v)", p.Name, v.Version)
		}
		if seen[v.Version] {
			return bad("package %s: version %s is listed twice", p.Name, v.Version)
		}
		seen[v.Version] = true
		if err := validDigest(v.Digest); err != nil {
			return bad("package %s@%s: digest: %v", p.Name, v.Version, err)
		}
		for _, pl := range v.Platforms {
			if pl.Platform != pkgspec.AnyPlatform {
				if _, err := artifact.ParsePlatform(pl.Platform); err != nil {
					return bad("package %s@%s: %v", p.Name, v.Version, err)
				}
			}
			if err := validDigest(pl.Digest); err != nil {
				return bad("package %s@%s: platform %s: digest: %v", p.Name, v.Version, pl.Platform, err)
			}
		}
		for _, d := range v.Dependencies {
			if (d.Name == "") == (d.Ref == "") {
				return bad("package %s@%s: a dependency needs exactly one of name and ref", p.Name, v.Version)
			}
		}
	}
	return nil
}

// ValidRepository checks that s is where a package lives: a remote repository
// (REGISTRY/REPO, no tag or digest) or a local layout (ocidir://ABSPATH).
func ValidRepository(s string) error {
	if s == "" {
		return fmt.Errorf("repository is empty")
	}
	r, err := ref.ParseArtifact(s)
	if err != nil {
		return fmt.Errorf("repository %q is not a valid reference: %v", s, err)
	}
	if r.Tag != "" || r.Digest != "" {
		return fmt.Errorf("repository %q names a tag or digest: give the repository alone", s)
	}
	if r.Kind == ref.Layout && !strings.HasPrefix(r.Path, "/") {
		return fmt.Errorf("repository %q is a relative layout path: use an absolute ocidir:// path", s)
	}
	return nil
}

func validDigest(s string) error {
	d, err := digest.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a digest (sha256:64 hex digits)", s)
	}
	if d.Algorithm() != digest.SHA256 {
		return fmt.Errorf("%q: only sha256 digests are accepted", s)
	}
	return nil
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
