package gc

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
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
	// KeepLast is how many of the newest versions to keep (at least 1).
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

// Remote deletes from a repository every version but the newest KeepLast, by digest.
// Line tags (X and X.Y, as pkg-push --cascade moves them) go with the version they
// point at; any other tag that is not a version (latest, stable, …) keeps its
// manifest, and so does every manifest a kept index lists. An index is deleted before
// its platform manifests, so nothing kept ever points at something deleted. The report
// is the plan; with DryRun nothing is deleted.
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
	keep := map[digest.Digest]string{}
	var newest []string
	for i, vt := range versions {
		if i >= opts.KeepLast {
			break
		}
		newest = append(newest, vt.tag)
		if _, ok := keep[vt.desc.Digest]; !ok {
			keep[vt.desc.Digest] = "version " + vt.tag
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
			keep[d] = "tag " + tag
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
				keep[m.Digest] = "listed by the index of " + keep[d]
			}
		}
	}

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
	for i := len(versions) - 1; i >= opts.KeepLast; i-- {
		vt := versions[i]
		d := vt.desc.Digest
		if why, ok := keep[d]; ok {
			if !strings.HasPrefix(why, "version ") {
				report.Warnings = append(report.Warnings, fmt.Sprintf("version %s is older than the newest %d, but %s points at it: kept", vt.tag, opts.KeepLast, why))
			}
			continue
		}
		if seen[d] {
			continue
		}
		seen[d] = true
		deletedTags += len(tagsOf[d])
		reason := fmt.Sprintf("version %s is older than the newest %d (%s)", vt.tag, opts.KeepLast, strings.Join(newest, ", "))
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
			cb, _, err := manifestBytes(ctx, t, child)
			if err != nil {
				return nil, err
			}
			plan = append(plan, planned{
				item: api.GCItem{Kind: api.GCManifest, Digest: child.Digest.String(), Version: vt.version.String(), Bytes: cb,
					Reason: fmt.Sprintf("a platform manifest (%s) of version %s's index, which no kept index lists", platformOf(child), vt.tag)},
				desc: child,
			})
		}
	}
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
	progress("Deleting %s from %s, keeping %s:", manifests, t.Where(), strings.Join(newest, ", "))
	for _, p := range plan {
		progress("  %s %s (%s)", p.item.Digest, p.item.Version, p.item.Reason)
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
