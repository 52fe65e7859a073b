package publish

import (
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"

	"longshore.dev/lib/fault"
)

// CascadeTags returns the floating tags ("X.Y", "X", "latest") that version should move,
// given the tags the repository already has. A tag moves only when no released version
// at its level is higher, so a late patch of an old line never pulls "latest" backwards;
// pre-releases move nothing.
func CascadeTags(version string, existing []string) ([]string, error) {
	v, err := semver.StrictNewVersion(version)
	if err != nil {
		return nil, fault.Errorf(fault.Usage, "version %q is not a semantic version", version)
	}
	if v.Prerelease() != "" {
		return nil, nil
	}
	highestMinor, highestMajor, highest := true, true, true
	for _, tag := range existing {
		// Tags hold '+build' as '_build'; anything that is not a version is not compared.
		other, err := semver.StrictNewVersion(strings.ReplaceAll(tag, "_", "+"))
		if err != nil || other.Prerelease() != "" || !other.GreaterThan(v) {
			continue
		}
		highest = false
		if other.Major() == v.Major() {
			highestMajor = false
			if other.Minor() == v.Minor() {
				highestMinor = false
			}
		}
	}
	var tags []string
	if highestMinor {
		tags = append(tags, semverTag(v.Major(), v.Minor()))
	}
	if highestMajor {
		tags = append(tags, semverTag(v.Major()))
	}
	if highest {
		tags = append(tags, "latest")
	}
	return tags, nil
}

func semverTag(parts ...uint64) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = strconv.FormatUint(p, 10)
	}
	return strings.Join(s, ".")
}
