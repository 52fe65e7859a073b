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
	"longshore.dev/lib/ref"
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

// TagMove is a floating tag moved from one version of the package to another.
type TagMove struct {
	Tag      string
	From, To string // versions
}

// maxSettlePasses bounds settleFloating. A pass moves a tag only up, to a version
// whose push ran at the same time as this one, so more than two passes means versions
// kept coming while this push checked.
const maxSettlePasses = 5

// settleFloating makes the floating tags a push of a moved (floating) end on the
// highest version at their level, whichever of two pushes of the package running at
// once tags last. Each push picks its floating tags from a listing taken before it
// tags (Check): two pushes that list before either tags, 1.1.0 and 1.2.0, both move "1"
// and "latest", and the one that tags last wins, be it the lower. So after tagging,
// a push lists the tags again and, for each of its floating tags, finds the version
// that should hold it by CascadeTags' rule: the highest released version at the tag's
// level. A tag that holds a lower version of the package is pointed at that version's
// digest, read from its version tag: the right tag whoever finishes last. Passes go
// on until one moves nothing.
//
// Why the last tag is right: the push that writes a floating tag last lists the tags
// after that write, and every version pushed before the listing is in it; a version
// pushed after it is pushed by a push that moves the tag after it (or has a higher
// version to leave it to), which would write later still. So the last writer sees the
// highest version, and moves the tag there if it is not.
//
// A tag never moves down (twins that differ only in build metadata leave each other
// alone), never onto another package (a forced one) nor off something that is not
// this package, and never onto a version tag that is listed but does not resolve yet:
// that version's own push moves the tag after it.
func settleFloating(ctx context.Context, t *oci.Target, a *Artifact, floating []string) ([]TagMove, error) {
	if len(floating) == 0 {
		return nil, nil
	}
	held := holdings{}
	var moves []TagMove
	for pass := 1; pass <= maxSettlePasses; pass++ {
		tags, err := t.Tags(ctx)
		if err != nil {
			return moves, err
		}
		moved := false
		for _, tag := range floating {
			m, err := settleTag(ctx, t, a, tag, tags, held)
			if err != nil {
				return moves, err
			}
			if m != nil {
				moves, moved = append(moves, *m), true
			}
		}
		if !moved {
			return mergeMoves(moves), nil
		}
	}
	return mergeMoves(moves), fault.New(fault.Conflict,
		fmt.Errorf("%s kept moving: other versions were published while this push checked them %d times", strings.Join(floating, ", "), maxSettlePasses),
		"push again with --cascade once the other publishes are done: the version is in place, and the tags move to the highest version")
}

// settleTag moves the floating tag to the highest version of the package at its level
// among tags, when it holds a lower one, and says so; nil when it stays.
func settleTag(ctx context.Context, t *oci.Target, a *Artifact, tag string, tags []string, held holdings) (*TagMove, error) {
	name := a.Package.Metadata.Name
	owner, ownerVersion := highestAt(tag, tags)
	if owner == "" {
		return nil, nil // not even this version is listed: deleted meanwhile
	}
	want := a.Root.Desc
	if owner != ref.TagForVersion(a.Package.Metadata.Version) {
		desc, data, err := t.FetchManifestRef(ctx, owner)
		if fault.KindOf(err) == fault.NotFound {
			return nil, nil // listed before it resolves: its push moves the tag after
		}
		if err != nil {
			return nil, err
		}
		if h, err := held.at(ctx, t, owner, desc, data); err != nil || h.name != name {
			return nil, err // another package: never moved onto
		}
		want = desc
	}
	cur, err := t.Resolve(ctx, tag)
	switch {
	case fault.KindOf(err) == fault.NotFound:
		return nil, nil // deleted meanwhile: not ours to bring back
	case err != nil:
		return nil, err
	case cur.Digest == want.Digest:
		return nil, nil
	}
	from := a.Package.Metadata.Version
	if cur.Digest != a.Root.Desc.Digest {
		data, err := t.FetchManifest(ctx, cur)
		if err != nil {
			return nil, err
		}
		h, err := held.at(ctx, t, tag, cur, data)
		if err != nil || h.name != name {
			return nil, err // something else put there meanwhile: not ours to move
		}
		from = h.version
	}
	if v, err := semver.StrictNewVersion(from); err != nil || !v.LessThan(ownerVersion) {
		return nil, nil // never down, nor between versions of one precedence
	}
	if err := t.Tag(ctx, want, tag); err != nil {
		return nil, err
	}
	return &TagMove{Tag: tag, From: from, To: ownerVersion.Original()}, nil
}

// highestAt returns the tag and version of the highest released version among tags at
// the level of floating tag ("X.Y", "X" or "latest"), "" when there is none. Of
// versions of one precedence the tag first in text order wins.
func highestAt(floating string, tags []string) (string, *semver.Version) {
	var best string
	var bestV *semver.Version
	for _, tag := range tags {
		// Tags hold '+build' as '_build'; anything that is not a version is not compared.
		v, err := semver.StrictNewVersion(strings.ReplaceAll(tag, "_", "+"))
		if err != nil || v.Prerelease() != "" || !atLevel(floating, v) {
			continue
		}
		if bestV == nil || v.GreaterThan(bestV) || v.Equal(bestV) && tag < best {
			best, bestV = tag, v
		}
	}
	return best, bestV
}

// atLevel reports whether v is at the level of floating tag: "latest" takes every
// version, "X" those of major X, "X.Y" those of X.Y.
func atLevel(floating string, v *semver.Version) bool {
	if floating == "latest" {
		return true
	}
	major, minor, hasMinor := strings.Cut(floating, ".")
	if major != strconv.FormatUint(v.Major(), 10) {
		return false
	}
	return !hasMinor || minor == strconv.FormatUint(v.Minor(), 10)
}

// mergeMoves keeps one move per tag, from where it was first to where it was last.
func mergeMoves(moves []TagMove) []TagMove {
	var out []TagMove
	for _, m := range moves {
		if i := slices.IndexFunc(out, func(o TagMove) bool { return o.Tag == m.Tag }); i >= 0 {
			out[i].To = m.To
			continue
		}
		out = append(out, m)
	}
	return out
}
