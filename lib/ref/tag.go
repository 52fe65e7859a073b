package ref

import (
	"fmt"
	"strings"
)

const (
	maxTagLength = 128
	tagRule      = "tags may use letters, digits, '_', '.', '-' and at most 128 characters"
)

// ValidTag reports whether s is a valid OCI tag:
// [A-Za-z0-9_][A-Za-z0-9._-]{0,127}.
func ValidTag(s string) bool {
	return tagProblem(s) == ""
}

// TagForVersion returns the tag under which a semantic version is stored.
// OCI tags cannot hold '+', so build metadata is joined with '_' instead:
// "1.2.3+build.5" becomes "1.2.3_build.5". The version is not validated.
func TagForVersion(version string) string {
	return strings.ReplaceAll(version, "+", "_")
}

// tagProblem explains why tag is invalid, or returns "" if it is valid.
func tagProblem(tag string) string {
	switch {
	case tag == "":
		return "empty tag after ':': write a tag such as :1.0.0 or drop the ':'"
	case strings.IndexFunc(tag, func(r rune) bool { return !isTagChar(r) }) >= 0:
		return fmt.Sprintf("tag %q has invalid characters: %s", tag, tagRule)
	case tag[0] == '.' || tag[0] == '-':
		return fmt.Sprintf("tag %q must start with a letter, digit or '_': %s", tag, tagRule)
	case len(tag) > maxTagLength:
		return fmt.Sprintf("tag %q is too long (%d characters): %s", tag, len(tag), tagRule)
	}
	return ""
}

func isTagChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
		r == '_' || r == '.' || r == '-'
}
