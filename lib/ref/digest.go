package ref

import (
	"fmt"
	"regexp"
	"strings"
)

// digestLikeRE matches text shaped like an OCI digest, ALGO:ENCODED, with an
// algorithm starting with a letter. It decides whether '@' starts a digest
// in a layout path and whether a package constraint is a misplaced digest;
// the digest itself is then checked by digestProblem.
var digestLikeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(?:[.+_-][A-Za-z0-9]+)*:[A-Za-z0-9=_-]*$`)

// digestHexLengths maps the supported digest algorithms to the number of
// hex characters of their encoded part.
var digestHexLengths = map[string]int{
	"sha256": 64,
	"sha512": 128,
}

func looksLikeDigest(s string) bool {
	return digestLikeRE.MatchString(s)
}

// digestProblem explains why d is not a valid sha256 or sha512 digest, or
// returns "" if it is valid.
func digestProblem(d string) string {
	if d == "" {
		return "empty digest after '@': write a digest such as @sha256:<64 hex characters> or drop the '@'"
	}
	algo, hex, ok := strings.Cut(d, ":")
	if !ok {
		return fmt.Sprintf("%q after '@' is not a digest: remote references and layouts take ALGO:HEX digests such as sha256:<64 hex characters>; version constraints (NAME@^1.2) are for packages", d)
	}
	want, known := digestHexLengths[algo]
	if !known {
		if lower := strings.ToLower(algo); digestHexLengths[lower] != 0 {
			return fmt.Sprintf("digest algorithm %q must be lowercase: use %q", algo, lower+":"+strings.ToLower(hex))
		}
		return fmt.Sprintf("digest algorithm %q in %q is not supported: use sha256 or sha512", algo, d)
	}
	for _, r := range hex {
		if !isHex(r) {
			if 'A' <= r && r <= 'F' && strings.IndexFunc(hex, func(r rune) bool { return !isHex(r) && !('A' <= r && r <= 'F') }) < 0 {
				return fmt.Sprintf("digest %q has upper-case hex: digests use lowercase hex, use %q", d, algo+":"+strings.ToLower(hex))
			}
			return fmt.Sprintf("digest %q has non-hex characters: %s digests are %d lowercase hex characters (0-9, a-f)", d, algo, want)
		}
	}
	if len(hex) != want {
		return fmt.Sprintf("digest %q has %d hex characters: %s digests have exactly %d", d, len(hex), algo, want)
	}
	return ""
}

func isHex(r rune) bool {
	return '0' <= r && r <= '9' || 'a' <= r && r <= 'f'
}
