package ref

import (
	"strings"
	"unicode"
)

// redacted stands for the credentials taken out of a reference.
const redacted = "***"

// userinfo finds credentials typed into s the way URLs carry them: USER[:PASSWORD]@
// before the registry host, as in user:s3cret@ghcr.io/org/hello or
// oci://token@localhost:5000/hello. It returns the byte offsets of USER[:PASSWORD]@
// in s. The password may hold '/' and '@' (tokens often do): the credentials end at
// the last '@' that a host follows.
//
// In a valid reference '@' starts a digest (after the repository) or a package's
// constraint (hello@1.2.3, hello@1:2.0, core/hello@^1.2). So a host after '@' is taken
// for the end of credentials only when a scheme was typed, when a '/' and more follow
// the host and it looks like a registry (a '.' or ':', or localhost), or when what
// precedes has a ':' (package names cannot) and either no '/' or a '/' follows the
// host. A layout is a filesystem path, where '@' is an ordinary character: it is never
// taken apart.
func userinfo(s string) (start, end int, ok bool) {
	start = len(s) - len(strings.TrimLeftFunc(s, unicode.IsSpace))
	rest := strings.TrimRightFunc(s[start:], unicode.IsSpace)
	hasScheme := false
	if scheme, after, found := strings.Cut(rest, "://"); found && schemeRE.MatchString(scheme) {
		if strings.EqualFold(scheme, "ocidir") {
			return 0, 0, false
		}
		hasScheme = true
		start += len(scheme) + len("://")
		rest = after
	}
	for at := strings.LastIndexByte(rest, '@'); at > 0; at = strings.LastIndexByte(rest[:at], '@') {
		user := rest[:at]
		host, _, slashAfter := strings.Cut(rest[at+1:], "/")
		if host == "" || isDigestAlgorithm(host) || strings.IndexFunc(host, func(r rune) bool { return !isHostChar(r) }) >= 0 {
			continue
		}
		colon, slash := strings.Contains(user, ":"), strings.Contains(user, "/")
		if hasScheme || (slashAfter && isRegistryLike(host)) || (colon && (slashAfter || !slash)) {
			return start, start + at + 1, true
		}
	}
	return 0, 0, false
}

// isDigestAlgorithm reports whether s starts with a digest algorithm and ':'
// (localhost:5000@sha256:… is a misplaced digest, not credentials for sha256).
func isDigestAlgorithm(s string) bool {
	algo, _, ok := strings.Cut(s, ":")
	return ok && digestHexLengths[strings.ToLower(algo)] != 0
}

// isHostChar reports whether r may appear in HOST[:PORT], IPv6 brackets included
// (upper case too: a host typed in capitals is still a host).
func isHostChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
		r == '.' || r == '-' || r == '_' || r == ':' || r == '[' || r == ']'
}

// Redact returns s with any credentials typed into it (USER[:PASSWORD]@ before the
// registry host) replaced by "***@", so that text which may not be a valid reference
// can be echoed in a message. Everything else is kept as typed.
func Redact(s string) string {
	start, end, ok := userinfo(s)
	if !ok {
		return s
	}
	return s[:start] + redacted + "@" + s[end:]
}

// StripCredentials returns s without the credentials typed into it, and whether
// there were any: "user:pw@ghcr.io/org/hello" gives "ghcr.io/org/hello", true.
func StripCredentials(s string) (string, bool) {
	start, end, ok := userinfo(s)
	if !ok {
		return s, false
	}
	return s[:start] + s[end:], true
}

// credentialsError is the error for a reference with credentials in it. It never
// repeats them: Input is redacted by syntaxErrorf.
func credentialsError(in string) error {
	bare, _ := StripCredentials(in)
	if scheme, after, ok := strings.Cut(bare, "://"); ok && scheme+"://" != remoteScheme {
		bare = after // https://user:pw@ghcr.io/x: the scheme is wrong too
	}
	host, _, hasSlash := strings.Cut(strings.TrimPrefix(bare, remoteScheme), "/")
	if !hasSlash {
		bare += "/REPOSITORY"
	}
	return syntaxErrorf(in, "credentials do not go in a reference (they would show in messages, logs and shell history): write %s and log in with `pkg-tap login %s -u USER --password-stdin` or `docker login %s` (longshore reads the docker config and its credential helpers)", bare, host, host)
}
