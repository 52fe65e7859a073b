package publish

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
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

// floating decides whether the floating tags CascadeTags picked may move to a. Those
// the repository does not have yet may, and those that hold a version of the same
// package (the normal case). A tag on anything else (a tap index, another package, an
// image) is a conflict unless opts.Force, when it moves and is named in replaced so the
// caller can say what it overwrote. Those that point at a already are in move and in
// already. held has what Check read already.
func floating(ctx context.Context, t *oci.Target, a *Artifact, candidates, existing []string, opts PushOptions, held holdings) (move, already, replaced []string, err error) {
	name := a.Package.Metadata.Name
	var conflicts []string
	for _, tag := range candidates {
		if t == nil || !slices.Contains(existing, tag) {
			move = append(move, tag)
			continue
		}
		desc, data, err := t.FetchManifestRef(ctx, tag)
		switch {
		case fault.KindOf(err) == fault.NotFound: // deleted since the listing
			move = append(move, tag)
			continue
		case err != nil:
			return nil, nil, nil, err
		case desc.Digest == a.Root.Desc.Digest:
			move, already = append(move, tag), append(already, tag)
			continue
		}
		h, err := held.at(ctx, t, tag, desc, data)
		if err != nil {
			return nil, nil, nil, err
		}
		switch {
		case h.name == name:
			move = append(move, tag)
		case opts.Force:
			move = append(move, tag)
			replaced = append(replaced, fmt.Sprintf("%s held %s", tag, h.what))
		default:
			conflicts = append(conflicts, fmt.Sprintf("%s:%s holds %s", t.Where(), tag, h.what))
		}
	}
	if len(conflicts) > 0 {
		return nil, nil, nil, fault.New(fault.Conflict,
			fmt.Errorf("--cascade would move tags off something other than %s: %s; nothing was pushed", name, strings.Join(conflicts, "; ")),
			fmt.Sprintf("publish %s to a repository of its own, or pass --force to move the tags anyway", name))
	}
	return move, already, replaced, nil
}
