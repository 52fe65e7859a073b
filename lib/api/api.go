// Package api holds the documents longshore binaries exchange on stdin/stdout (see
// docs/yaml-stream.md). Field order here is the order users read in YAML output.
package api

import (
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/stream"
)

// Published is what pkg-push prints: where a package version now lives.
type Published struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	Name            string               `json:"name" yaml:"name"`
	Version         string               `json:"version" yaml:"version"`
	Repository      string               `json:"repository" yaml:"repository"`
	Digest          string               `json:"digest" yaml:"digest"`
	MediaType       string               `json:"mediaType" yaml:"mediaType"`
	Tags            []string             `json:"tags" yaml:"tags"`
	Platforms       []Platform           `json:"platforms" yaml:"platforms"`
	Description     string               `json:"description,omitempty" yaml:"description,omitempty"`
	Homepage        string               `json:"homepage,omitempty" yaml:"homepage,omitempty"`
	License         string               `json:"license,omitempty" yaml:"license,omitempty"`
	Keywords        []string             `json:"keywords,omitempty" yaml:"keywords,omitempty"`
	Dependencies    []pkgspec.Dependency `json:"dependencies,omitempty" yaml:"dependencies,omitempty"`
}

// Platform is one platform's manifest of a package version.
type Platform struct {
	Platform string `json:"platform" yaml:"platform"`
	Digest   string `json:"digest" yaml:"digest"`
}

// NewPublished returns a Published with its type set.
func NewPublished() *Published {
	return &Published{TypeMeta: stream.TypeMeta{APIVersion: stream.APIVersion, Kind: "Published"}}
}

func (p *Published) ObjectKind() string { return p.Kind }
func (p *Published) ObjectName() string { return p.Name + "@" + p.Version }

// Reasons a package is installed.
const (
	ReasonExplicit   = "explicit"
	ReasonDependency = "dependency"
	ReasonPatch      = "patch"
)

// Installed is one package in the local store.
type Installed struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	Name            string `json:"name" yaml:"name"`
	Version         string `json:"version" yaml:"version"`
	Platform        string `json:"platform" yaml:"platform"`
	// Digest is the platform manifest's digest: the store keys the tree by it.
	Digest string `json:"digest" yaml:"digest"`
	// Source is the reference it was installed from, pinned by digest.
	Source string `json:"source" yaml:"source"`
	// Tap is the tap the package was resolved through; empty when installed by reference.
	Tap string `json:"tap,omitempty" yaml:"tap,omitempty"`
	// Path is the extracted tree, absolute, for humans and exec; the store itself keys
	// trees by Digest so a moved home keeps working.
	Path   string `json:"path" yaml:"path"`
	Reason string `json:"reason" yaml:"reason"`
	// Constraint is the version constraint an explicit install was asked for (add
	// hello@^1.2 records ^1.2), which pkg-pull upgrade and pkg-dep outdated keep to;
	// empty: any version. Asking for the package again replaces it.
	Constraint string `json:"constraint,omitempty" yaml:"constraint,omitempty"`
	// Index is the image index the platform manifest was chosen from; empty when the
	// version is a single manifest (then Digest is its root).
	Index string `json:"index,omitempty" yaml:"index,omitempty"`
	// Bin is the entry points the package links into $LONGSHORE_HOME/bin, as paths in
	// its tree (bin/hello); the link is named by the last element.
	Bin []string `json:"bin,omitempty" yaml:"bin,omitempty"`
	// Dependencies and Patches name other installed packages, sorted: what this one
	// depends on and its patch companions, as the Lock it came from said. With them
	// installed.yaml rebuilds the Lock's order (environments compose in it) and knows
	// what a removal would break.
	Dependencies []string `json:"dependencies,omitempty" yaml:"dependencies,omitempty"`
	Patches      []string `json:"patches,omitempty" yaml:"patches,omitempty"`
}

// NewInstalled returns an Installed with its type set.
func NewInstalled() *Installed {
	return &Installed{TypeMeta: stream.TypeMeta{APIVersion: stream.APIVersion, Kind: "Installed"}}
}

func (i *Installed) ObjectKind() string { return i.Kind }
func (i *Installed) ObjectName() string { return i.Name + "@" + i.Version }

// Kinds registers every kind in this package for stream decoding.
var Kinds = stream.Kinds{
	"Published": func() any { return new(Published) },
	"Installed": func() any { return new(Installed) },
}
