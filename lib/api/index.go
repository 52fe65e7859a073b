package api

import (
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/stream"
)

// IndexEntry is one package of an index as a document: the entry-file format of
// `pkg-tap index build DIR` and of directory taps (docs/index-format.md). Its fields
// are those of index.Package.
type IndexEntry struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	Name            string         `json:"name" yaml:"name"`
	Repository      string         `json:"repository" yaml:"repository"`
	Description     string         `json:"description,omitempty" yaml:"description,omitempty"`
	Homepage        string         `json:"homepage,omitempty" yaml:"homepage,omitempty"`
	License         string         `json:"license,omitempty" yaml:"license,omitempty"`
	Keywords        []string       `json:"keywords,omitempty" yaml:"keywords,omitempty"`
	Versions        []IndexVersion `json:"versions" yaml:"versions"`
}

// IndexVersion is one version of an IndexEntry (index.Version).
type IndexVersion struct {
	Version      string               `json:"version" yaml:"version"`
	Digest       string               `json:"digest" yaml:"digest"`
	Platforms    []Platform           `json:"platforms,omitempty" yaml:"platforms,omitempty"`
	Dependencies []pkgspec.Dependency `json:"dependencies,omitempty" yaml:"dependencies,omitempty"`
	Yanked       bool                 `json:"yanked,omitempty" yaml:"yanked,omitempty"`
}

// NewIndexEntry returns an IndexEntry with its type set.
func NewIndexEntry() *IndexEntry {
	return &IndexEntry{TypeMeta: stream.TypeMeta{APIVersion: stream.APIVersion, Kind: "IndexEntry"}}
}

func (e *IndexEntry) ObjectKind() string { return e.Kind }
func (e *IndexEntry) ObjectName() string { return e.Name }

// IndexPublished is what `pkg-tap index build` and `index add` print: the index now
// tagged and what this run changed.
type IndexPublished struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	Repository      string `json:"repository" yaml:"repository"`
	Digest          string `json:"digest" yaml:"digest"`
	Tag             string `json:"tag" yaml:"tag"`
	Packages        int    `json:"packages" yaml:"packages"`
	Versions        int    `json:"versions" yaml:"versions"`
	// Added lists name@version of every version this run carried: added, replaced or
	// left as it was (stderr says which).
	Added []string `json:"added,omitempty" yaml:"added,omitempty"`
}

// NewIndexPublished returns an IndexPublished with its type set.
func NewIndexPublished() *IndexPublished {
	return &IndexPublished{TypeMeta: stream.TypeMeta{APIVersion: stream.APIVersion, Kind: "IndexPublished"}}
}

func (p *IndexPublished) ObjectKind() string { return p.Kind }
func (p *IndexPublished) ObjectName() string { return p.Repository + ":" + p.Tag }

func init() {
	Kinds["IndexEntry"] = func() any { return new(IndexEntry) }
	Kinds["IndexPublished"] = func() any { return new(IndexPublished) }
}
