package api

import (
	"fmt"
	"strings"
)

// CheckPlatform accepts what a Lock or an installed.yaml record may name a platform by:
// "any", or os/arch[/variant] whose parts are letters, digits, '.', '_', '+' and '-',
// starting with a letter or digit.
// It is the shape --platform takes, not lint's list of Go's names: a repository's
// index may hold platforms no Go names (unknown/unknown, for attestations), and what
// an install chose must read back. What it refuses (a newline, an escape sequence,
// a space) could only come from a hand edit or a hostile index.
func CheckPlatform(s string) error {
	if s == "any" {
		return nil
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return fmt.Errorf("platform %q is not os/arch[/variant] or any", s)
	}
	for _, part := range parts {
		if part == "" || strings.ContainsRune("._+-", rune(part[0])) || strings.IndexFunc(part, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._+-", r))
		}) >= 0 {
			return fmt.Errorf("platform %q is not os/arch[/variant] or any", s)
		}
	}
	return nil
}
