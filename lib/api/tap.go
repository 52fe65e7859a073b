package api

import (
	"errors"
	"fmt"

	"longshore.dev/lib/ref"
	"longshore.dev/lib/stream"
)

// Tap is what pkg-tap list prints: one configured tap and the state of its cache.
type Tap struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	Name            string `json:"name" yaml:"name"`
	// Source is where the index comes from: REGISTRY/REPO[:TAG|@DIGEST], ocidir://ABS[:TAG]
	// or the absolute path of a local directory or file of IndexEntry documents.
	Source  string `json:"source" yaml:"source"`
	Default bool   `json:"default,omitempty" yaml:"default,omitempty"`
	// Digest is the index manifest the cache holds; empty before the first update.
	Digest   string `json:"digest,omitempty" yaml:"digest,omitempty"`
	Packages int    `json:"packages" yaml:"packages"`
	Versions int    `json:"versions" yaml:"versions"`
	// Updated is when the cache was last refreshed (RFC 3339, UTC).
	Updated string `json:"updated,omitempty" yaml:"updated,omitempty"`
}

// NewTap returns a Tap with its type set.
func NewTap() *Tap {
	return &Tap{TypeMeta: stream.TypeMeta{APIVersion: stream.APIVersion, Kind: "Tap"}}
}

func (t *Tap) ObjectKind() string { return t.Kind }
func (t *Tap) ObjectName() string { return t.Name }

// PackageRef is a request for a package: by name through taps (Name, "tap/name" or a
// bare name) or by a direct OCI reference (Ref), with an optional version constraint
// and platform. pkg-tap search prints them; pkg-dep resolve and pkg-pull add read them.
type PackageRef struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	Name            string `json:"name,omitempty" yaml:"name,omitempty"`
	Ref             string `json:"ref,omitempty" yaml:"ref,omitempty"`
	Version         string `json:"version,omitempty" yaml:"version,omitempty"`
	Platform        string `json:"platform,omitempty" yaml:"platform,omitempty"`
	// Latest and Description are what pkg-tap search found, for whoever reads its
	// output (what its table shows): the highest version that is not yanked, as the
	// tap's cached index lists it, and the package's description. They are not part
	// of the request: readers resolve Name or Ref and Version, so a search piped into
	// pkg-pull add installs the highest version when it runs, as without them.
	Latest      string `json:"latest,omitempty" yaml:"latest,omitempty"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
}

// NewPackageRef returns a PackageRef with its type set.
func NewPackageRef() *PackageRef {
	return &PackageRef{TypeMeta: stream.TypeMeta{APIVersion: stream.APIVersion, Kind: "PackageRef"}}
}

func (p *PackageRef) ObjectKind() string { return p.Kind }
func (p *PackageRef) ObjectName() string {
	n := p.Name
	if n == "" {
		n = p.Ref
	}
	if p.Version != "" {
		n += "@" + p.Version
	}
	return n
}

// Validate checks what the decoder cannot: exactly one of name and ref, and no
// credentials in either (they would be echoed wherever the request is named).
func (p *PackageRef) Validate() error {
	for _, f := range []struct{ field, value string }{{"name", p.Name}, {"ref", p.Ref}} {
		if _, found := ref.StripCredentials(f.value); found {
			return fmt.Errorf("a PackageRef's %s %q has credentials in it: credentials do not go in a reference; log in with `pkg-tap login HOST` or `docker login HOST` (the docker config and its credential helpers are read)", f.field, ref.Redact(f.value))
		}
	}
	switch {
	case p.Name == "" && p.Ref == "":
		return errors.New("a PackageRef needs a name (NAME or TAP/NAME) or a ref (an OCI reference)")
	case p.Name != "" && p.Ref != "":
		return fmt.Errorf("a PackageRef has a name (%q) or a ref (%q), not both", p.Name, p.Ref)
	}
	return nil
}

// Kinds lives in api.go, which other kinds share; Tap and PackageRef register here.
func init() {
	Kinds["Tap"] = func() any { return new(Tap) }
	Kinds["PackageRef"] = func() any { return new(PackageRef) }
}
