package gc

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/Masterminds/semver/v3"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/tap"
)

// RemoteOptions control Remote.
type RemoteOptions struct {
	// KeepLast is how many of the newest releases to keep (at least 1). Pre-releases
	// are not counted: those newer than the newest release are kept, the others go.
	KeepLast int
	DryRun   bool
	// Progress, when set, hears the plan before the first delete and each delete.
	Progress func(format string, args ...any)
	// Warn, when set, hears each of the report's warnings once the plan is made, before
	// the first delete.
	Warn func(format string, args ...any)
	// Taps, when set, are the taps whose cached indexes (no network) are checked for
	// versions the plan deletes: a version an index lists and has not yanked still
	// resolves, and every install that resolves to it fails once it is gone. Each is a
	// warning.
	Taps *tap.Config
	// RefuseListed turns those warnings into an error (fault.Conflict) before anything
	// is deleted.
	RefuseListed bool
}

// lineTag is a floating tag that names a version line, as pkg-push --cascade moves them.
var lineTag = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// versionTag is a tag that reads as a version: MAJOR.MINOR.PATCH[-PRE][_BUILD].
type versionTag struct {
	tag     string
	version *semver.Version
	desc    ocispec.Descriptor
}

// Remote deletes from a repository every release but the newest KeepLast, and every
// pre-release that is not newer than the newest release, by digest. Line tags (X and
// X.Y, as pkg-push --cascade moves them) go with the version they point at, and each
// item lists every tag that goes with its manifest; any other tag that is not a version
// (latest, stable, …) keeps its manifest, and so does every manifest a kept index
// lists. An index is deleted before its platform manifests, so nothing kept ever points
// at something deleted. The report is the plan; with DryRun nothing is deleted.
func Remote(ctx context.Context, t *oci.Target, opts RemoteOptions) (*api.GCReport, error) {
	if opts.KeepLast < 1 {
		return nil, fault.Errorf(fault.Usage, "--keep-last must be at least 1, got %d", opts.KeepLast)
	}
	progress, warn := opts.Progress, opts.Warn
	if progress == nil {
		progress = func(string, ...any) {}
	}
	if warn == nil {
		warn = func(string, ...any) {}
	}
	tags, err := t.Tags(ctx)
	if err != nil {
		return nil, err
	}
	slices.Sort(tags)
	descs, err := resolveTags(ctx, t, tags)
	if err != nil {
		return nil, err
	}
	var versions []versionTag
	var floating []string
	for _, tag := range tags {
		desc, ok := descs[tag]
		if !ok {
			continue // removed since the listing
		}
		v, err := semver.StrictNewVersion(strings.ReplaceAll(tag, "_", "+"))
		if err != nil {
			floating = append(floating, tag)
			continue
		}
		versions = append(versions, versionTag{tag: tag, version: v, desc: desc})
	}
	// Newest first; versions equal but for build metadata by tag, for a stable order.
	slices.SortFunc(versions, func(a, b versionTag) int {
		if c := b.version.Compare(a.version); c != 0 {
			return c
		}
		return strings.Compare(b.tag, a.tag)
	})
	slices.Sort(floating)

	report := api.NewGCReport()
	report.Repository = t.Where()
	report.DryRun = opts.DryRun

	// Which versions stay: the newest KeepLast releases, and the pre-releases newer than
	// the newest release (the next version's candidates). A pre-release below it was
	// superseded by a release, so it goes whatever KeepLast says, and it never takes a
	// release's place: --keep-last 1 on 1.1.0 and 2.0.0-rc.1 keeps both.
	var releases []versionTag // the newest KeepLast
	var keptVersions []string // every kept version's tag, newest first
	keep := map[digest.Digest]keeper{}
	type candidate struct {
		vt     versionTag
		reason string
	}
	var candidates []candidate // newest first
	newestRelease := slices.IndexFunc(versions, func(vt versionTag) bool { return vt.version.Prerelease() == "" })
	for _, vt := range versions {
		release := vt.version.Prerelease() == ""
		switch {
		case release && len(releases) >= opts.KeepLast:
			candidates = append(candidates, candidate{vt: vt}) // its reason names the kept releases, known below
			continue
		case release:
			releases = append(releases, vt)
		case newestRelease >= 0 && !vt.version.GreaterThan(versions[newestRelease].version):
			candidates = append(candidates, candidate{vt: vt,
				reason: fmt.Sprintf("pre-release %s is older than the newest release (%s)", vt.tag, versions[newestRelease].tag)})
			continue
		}
		keptVersions = append(keptVersions, vt.tag)
		if _, ok := keep[vt.desc.Digest]; !ok {
			keep[vt.desc.Digest] = keeper{name: "version " + vt.tag, version: true}
		}
	}
	newest := make([]string, len(releases))
	for i, vt := range releases {
		newest[i] = vt.tag
	}
	for i, c := range candidates {
		if c.reason == "" {
			candidates[i].reason = fmt.Sprintf("version %s is older than the newest %s (%s)", c.vt.tag, releasesWord(opts.KeepLast), strings.Join(newest, ", "))
		}
	}

	versioned := map[digest.Digest]bool{}
	for _, vt := range versions {
		versioned[vt.desc.Digest] = true
	}
	for _, tag := range floating {
		d := descs[tag].Digest
		if lineTag.MatchString(tag) && versioned[d] {
			continue // X and X.Y name the newest version of a line: they go with it
		}
		if _, ok := keep[d]; !ok {
			keep[d] = keeper{name: "tag " + tag}
		}
	}
	// A kept index keeps its platform manifests.
	keptRoots := make([]digest.Digest, 0, len(keep))
	for d := range keep {
		keptRoots = append(keptRoots, d)
	}
	slices.Sort(keptRoots)
	byDigest := make(map[digest.Digest]ocispec.Descriptor, len(descs))
	for _, desc := range descs {
		byDigest[desc.Digest] = desc
	}
	for _, d := range keptRoots {
		desc := byDigest[d]
		if desc.MediaType != ocispec.MediaTypeImageIndex {
			continue
		}
		idx, err := fetchIndex(ctx, t, desc)
		if err != nil {
			return nil, err
		}
		for _, m := range idx.Manifests {
			if _, ok := keep[m.Digest]; !ok {
				keep[m.Digest] = keeper{name: "the index of " + keep[d].name, listed: true}
			}
		}
	}

	// The registry drops every tag of a manifest it deletes (Distribution untags them
	// all; so does a layout), so each item lists them: the version's own and the line
	// tags that pointed at it.
	tagsOf := map[digest.Digest][]string{}
	for _, tag := range tags {
		if desc, ok := descs[tag]; ok {
			tagsOf[desc.Digest] = append(tagsOf[desc.Digest], tag)
		}
	}
	type planned struct {
		item api.GCItem
		desc ocispec.Descriptor
	}
	var plan []planned
	seen := map[digest.Digest]bool{}
	deletedTags := 0
	// Oldest first: an interrupted run leaves the newest of the old versions.
	for i := len(candidates) - 1; i >= 0; i-- {
		vt, reason := candidates[i].vt, candidates[i].reason
		d := vt.desc.Digest
		if k, ok := keep[d]; ok {
			if !k.version {
				report.Warnings = append(report.Warnings, fmt.Sprintf("%s, but %s: kept", reason, k.phrase()))
			}
			continue
		}
		if seen[d] {
			continue
		}
		seen[d] = true
		deletedTags += len(tagsOf[d])
		bytes, children, err := manifestBytes(ctx, t, vt.desc)
		if err != nil {
			return nil, err
		}
		plan = append(plan, planned{
			item: api.GCItem{Kind: api.GCManifest, Digest: d.String(), Version: vt.version.String(), Tags: tagsOf[d], Bytes: bytes, Reason: reason},
			desc: vt.desc,
		})
		for _, child := range children {
			if _, kept := keep[child.Digest]; kept || seen[child.Digest] {
				continue
			}
			seen[child.Digest] = true
			deletedTags += len(tagsOf[child.Digest])
			cb, _, err := manifestBytes(ctx, t, child)
			if err != nil {
				return nil, err
			}
			plan = append(plan, planned{
				item: api.GCItem{Kind: api.GCManifest, Digest: child.Digest.String(), Version: vt.version.String(), Tags: tagsOf[child.Digest], Bytes: cb,
					Reason: fmt.Sprintf("a platform manifest (%s) of version %s's index, which no kept index lists", platformOf(child), vt.tag)},
				desc: child,
			})
		}
	}
	report.Warnings = append(report.Warnings, lostLineTags(t.Where(), versions, seen, tagsOf)...)
	report.Kept.Manifests = len(keep)
	report.Kept.Tags = len(descs) - deletedTags
	digests := make([]string, len(plan))
	for i, p := range plan {
		report.Items = append(report.Items, p.item)
		report.FreedBytes += p.item.Bytes
		digests[i] = p.item.Digest
	}
	listed, warnings := listedVersions(opts.Taps, t.Where(), digests)
	report.Warnings = append(report.Warnings, warnings...)
	if len(listed) > 0 && opts.RefuseListed {
		sayWarnings(warn, report.Warnings)
		return nil, fault.New(fault.Conflict,
			fmt.Errorf("refusing to delete from %s (--refuse-listed): versions listed by tap indexes and not yanked: %s", t.Where(), describeListings(listed)),
			"yank them in the indexes first (as each warning says; docs/index-format.md), pkg-tap update, and run again; or keep more with a larger --keep-last")
	}
	if opts.DryRun || len(plan) == 0 {
		sayWarnings(warn, report.Warnings)
		return report, nil
	}

	manifests := fmt.Sprintf("%d manifests", len(plan))
	if len(plan) == 1 {
		manifests = "1 manifest"
	}
	progress("Deleting %s from %s, keeping %s:", manifests, t.Where(), strings.Join(keptVersions, ", "))
	for _, p := range plan {
		progress("  %s %s%s (%s)", p.item.Digest, p.item.Version, withTags(p.item.Tags), p.item.Reason)
	}
	sayWarnings(warn, report.Warnings)
	for i, p := range plan {
		err := t.Delete(ctx, p.desc)
		if fault.KindOf(err) == fault.NotFound {
			// Gone already: a layout removes an index's manifests with it, and another
			// collection may have been here first.
			progress("Gone already: %s (%s)", p.item.Digest, p.item.Version)
			continue
		}
		if err != nil {
			if i > 0 {
				return nil, fault.Hinted(fmt.Errorf("%w (after deleting %d of %d manifests)", err, i, len(plan)), fault.HintOf(err))
			}
			return nil, err
		}
		progress("Deleted %s (%s)", p.item.Digest, p.item.Version)
	}
	return report, nil
}

