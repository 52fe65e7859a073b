package tap

import (
	"fmt"
	"slices"
	"strings"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/pkgspec"
)

// MaxNameLength bounds a tap name: it is a directory name and the first half of TAP/NAME.
const MaxNameLength = pkgspec.MaxTapNameLength

// reserved are names a tap cannot take: "localhost" would read as a registry host in
// TAP/NAME (docs/references.md), the schemes would read as half a URL, and the rest are
// kept for selectors that may later mean "every tap" or "no tap" on the command line.
var reserved = []string{"all", "default", "file", "http", "https", "localhost", "none", "oci", "ocidir"}

// ValidateName reports why name cannot name a tap, as a usage fault, or nil.
func ValidateName(name string) error {
	switch {
	case name == "":
		return fault.New(fault.Usage, fmt.Errorf("missing tap name"), "a tap name is lowercase letters, digits and '-', e.g. core")
	case len(name) > MaxNameLength:
		return fault.Errorf(fault.Usage, "tap name %q is too long (%d characters): at most %d", name, len(name), MaxNameLength)
	case !pkgspec.ValidTapName(name):
		return fault.New(fault.Usage,
			fmt.Errorf("tap name %q is invalid: a tap name starts with a lowercase letter or digit and uses only a-z, 0-9 and '-'", name),
			"'.', '_', '/' and upper case are not allowed in tap names, so TAP/NAME always reads one way")
	case slices.Contains(reserved, name):
		return fault.Errorf(fault.Usage, "tap name %q is reserved: choose another (reserved: %s)", name, strings.Join(reserved, ", "))
	}
	return nil
}
