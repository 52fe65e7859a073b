package ref

import (
	"fmt"
	"regexp"
	"strings"
)

const maxPackageNameLength = 128

// packageNameRE is the grammar of package and tap names: a path component of an OCI
// repository name (pkgspec.ValidName is the same).
var packageNameRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)

// parsePackage parses input as [TAP/]NAME[@CONSTRAINT]. The constraint is
// everything after the first '@', trimmed; it is not checked beyond being
// non-empty and not a digest.
func parsePackage(input string) (Ref, error) {
	name, constraint, hasConstraint := strings.Cut(input, "@")
	if strings.Count(name, "/") > 1 {
		first, _, _ := strings.Cut(name, "/")
		return Ref{}, syntaxErrorf(input, "%q is neither a package nor a remote reference: a package is NAME or TAP/NAME (at most one '/'), and a remote reference starts with a registry host, which %q is not (a registry host contains '.' or ':' or is localhost), e.g. ghcr.io/%s or localhost:5000/%s", name, first, name, name)
	}
	if hasUpper(name) {
		return Ref{}, syntaxErrorf(input, "package %q has upper-case letters: references must be lowercase, e.g. %q", name, strings.ToLower(name)+input[len(name):])
	}
	if strings.Contains(name, ":") {
		if _, port, _ := strings.Cut(name, ":"); !strings.Contains(name, "/") && port != "" && strings.Trim(port, "0123456789") == "" {
			return Ref{}, syntaxErrorf(input, "%q looks like a registry host without a repository: write REGISTRY/REPOSITORY such as %s/hello:1.0.0", name, name)
		}
		return Ref{}, syntaxErrorf(input, "%q contains ':', which package names cannot: package versions go after '@' (e.g. hello@1.2.3), and OCI references need a registry host (e.g. localhost:5000/%s)", name, name)
	}
	tap, bare, tapped := strings.Cut(name, "/")
	if !tapped {
		tap, bare = "", name
	}
	if tapped {
		if reason := packageNameProblem("tap", tap); reason != "" {
			return Ref{}, syntaxErrorf(input, "%s", reason)
		}
	}
	if reason := packageNameProblem("package name", bare); reason != "" {
		return Ref{}, syntaxErrorf(input, "%s", reason)
	}
	if hasConstraint {
		constraint = strings.TrimSpace(constraint)
		if constraint == "" {
			return Ref{}, syntaxErrorf(input, "empty version constraint after '@': write NAME@CONSTRAINT such as hello@^1.2, or drop the '@'")
		}
		if looksLikeDigest(constraint) {
			return Ref{}, syntaxErrorf(input, "%q is a digest, not a version constraint: a package takes a version constraint after '@'; to pin a digest use a remote reference such as localhost:5000/%s@%s", constraint, name, constraint)
		}
	}
	return Ref{Kind: Package, Tap: tap, Name: bare, Constraint: constraint}, nil
}

// packageNameProblem explains why name is not a valid package or tap name,
// or returns "" if it is valid. what is "tap" or "package name".
func packageNameProblem(what, name string) string {
	switch {
	case name == "":
		return fmt.Sprintf("missing %s: write NAME or TAP/NAME such as hello or core/hello", what)
	case !packageNameRE.MatchString(name):
		return fmt.Sprintf("%s %q is invalid: names start with a lowercase letter or digit and use only a-z, 0-9, '.', '_' and '-' (at most %d characters)", what, name, maxPackageNameLength)
	case len(name) > maxPackageNameLength:
		return fmt.Sprintf("%s %q is too long (%d characters): at most %d", what, name, len(name), maxPackageNameLength)
	}
	return ""
}
