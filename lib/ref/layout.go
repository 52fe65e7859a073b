package ref

import "strings"

// parseLayout parses rest, the part of input after "ocidir://", as
// PATH[:TAG][@DIGEST].
//
// The digest is what follows the last '@' when that looks like ALGO:HEX;
// otherwise the '@' belongs to the path. The tag is what follows the last
// ':' after the last path separator ('/' or '\'), so colons in directory
// names are kept in the path. The path is kept as typed.
func parseLayout(input, rest string) (Ref, error) {
	if rest == "" {
		return Ref{}, syntaxErrorf(input, "ocidir:// needs a path: write ocidir://PATH[:TAG] such as ocidir://./registry/hello:1.0.0")
	}
	var r Ref
	r.Kind = Layout
	if at := strings.LastIndexByte(rest, '@'); at >= 0 && looksLikeDigest(rest[at+1:]) {
		r.Digest = rest[at+1:]
		if reason := digestProblem(r.Digest); reason != "" {
			return Ref{}, syntaxErrorf(input, "%s", reason)
		}
		rest = rest[:at]
	}
	path, tag, hasTag := splitTag(rest)
	if hasTag {
		if reason := tagProblem(tag); reason != "" {
			return Ref{}, syntaxErrorf(input, "%s", reason)
		}
	}
	if path == "" {
		return Ref{}, syntaxErrorf(input, "missing path after ocidir://: write ocidir://PATH[:TAG] such as ocidir://./registry/hello:1.0.0")
	}
	r.Path, r.Tag = path, tag
	return r, nil
}
