// Package ref parses the references longshore users type: remote OCI
// references, local OCI layouts, and package names from taps.
//
// The accepted forms are described by [Grammar]. There is no default
// registry: a remote reference always names its registry host, and a first
// path component only counts as a registry host when it contains '.' or ':'
// or is exactly "localhost" (docker's rule). Anything else is read as a
// package name, so "org/hello" is package "hello" from tap "org".
//
// A reference never carries credentials: USER:PASSWORD@ before the host is refused,
// and every error that echoes a reference shows it redacted ([Redact]).
package ref

import (
	"fmt"
	"net/netip"
	"strings"
)

// Kind says which of the three reference forms a [Ref] holds.
type Kind int

const (
	// Remote is a reference to a repository in an OCI registry.
	Remote Kind = iota + 1
	// Layout is a reference to an OCI image layout on the local filesystem.
	Layout
	// Package is a package name, optionally from a tap and with a version
	// constraint.
	Package
)

// String returns "remote", "layout" or "package".
func (k Kind) String() string {
	switch k {
	case Remote:
		return "remote"
	case Layout:
		return "layout"
	case Package:
		return "package"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Ref is a parsed reference. Which fields are meaningful depends on Kind;
// the others are empty. Ref values are comparable with ==.
type Ref struct {
	Kind       Kind
	Registry   string // remote: "ghcr.io", "localhost:5000"
	Repository string // remote: "org/hello"
	Path       string // layout: filesystem path as typed
	Tag        string // remote/layout
	Digest     string // remote/layout, "sha256:…"
	Tap        string // package: "" when bare
	Name       string // package
	Constraint string // package: "" when none
}

// String returns the canonical form of r, which [Parse] reads back to an
// equal Ref: remote references without the oci:// prefix
// ("ghcr.io/org/hello:1.2.3@sha256:…"), layouts as "ocidir://PATH:TAG@DIGEST"
// and packages as "tap/name@constraint". The zero Ref yields "".
func (r Ref) String() string {
	var b strings.Builder
	switch r.Kind {
	case Remote, Layout:
		b.WriteString(r.Locator())
		if r.Tag != "" {
			b.WriteString(":" + r.Tag)
		}
		if r.Digest != "" {
			b.WriteString("@" + r.Digest)
		}
	case Package:
		b.WriteString(r.Locator())
		if r.Constraint != "" {
			b.WriteString("@" + r.Constraint)
		}
	}
	return b.String()
}

// Reference returns what to resolve in the repository or layout: the digest
// if set, else the tag, else "".
func (r Ref) Reference() string {
	if r.Digest != "" {
		return r.Digest
	}
	return r.Tag
}

// WithTag returns a copy of r with Tag set to tag and Digest cleared. The
// tag is not validated; see [ValidTag].
func (r Ref) WithTag(tag string) Ref {
	r.Tag = tag
	r.Digest = ""
	return r
}

// WithDigest returns a copy of r with Digest set to d, keeping the tag.
// The digest is not validated.
func (r Ref) WithDigest(d string) Ref {
	r.Digest = d
	return r
}

// Locator returns r without tag, digest or constraint: "REGISTRY/REPOSITORY"
// for remote references, "ocidir://PATH" for layouts, and "tap/name" or
// "name" for packages.
func (r Ref) Locator() string {
	switch r.Kind {
	case Remote:
		return r.Registry + "/" + r.Repository
	case Layout:
		return layoutScheme + r.Path
	case Package:
		if r.Tap != "" {
			return r.Tap + "/" + r.Name
		}
		return r.Name
	}
	return ""
}

// IsLocalhost reports whether r is a remote reference whose registry host,
// on any port, is localhost or a loopback address (127.0.0.0/8, ::1, or
// 127.0.0.0/8 mapped into IPv6).
func (r Ref) IsLocalhost() bool {
	if r.Kind != Remote {
		return false
	}
	host, _, _ := splitHostPort(r.Registry)
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Unmap().IsLoopback()
}