// keeper is what keeps a manifest that a version tag alone would let go.
type keeper struct {
	name    string // "version 1.3.0", "tag stable", "the index of version 1.2.0"
	version bool   // a kept version: a version tag on the same manifest goes unsaid
	listed  bool   // name is an index that lists the manifest
}

// phrase completes "version 1.1.0 is older than …, but ".
func (k keeper) phrase() string {
	if k.listed {
		return k.name + " lists it"
	}
	return k.name + " points at it"
}

func releasesWord(n int) string {
	if n == 1 {
		return "release"
	}
	return fmt.Sprintf("%d releases", n)
}

// withTags is what a progress line says of the tags that go with a manifest.
func withTags(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return ", tags " + strings.Join(tags, ", ")
}

// lostLineTags warns of each line tag (X, X.Y) that goes with a deleted manifest
// while its line keeps a release: the registry drops it with the manifest, so
// REPO:X.Y stops resolving although the line has a version. --cascade never leaves a
// line tag behind a newer release of its line; a version pushed without it does.
// deleted holds the planned digests; versions are newest first.
func lostLineTags(where string, versions []versionTag, deleted map[digest.Digest]bool, tagsOf map[digest.Digest][]string) []string {
	var warnings []string
	said := map[digest.Digest]bool{}
	for i := len(versions) - 1; i >= 0; i-- {
		d := versions[i].desc.Digest
		if !deleted[d] || said[d] {
			continue
		}
		said[d] = true
		for _, tag := range tagsOf[d] {
			if !lineTag.MatchString(tag) {
				continue
			}
			major, minor, hasMinor := strings.Cut(tag, ".")
			for _, vt := range versions { // the newest release of the line that stays
				if deleted[vt.desc.Digest] || vt.version.Prerelease() != "" ||
					strconv.FormatUint(vt.version.Major(), 10) != major ||
					hasMinor && strconv.FormatUint(vt.version.Minor(), 10) != minor {
					continue
				}
				warnings = append(warnings, fmt.Sprintf("tag %s goes with version %s, but line %s keeps %s: %s:%s will not be found until it is tagged again (pushing %s again with pkg-push --cascade moves it)",
					tag, versions[i].tag, tag, vt.tag, where, tag, vt.tag))
				break
			}
		}
	}
	return warnings
}

