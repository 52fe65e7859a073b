package ref

import (
	"regexp"
	"strings"
)

const (
	remoteScheme = "oci://"
	layoutScheme = "ocidir://"
)

// schemeRE matches a URL scheme (RFC 3986).
var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// Parse parses a remote reference, a local OCI layout reference or a
// package name, as described by [Grammar]. The input is trimmed of
// surrounding spaces first. Errors are of type *[SyntaxError].
func Parse(s string) (Ref, error) {
	return parse(s, true)
}

// ParseArtifact is like [Parse] but accepts only remote references and
// layouts: input that would be a package name is an error explaining that
// a registry host is needed.
func ParseArtifact(s string) (Ref, error) {
	return parse(s, false)
}

func parse(s string, allowPackage bool) (Ref, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return Ref{}, syntaxErrorf(in, "empty reference: write a remote reference, an ocidir:// layout or a package name")
	}
	if _, _, ok := userinfo(in); ok {
		return Ref{}, credentialsError(in)
	}
	if rest, ok := strings.CutPrefix(in, layoutScheme); ok {
		return parseLayout(in, rest)
	}
	if rest, ok := strings.CutPrefix(in, remoteScheme); ok {
		return parseRemote(in, rest)
	}
	if scheme, _, ok := strings.Cut(in, "://"); ok && schemeRE.MatchString(scheme) {
		return Ref{}, schemeError(in, scheme)
	}
	if looksLikePath(in) {
		return Ref{}, syntaxErrorf(in, "%q is a path, and a path is not a reference: a local OCI layout is written %s%s", in, layoutScheme, in)
	}
	if looksRemote(in) {
		return parseRemote(in, in)
	}
	if !allowPackage {
		return Ref{}, notArtifactError(in)
	}
	return parsePackage(in)
}

// looksLikePath reports whether in can only be a file path: it starts with "."
// ("./reg", "../reg", ".cache/reg"), or is absolute with two components or more
// ("/srv/reg"; "/hello" is more likely a package whose tap was left out). No registry
// host starts with a dot, and a package name starts with a letter or digit: ocidir://
// is what the user left out.
func looksLikePath(in string) bool {
	if rest, ok := strings.CutPrefix(in, "/"); ok {
		return strings.Contains(rest, "/")
	}
	return strings.HasPrefix(in, ".")
}

// looksRemote reports whether in starts with a registry host followed by
// '/', using docker's rule for telling a host from a path component.
func looksRemote(in string) bool {
	i := strings.IndexAny(in, "/@")
	return i >= 0 && in[i] == '/' && isRegistryLike(in[:i])
}

// isRegistryLike reports whether a first path component names a registry:
// it contains '.' or ':' or is exactly "localhost".
func isRegistryLike(component string) bool {
	return strings.ContainsAny(component, ".:") || component == "localhost"
}

func schemeError(in, scheme string) error {
	lower := strings.ToLower(scheme) + "://"
	if lower == remoteScheme || lower == layoutScheme {
		return syntaxErrorf(in, "scheme %q must be lowercase: use %s", scheme+"://", lower)
	}
	return syntaxErrorf(in, "unsupported scheme %q: use oci:// (or no scheme) for registries and ocidir:// for local OCI layouts; registries are written without http(s)://, e.g. ghcr.io/org/hello:1.2.3", scheme+"://")
}

func notArtifactError(in string) error {
	return syntaxErrorf(in, "%q is not an OCI reference: expected REGISTRY/REPOSITORY[:TAG] such as localhost:5000/hello:1.0.0 or ocidir://./registry/hello:1.0.0; a registry host is needed: the part before the first '/', when it contains '.' or ':' or is localhost (e.g. ghcr.io, localhost:5000)", in)
}

// hasUpper reports whether s contains an ASCII upper-case letter.
func hasUpper(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' }) >= 0
}

// splitTag splits "X:TAG" where the ':' comes after the last path separator
// of X. ok is false when there is no such ':'.
func splitTag(s string) (rest, tag string, ok bool) {
	colon := strings.LastIndexByte(s, ':')
	if colon < 0 || colon < strings.LastIndexAny(s, `/\`) {
		return s, "", false
	}
	return s[:colon], s[colon+1:], true
}
