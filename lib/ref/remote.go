package ref

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// maxNameLength bounds REGISTRY/REPOSITORY, as in the distribution grammar.
const maxNameLength = 255

var (
	// repoComponentRE is the distribution grammar for one repository path
	// component.
	repoComponentRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$`)
	// hostLabelRE is one dot-separated label of a registry host name or
	// IPv4 address.
	hostLabelRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)
)

// parseRemote parses rest, the part of input after any oci:// prefix, as
// REGISTRY/REPOSITORY[:TAG][@DIGEST]. Even after oci:// the first component
// must look like a registry host, so that String, which drops the prefix,
// reads back as a remote reference.
func parseRemote(input, rest string) (Ref, error) {
	name, digest, hasDigest := strings.Cut(rest, "@")
	registry, path, hasSlash := strings.Cut(name, "/")
	if !hasSlash || !isRegistryLike(registry) {
		if isRegistryLike(registry) {
			return Ref{}, syntaxErrorf(input, "missing repository after registry host %q: write REGISTRY/REPOSITORY such as %s/hello:1.0.0", registry, registry)
		}
		if !hasSlash {
			return Ref{}, syntaxErrorf(input, "a remote reference needs a registry host: %q has no REGISTRY/ part; write e.g. oci://localhost:5000/%s", rest, rest)
		}
		return Ref{}, syntaxErrorf(input, "a remote reference needs a registry host: %q is not one (a registry host contains '.' or ':' or is localhost, e.g. ghcr.io or localhost:5000)", registry)
	}
	repository, tag, hasTag := splitTag(path)

	if hasUpper(registry + "/" + repository) {
		what, value := "repository", repository
		if hasUpper(registry) {
			what, value = "registry", registry
		}
		named := registry + "/" + repository
		suggestion := strings.ToLower(named) + rest[len(named):]
		return Ref{}, syntaxErrorf(input, "%s %q has upper-case letters: references must be lowercase, e.g. %q", what, value, suggestion)
	}
	if reason := registryProblem(registry); reason != "" {
		return Ref{}, syntaxErrorf(input, "%s", reason)
	}
	if reason := repositoryProblem(repository); reason != "" {
		return Ref{}, syntaxErrorf(input, "%s", reason)
	}
	if n := len(registry) + 1 + len(repository); n > maxNameLength {
		return Ref{}, syntaxErrorf(input, "%q is too long (%d characters): REGISTRY/REPOSITORY may have at most %d", registry+"/"+repository, n, maxNameLength)
	}
	if hasTag {
		if reason := tagProblem(tag); reason != "" {
			return Ref{}, syntaxErrorf(input, "%s", reason)
		}
	}
	if hasDigest {
		if reason := digestProblem(digest); reason != "" {
			return Ref{}, syntaxErrorf(input, "%s", reason)
		}
	}
	return Ref{Kind: Remote, Registry: registry, Repository: repository, Tag: tag, Digest: digest}, nil
}

// registryProblem explains why registry is not HOST[:PORT], or returns ""
// if it is valid. HOST is a DNS name, an IPv4 address or [IPv6].
func registryProblem(registry string) string {
	host, port, hasPort := splitHostPort(registry)
	if strings.HasPrefix(registry, "[") {
		end := strings.IndexByte(registry, ']')
		if end < 0 {
			return fmt.Sprintf("registry %q has an unterminated '[': write IPv6 hosts as [ADDRESS]:PORT such as [::1]:5000", registry)
		}
		if after := registry[end+1:]; after != "" && after[0] != ':' {
			return fmt.Sprintf("registry %q has %q after ']': write IPv6 hosts as [ADDRESS]:PORT such as [::1]:5000", registry, after)
		}
		inner := registry[1:end]
		addr, err := netip.ParseAddr(inner)
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return fmt.Sprintf("registry %q: %q is not an IPv6 address; write IPv6 hosts as [ADDRESS]:PORT such as [::1]:5000", registry, inner)
		}
	} else {
		for label := range strings.SplitSeq(host, ".") {
			if !hostLabelRE.MatchString(label) {
				return fmt.Sprintf("registry host %q is invalid: host names are dot-separated labels of letters, digits and inner '-' (e.g. ghcr.io), or IP addresses such as 127.0.0.1 or [::1]", host)
			}
		}
	}
	if hasPort {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strings.IndexFunc(port, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			return fmt.Sprintf("registry port %q is invalid: use a number from 1 to 65535, e.g. localhost:5000", port)
		}
	}
	return ""
}

// splitHostPort splits a registry into host and port. An IPv6 host keeps
// its brackets. A malformed bracketed host is returned whole with no port.
func splitHostPort(registry string) (host, port string, hasPort bool) {
	if strings.HasPrefix(registry, "[") {
		end := strings.IndexByte(registry, ']')
		if end < 0 {
			return registry, "", false
		}
		host, after := registry[:end+1], registry[end+1:]
		if after == "" {
			return host, "", false
		}
		if after[0] != ':' {
			return registry, "", false
		}
		return host, after[1:], true
	}
	return strings.Cut(registry, ":")
}

// repositoryProblem explains why repository is not a valid list of
// '/'-separated components, or returns "" if it is valid.
func repositoryProblem(repository string) string {
	if repository == "" {
		return "missing repository after the registry host: write REGISTRY/REPOSITORY such as localhost:5000/hello"
	}
	for component := range strings.SplitSeq(repository, "/") {
		if component == "" {
			return fmt.Sprintf("repository %q has an empty path component: remove the extra '/'", repository)
		}
		if !repoComponentRE.MatchString(component) {
			return fmt.Sprintf("repository component %q is invalid: components use lowercase letters and digits, separated by '.', '_', '__' or '-'", component)
		}
	}
	return ""
}