func sayWarnings(warn func(string, ...any), warnings []string) {
	for _, w := range warnings {
		warn("%s", w)
	}
}

// listedVersions finds the versions to delete that a tap's cached index lists, and
// returns those not yanked with a warning for each, in the taps' order, and a warning
// for each tap whose cache cannot be read. A yanked version is no longer chosen by a
// resolution, so deleting it is what yanking prepared.
func listedVersions(taps *tap.Config, repository string, digests []string) (listed []tap.Listing, warnings []string) {
	if taps == nil || len(digests) == 0 {
		return nil, nil
	}
	found, unread := taps.Listings(repository, digests)
	for _, l := range found {
		if l.Version.Yanked {
			continue
		}
		listed = append(listed, l)
		warnings = append(warnings, fmt.Sprintf("version %s of %s is listed by tap %s's index (%s) and not yanked: installs that resolve to it will fail once it is deleted; yank it in the index first: %s",
			l.Version.Version, l.Package, l.Tap.Name, l.Tap.Source, howToYank(l)))
	}
	for _, err := range unread {
		w := fmt.Sprintf("%v: whether its index lists versions this deletes is unknown", err)
		if hint := fault.HintOf(err); hint != "" {
			w += " (" + hint + ")"
		}
		warnings = append(warnings, w)
	}
	return listed, warnings
}

