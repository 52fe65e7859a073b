// Package patch owns infrastructure patches: descriptors that add companion packages
// (a corporate CA bundle, proxy configuration) to third-party packages without forking
// them. A descriptor lives in the site's patch registry at <registry>/<package>:patches,
// or <registry>/global/rules:patches for rules about any package (spelled _global on
// the command line).
package patch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/Masterminds/semver/v3"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/stream"
)

const (
	// ArtifactType marks a patch descriptor.
	ArtifactType = "application/vnd.longshore.patches.v1"
	// ConfigMediaType is the descriptor itself, canonical JSON, as the config blob.
	ConfigMediaType = "application/vnd.longshore.patches.config.v1+json"
	// Tag is where a descriptor lives in its repository.
	Tag = "patches"
	// Global names the descriptor of rules that may match any package, on the command
	// line (--for _global) and in caches.
	Global = "_global"
	// GlobalRepository is where the global descriptor lives under the patch registry.
	// A package's descriptor is one path component (its name); this one is two, so no
	// package name can ever collide with it, and unlike "_global" the OCI repository
	// grammar allows it (a component cannot start with '_').
	GlobalRepository = "global/rules"
)

// Descriptor is the PatchDescriptor kind: what `pkg-push patch` publishes.
type Descriptor struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	Rules           []Rule `json:"rules" yaml:"rules"`
}

// Rule adds Companions to every package that Match selects.
type Rule struct {
	Match      Match       `json:"match" yaml:"match"`
	Companions []Companion `json:"companions" yaml:"companions"`
}

// Match selects packages: a name glob, a version constraint and a platform glob, each
// matching everything when empty.
type Match struct {
	Name     string `json:"name,omitempty" yaml:"name,omitempty"`
	Version  string `json:"version,omitempty" yaml:"version,omitempty"`
	Platform string `json:"platform,omitempty" yaml:"platform,omitempty"`
}

// Companion is a package a rule adds: by name through taps or by repository, with a
// version constraint; it is resolved with its own dependencies like any package.
type Companion struct {
	Name    string `json:"name,omitempty" yaml:"name,omitempty"`
	Ref     string `json:"ref,omitempty" yaml:"ref,omitempty"`
	Version string `json:"version,omitempty" yaml:"version,omitempty"`
}

// Kinds reads PatchDescriptor documents.
var Kinds = stream.Kinds{"PatchDescriptor": func() any { return new(Descriptor) }}

// Parse reads and validates one PatchDescriptor for package forName (or Global).
func Parse(data []byte, source, forName string) (*Descriptor, error) {
	if err := ValidFor(forName); err != nil {
		return nil, err
	}
	docs, err := stream.Decode(bytes.NewReader(data), source, Kinds)
	if err == nil {
		err = stream.Unknown(docs, "PatchDescriptor")
	}
	if err != nil {
		return nil, fault.New(fault.Usage, err, "")
	}
	if len(docs) != 1 {
		return nil, fault.Errorf(fault.Usage, "%s: expected one PatchDescriptor document, found %d", source, len(docs))
	}
	d := docs[0].Value.(*Descriptor)
	if err := d.Validate(forName); err != nil {
		return nil, fault.New(fault.Usage, fmt.Errorf("%s: %w", source, err), "see docs/patches.md for the descriptor format")
	}
	return d, nil
}

// ValidFor checks the --for name: a package name or _global.
func ValidFor(name string) error {
	if name == Global || pkgspec.ValidName(name) {
		return nil
	}
	return fault.Errorf(fault.Usage, "--for %q: expected a package name (lower-case letters and digits, separated by ., _ or -) or %s", name, Global)
}

// Validate checks every rule; forName is the package the descriptor is published for.
// An empty list of rules (`rules: []`) withdraws the rules published before; a
// document without the field is refused, as it is more likely a mistake.
func (d *Descriptor) Validate(forName string) error {
	if d.Rules == nil {
		return fmt.Errorf("no rules: a descriptor needs a rules list (rules: [] withdraws the rules published before)")
	}
	for i, r := range d.Rules {
		where := fmt.Sprintf("rules[%d]", i)
		if r.Match.Name != "" {
			if _, err := path.Match(r.Match.Name, ""); err != nil {
				return fmt.Errorf("%s.match.name %q is not a valid glob: %v", where, r.Match.Name, err)
			}
			if forName != Global {
				if ok, _ := path.Match(r.Match.Name, forName); !ok {
					return fmt.Errorf("%s.match.name %q never matches %q, the package this descriptor is for", where, r.Match.Name, forName)
				}
			}
		}
		if r.Match.Version != "" {
			if _, err := semver.NewConstraint(r.Match.Version); err != nil {
				return fmt.Errorf("%s.match.version %q is not a version constraint: %v", where, r.Match.Version, err)
			}
		}
		if r.Match.Platform != "" {
			if _, err := path.Match(r.Match.Platform, ""); err != nil {
				return fmt.Errorf("%s.match.platform %q is not a valid glob: %v", where, r.Match.Platform, err)
			}
		}
		if len(r.Companions) == 0 {
			return fmt.Errorf("%s has no companions", where)
		}
		for j, c := range r.Companions {
			if err := c.validate(forName); err != nil {
				return fmt.Errorf("%s.companions[%d]: %w", where, j, err)
			}
		}
	}
	return nil
}

func (c Companion) validate(forName string) error {
	switch {
	case (c.Name == "") == (c.Ref == ""):
		return fmt.Errorf("give exactly one of name (a package through taps) or ref (a repository)")
	case c.Name != "":
		r, err := ref.Parse(c.Name)
		if err != nil || r.Kind != ref.Package || r.Constraint != "" {
			return fmt.Errorf("name %q is not a package name ([TAP/]NAME; put the constraint in version)", c.Name)
		}
		if r.Name == forName {
			return fmt.Errorf("%q cannot be its own companion", c.Name)
		}
	default:
		r, err := ref.ParseArtifact(c.Ref)
		if err != nil {
			return fmt.Errorf("ref: %w", err)
		}
		if r.Tag != "" || r.Digest != "" {
			return fmt.Errorf("ref %q: give the repository only and the versions in version", c.Ref)
		}
	}
	if c.Version != "" {
		if _, err := semver.NewConstraint(c.Version); err != nil {
			return fmt.Errorf("version %q is not a version constraint: %v", c.Version, err)
		}
	}
	return nil
}

// Canonical is the descriptor's config blob: compact JSON with a fixed field order, so
// the same rules always give the same digest.
func (d *Descriptor) Canonical() ([]byte, error) {
	c := *d
	c.TypeMeta = stream.TypeMeta{APIVersion: stream.APIVersion, Kind: "PatchDescriptor"}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Repository is where the descriptor for name lives under the patch registry root
// (REGISTRY[/PATH] or ocidir://PATH).
func Repository(registry, name string) string {
	if name == Global {
		name = GlobalRepository
	}
	return strings.TrimSuffix(registry, "/") + "/" + name
}