// howToYank is how the publisher of l's index yanks it (docs/index-format.md): in the
// entry files a local tap reads, or with `pkg-tap index add` of the package's entry
// (all of it: a version an entry carries replaces the index's, platforms and
// dependencies included, and pkg-tap show prints the entry whole).
func howToYank(l tap.Listing) string {
	if l.Tap.Local() {
		return fmt.Sprintf("set yanked: true on version %s of %s in the entry files at %s, then pkg-tap update %s (docs/index-format.md)",
			l.Version.Version, l.Package, l.Tap.Source, l.Tap.Name)
	}
	return fmt.Sprintf("pkg-tap show %s/%s -o yaml > %s.yaml, set yanked: true on version %s in it, pkg-tap index add -f %s.yaml --to %s, pkg-tap update %s (an index built with pkg-tap index build: set it in the entry file; docs/index-format.md)",
		l.Tap.Name, l.Package, l.Package, l.Version.Version, l.Package, l.Tap.Source, l.Tap.Name)
}

// describeListings names each listed version: "hello 1.0.0 (tap demo), …".
func describeListings(listed []tap.Listing) string {
	names := make([]string, len(listed))
	for i, l := range listed {
		names[i] = l.Package + " " + l.Version.Version + " (tap " + l.Tap.Name + ")"
	}
	return strings.Join(names, ", ")
}

// resolveTags resolves every tag, eight at a time. A tag removed meanwhile is left out.
func resolveTags(ctx context.Context, t *oci.Target, tags []string) (map[string]ocispec.Descriptor, error) {
	descs := make(map[string]ocispec.Descriptor, len(tags))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, tag := range tags {
		g.Go(func() error {
			desc, err := t.Resolve(gctx, tag)
			if fault.KindOf(err) == fault.NotFound {
				return nil
			}
			if err != nil {
				return err
			}
			mu.Lock()
			descs[tag] = desc
			mu.Unlock()
			return nil
		})
	}
	return descs, g.Wait()
}

func fetchIndex(ctx context.Context, t *oci.Target, desc ocispec.Descriptor) (ocispec.Index, error) {
	data, err := t.FetchManifest(ctx, desc)
	if err != nil {
		return ocispec.Index{}, err
	}
	var idx ocispec.Index
	if err := json.Unmarshal(data, &idx); err != nil {
		return idx, fault.Errorf(fault.Verify, "%s@%s: index is not valid JSON: %v", t.Where(), desc.Digest, err)
	}
	return idx, nil
}

// manifestBytes is what a manifest references: itself, its config and layers (their
// space comes back when the registry's garbage collection finds no other manifest
// using them); an index counts itself and returns its platform manifests.
func manifestBytes(ctx context.Context, t *oci.Target, desc ocispec.Descriptor) (int64, []ocispec.Descriptor, error) {
	data, err := t.FetchManifest(ctx, desc)
	if err != nil {
		return 0, nil, err
	}
	if desc.MediaType == ocispec.MediaTypeImageIndex {
		var idx ocispec.Index
		if err := json.Unmarshal(data, &idx); err != nil {
			return 0, nil, fault.Errorf(fault.Verify, "%s@%s: index is not valid JSON: %v", t.Where(), desc.Digest, err)
		}
		return desc.Size, idx.Manifests, nil
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return 0, nil, fault.Errorf(fault.Verify, "%s@%s: manifest is not valid JSON: %v", t.Where(), desc.Digest, err)
	}
	n := desc.Size + m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return n, nil, nil
}

func platformOf(d ocispec.Descriptor) string {
	if d.Platform == nil {
		return "any"
	}
	s := d.Platform.OS + "/" + d.Platform.Architecture
	if d.Platform.Variant != "" {
		s += "/" + d.Platform.Variant
	}
	return s
}
