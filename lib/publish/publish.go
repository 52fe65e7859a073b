// Package publish builds a package directory into its OCI artifact and pushes it:
// reproducibly (the same inputs give the same digests anywhere), uploading only what
// the target lacks.
package publish

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"longshore.dev/lib/api"
	"longshore.dev/lib/archive"
	"longshore.dev/lib/artifact"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/progress"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/version"
)

// Options control Build and Push.
type Options struct {
	// Platforms limits the push to these platform keys of package.yaml (all when empty).
	Platforms []string
	// Created is the fixed creation time; zero means "find it": SOURCE_DATE_EPOCH, else
	// the time of the last git commit touching the package directory, else the epoch.
	Created time.Time
	// Getenv reads SOURCE_DATE_EPOCH.
	Getenv func(string) string
	// TempDir holds packed layers until they are uploaded ("" = os.TempDir()).
	TempDir string
	// CacheDir keeps packed layers between pushes, keyed by the digest of their tar
	// stream, so that content packed before is not compressed again (cache.go);
	// "" disables it. DefaultCacheDir is the usual place.
	CacheDir string
	// Compression of the layers; empty means archive.DefaultCompression.
	Compression archive.Compression
	// Layout is the directory of the ocidir:// layout the artifact is pushed to, if
	// any. When it lies inside a content directory it is left out of that content
	// (Artifact.LeftOut says so): packing it would pack every earlier push.
	Layout string
	// Debugf hears, for each layer, whether it came from the layer cache or was packed,
	// and how long that took (pkg-push -v). nil says nothing.
	Debugf func(format string, args ...any)
}

func (o Options) debugf(format string, args ...any) {
	if o.Debugf != nil {
		o.Debugf(format, args...)
	}
}

// Artifact is a built package: every blob, ready to push.
type Artifact struct {
	Package  *pkgspec.Package
	Root     artifact.Blob // the index, or the single manifest for "any"
	Blobs    []ocispec.Descriptor
	files    map[digest.Digest]string // packed layers on disk
	small    map[digest.Digest][]byte // configs and platform manifests
	Manifest []api.Platform
	// LeftOut are the paths (relative to the package directory, slash-separated) left
	// out of the content because they hold Options.Layout.
	LeftOut []string
	// Revision is the git commit the org.opencontainers.image.revision annotation
	// names: the last commit touching the package directory, or "" for none.
	Revision string
	// Uncommitted are the files (relative to the package directory, slash-separated)
	// whose changes since the last commit the artifact holds: modified, added,
	// deleted or untracked files it packs, package.yaml and .pkgignore; and the
	// empty directories it packs, which git cannot hold, with a trailing slash. When
	// there are any, the artifact names no revision.
	Uncommitted []string
	// Untracked are the files of Uncommitted that git does not track: new files,
	// source to add or build outputs to list in .gitignore.
	Untracked []string
	// Shallow is set when a shallow clone may have given the artifact another creation
	// time or revision than a full clone gives, and so another digest (nil otherwise).
	Shallow *ShallowClone
	tempDir string
}

// ShallowClone says why a build in a shallow clone is uncertain: the last commit git
// finds touching the package directory is one where the clone's history is cut off,
// and git sees such a commit as adding every file, whether it touched the directory or
// not. When an older commit was the last to touch it, a full clone dates the artifact
// and names its revision by that one: another digest for the same content, which a
// push of the same version then refuses.
type ShallowClone struct {
	Commit   string // the commit found, a boundary of the shallow clone
	Created  bool   // the creation time is Commit's (SOURCE_DATE_EPOCH is not set)
	Revision bool   // the revision annotation names Commit
}

// Close removes the packed layers.
func (a *Artifact) Close() error {
	if a.tempDir != "" {
		return os.RemoveAll(a.tempDir)
	}
	return nil
}

// Build packs dir's content for each platform and builds manifests (and an index when
// the package is platform-specific). Nothing leaves the machine.
func Build(dir string, p *pkgspec.Package, opts Options) (*Artifact, error) {
	platforms, err := selectPlatforms(p, opts.Platforms)
	if err != nil {
		return nil, err
	}
	created, revision := opts.Created, ""
	var src source
	if created.IsZero() {
		if src, err = readSource(dir, opts.Getenv); err != nil {
			return nil, err
		}
		created, revision = src.created, src.revision
	}
	tmp, err := os.MkdirTemp(opts.TempDir, "longshore-push-")
	if err != nil {
		return nil, err
	}
	a := &Artifact{Package: p, files: map[digest.Digest]string{}, small: map[digest.Digest][]byte{}, tempDir: tmp}
	if opts.Compression == "" {
		opts.Compression = archive.DefaultCompression
	}
	cache := newLayerCache(opts.CacheDir, opts.Compression)
	if cache == nil {
		opts.debugf("no layer cache: every layer is packed again")
	}
	ignore, err := pkgspec.LoadIgnore(dir)
	if err != nil {
		a.Close()
		return nil, fault.New(fault.Usage, err, "")
	}
	// Every platform's content and what packing it leaves out, before packing any: the
	// revision annotation depends on whether any of it has uncommitted changes.
	contents := make([]platformContent, len(platforms))
	for i, platform := range platforms {
		content := filepath.Join(dir, filepath.FromSlash(p.Spec.Platforms[platform]))
		st, err := os.Stat(content)
		if err != nil || !st.IsDir() {
			a.Close()
			return nil, fault.Errorf(fault.Usage, "spec.platforms[%q]: content directory %s does not exist", platform, content)
		}
		skip, err := a.skipFor(content, dir, ignore, opts.Layout)
		if err != nil {
			a.Close()
			return nil, err
		}
		contents[i] = platformContent{platform: platform, dir: content, skip: skip}
	}
	if revision != "" {
		if a.Uncommitted, a.Untracked = uncommitted(dir, contents); len(a.Uncommitted) > 0 {
			// The annotation says "built from this commit", and consumers follow it to
			// the source. With uncommitted changes packed, no commit holds this
			// content: a wrong revision is worse than none, and keeping it would not
			// make the artifact reproducible from that commit either (its digest
			// differs from any build of it). The caller warns (Artifact.Uncommitted).
			revision = ""
		}
	}
	a.Revision = revision
	if src.cutOff && (src.dated || revision != "") {
		a.Shallow = &ShallowClone{Commit: src.revision, Created: src.dated, Revision: revision != ""}
	}
	annotations := artifact.Annotations(p, created, revision)
	var manifests []ocispec.Descriptor
	for _, pc := range contents {
		platform, content := pc.platform, pc.dir
		start := time.Now()
		layer, cached, err := a.pack(content, created, opts.Compression, cache, pc.skip)
		if err != nil {
			a.Close()
			return nil, fmt.Errorf("packing %s for %s: %w", content, platform, err)
		}
		took := time.Since(start).Round(time.Millisecond)
		switch {
		case cached:
			opts.debugf("layer of %s for %s: from the layer cache (%s, %s) in %s", content, platform, layer.Digest, progress.Bytes(layer.Size), took)
		case cache != nil:
			opts.debugf("layer of %s for %s: packed (%s, %s) in %s; the layer cache (%s) had none", content, platform, layer.Digest, progress.Bytes(layer.Size), took, cache.dir)
		default:
			opts.debugf("layer of %s for %s: packed (%s, %s) in %s", content, platform, layer.Digest, progress.Bytes(layer.Size), took)
		}
		config, err := artifact.ConfigBlob(artifact.NewConfig(p, platform))
		if err != nil {
			a.Close()
			return nil, err
		}
		a.small[config.Desc.Digest] = config.Data
		m, err := artifact.Manifest(config.Desc, []ocispec.Descriptor{layer}, annotations)
		if err != nil {
			a.Close()
			return nil, err
		}
		a.small[m.Desc.Digest] = m.Data
		a.Blobs = append(a.Blobs, layer, config.Desc)
		a.Manifest = append(a.Manifest, api.Platform{Platform: platform, Digest: m.Desc.Digest.String()})
		desc := m.Desc
		desc.ArtifactType = artifact.ArtifactType
		if platform != pkgspec.AnyPlatform {
			if desc.Platform, err = artifact.ParsePlatform(platform); err != nil {
				a.Close()
				return nil, fault.New(fault.Usage, err, "")
			}
		}
		manifests = append(manifests, desc)
	}
	if len(platforms) == 1 && platforms[0] == pkgspec.AnyPlatform {
		a.Root = artifact.Blob{Desc: manifests[0], Data: a.small[manifests[0].Digest]}
		a.Root.Desc.ArtifactType = ""
		return a, nil
	}
	idx, err := artifact.Index(manifests, annotations)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Root = idx
	a.Blobs = append(a.Blobs, manifests...)
	return a, nil
}

func selectPlatforms(p *pkgspec.Package, want []string) ([]string, error) {
	all := p.PlatformKeys()
	if slices.Contains(all, pkgspec.AnyPlatform) && len(all) > 1 {
		return nil, fault.Errorf(fault.Usage, "spec.platforms mixes %q with specific platforms %v: use one or the other", pkgspec.AnyPlatform, all)
	}
	if len(want) == 0 {
		return all, nil
	}
	var out []string
	for _, w := range want {
		if !slices.Contains(all, w) {
			return nil, fault.Errorf(fault.Usage, "--platform %s: package.yaml has no such platform (it has: %s)", w, strings.Join(all, ", "))
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return out, nil
}

// skipFor says what packing content leaves out: what .pkgignore (and its fixed rules)
// excludes and, when the layout being pushed to lies inside content, the layout.
func (a *Artifact) skipFor(content, pkgDir string, ignore *pkgspec.Ignore, layout string) (func(rel string, isDir bool) bool, error) {
	contentRel, err := filepath.Rel(pkgDir, content)
	if err != nil {
		return nil, err
	}
	contentRel = filepath.ToSlash(contentRel)
	ignored := func(rel string, isDir bool) bool { return ignore.Excluded(contentRel, rel, isDir) }
	if layout == "" {
		return ignored, nil
	}
	leftOut, err := layoutInContent(content, layout, ignored)
	if leftOut == "" || err != nil {
		return ignored, err
	}
	if p := path.Join(contentRel, leftOut); !slices.Contains(a.LeftOut, p) {
		a.LeftOut = append(a.LeftOut, p)
	}
	return func(rel string, isDir bool) bool { return under(rel, leftOut) || ignored(rel, isDir) }, nil
}

// pack writes content as a layer file in the temp dir and returns its descriptor. With
// a cache, the tar stream is hashed first (a tenth of the cost of compressing it) and a
// layer packed from the same stream before is reused; otherwise the stream is packed
// again, hashing it as it goes for the cache entry. The second walk re-reads the tree
// rather than trusting the first: the entry is keyed by the stream that was compressed.
func (a *Artifact) pack(content string, created time.Time, compression archive.Compression, cache *layerCache, skip func(rel string, isDir bool) bool) (desc ocispec.Descriptor, cached bool, err error) {
	mediaType := artifact.LayerMediaType(compression)
	opts := archive.PackOptions{ModTime: created, Compression: compression, Skip: skip}
	if cache != nil {
		tar := digest.SHA256.Digester()
		if _, err := archive.Tar(content, tar.Hash(), opts); err != nil {
			return ocispec.Descriptor{}, false, err
		}
		if e, path, ok := cache.get(tar.Digest(), a.tempDir); ok {
			a.files[e.Layer] = path
			return ocispec.Descriptor{MediaType: mediaType, Digest: e.Layer, Size: e.Size}, true, nil
		}
	}
	f, err := os.CreateTemp(a.tempDir, "layer-")
	if err != nil {
		return ocispec.Descriptor{}, false, err
	}
	defer f.Close()
	// The layer is hashed and written by the compressor's writer goroutine while the
	// tar stream is hashed by this one and compressed on every core.
	layer, tar := digest.SHA256.Digester(), digest.SHA256.Digester()
	counter := &countWriter{}
	z := archive.NewCompressor(io.MultiWriter(f, layer.Hash(), counter), compression)
	_, err = archive.Tar(content, io.MultiWriter(z, tar.Hash()), opts)
	if cerr := z.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return ocispec.Descriptor{}, false, err
	}
	if err := f.Close(); err != nil {
		return ocispec.Descriptor{}, false, err
	}
	d := layer.Digest()
	a.files[d] = f.Name()
	if cache != nil {
		_ = cache.put(tar.Digest(), d, counter.n, f.Name()) // a cache that cannot be written only costs time
	}
	return ocispec.Descriptor{MediaType: mediaType, Digest: d, Size: counter.n}, false, nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// Result says what a push did.
type Result struct {
	Published *api.Published
	Uploaded  int   // blobs and manifests sent
	Skipped   int   // already in the target
	Bytes     int64 // bytes sent
	Unchanged bool  // the version tag already pointed at this digest
	// Replaced are the floating tags Force moved off something other than this
	// package, each with what it held.
	Replaced []string
	// AlreadyTagged are the floating tags of Published.Tags that pointed here before
	// (Plan.Already): a re-push with Cascade moved nothing.
	AlreadyTagged []string
	// SamePrecedence are the version tags Force published beside (Plan.SamePrecedence).
	SamePrecedence []string
	// Settled are the floating tags Push moved again after moving them, because
	// another push of the package ran at the same time (settleFloating). A tag moved
	// on to a higher version is no longer in Published.Tags.
	Settled []TagMove
	// Other is what the repository held, when Force published beside something other
	// than this package (Plan.Other).
	Other string
}

// PushOptions control Push.
type PushOptions struct {
	// Force pushes to a repository that holds another package (or something else),
	// moves the version tag even when it points at different content, publishes
	// beside versions that differ only in build metadata, and with Cascade moves the
	// floating tags even when they hold something other than this package.
	Force bool
	// Cascade also moves X.Y, X and latest when this version is the highest at that level.
	Cascade bool
	// Progress shows upload progress (nil: silent).
	Progress *progress.Meter

	// afterTags runs after Push moved the floating tags, before it checks them again
	// (tests: another push's tags landing in between).
	afterTags func()
}

// Plan is what Push does at a target, found by reading it.
type Plan struct {
	// Tags are the tags Push points at the artifact: the version tag, then the floating
	// tags that move (Cascade).
	Tags []string
	// Unchanged: the version tag already points at the artifact; nothing is uploaded.
	Unchanged bool
	// Replaced are the floating tags Force moves off something other than this package,
	// each with what it holds.
	Replaced []string
	// Already are the floating tags among Tags that point at the artifact already: Push
	// leaves them as they are.
	Already []string
	// SamePrecedence are the version tags Force publishes beside: versions that differ
	// from this one only in build metadata (1.2.0_build.7 beside 1.2.0).
	SamePrecedence []string
	// Other is what Force publishes beside when the repository holds something other
	// than this package: its newest version tag and what that holds ("1.1.0 holds
	// package greet 1.1.0"); "" when it holds this package or nothing.
	Other string
}

// takenHint is the advice when a's version tag holds different content. A build in a
// shallow clone may differ from a full clone's in its creation time and revision
// alone: then the content may well be the same, and fetching the history mends it.
func takenHint(a *Artifact) string {
	const usual = "publish a new version, or pass --force to move the tag"
	if a.Shallow == nil {
		return usual
	}
	return fmt.Sprintf("this push was built in a shallow clone, and %s, the last commit it finds touching the package, is where its history is cut off: "+
		"the version may have been published from a full clone, which finds an older commit and so another creation time and revision. "+
		"Fetch the whole history (fetch-depth: 0 in actions/checkout, or git fetch --unshallow) and push again; if the content did change, %s",
		shortCommit(a.Shallow.Commit), usual)
}

// shortCommit is a commit's name as git log --oneline shows it, near enough.
func shortCommit(commit string) string { return commit[:min(len(commit), 12)] }

// Check reads t and says what Push would do there, or refuses as Push would: when the
// repository's newest version is another package's or not a package at all (a
// repository holds one package), when the version tag points at different content,
// when the repository has a version that differs from this one only in build metadata,
// or (Cascade) when a floating tag holds anything but a version of this package (a tap
// index, another package), unless Force. It writes nothing, so a dry run can call it.
// A nil t is a repository that does not exist yet.
func Check(ctx context.Context, t *oci.Target, a *Artifact, opts PushOptions) (*Plan, error) {
	tag := ref.TagForVersion(a.Package.Metadata.Version)
	plan := &Plan{Tags: []string{tag}}
	var existing []string
	var taken error // the version tag holds different content
	if t != nil {
		desc, err := t.Resolve(ctx, tag)
		switch {
		case err == nil && desc.Digest == a.Root.Desc.Digest:
			plan.Unchanged = true
		case err == nil:
			taken = fault.New(fault.Conflict,
				fmt.Errorf("%s:%s already exists with different content (%s, this push is %s)", t.Where(), tag, desc.Digest, a.Root.Desc.Digest),
				takenHint(a))
		case fault.KindOf(err) != fault.NotFound:
			return nil, err
		}
		// An unchanged re-push publishes no new version, so only the others list tags.
		if !plan.Unchanged || opts.Cascade {
			if existing, err = t.Tags(ctx); err != nil && fault.KindOf(err) != fault.NotFound {
				return nil, err
			}
		}
	}
	held := holdings{}
	if !plan.Unchanged {
		// Another package's repository first: its version tags are not this package's
		// versions, so "publish a new version" would be the wrong advice.
		other, err := otherOccupant(ctx, t, a, existing, opts.Force, held)
		if err != nil {
			return nil, err
		}
		plan.Other = other
		if taken != nil && !opts.Force {
			return nil, taken
		}
		same, err := samePrecedence(a.Package.Metadata.Version, existing)
		if err != nil {
			return nil, err
		}
		if len(same) > 0 && !opts.Force {
			return nil, samePrecedenceConflict(t.Where(), a.Package.Metadata.Version, same)
		}
		plan.SamePrecedence = same
	}
	if !opts.Cascade {
		return plan, nil
	}
	candidates, err := CascadeTags(a.Package.Metadata.Version, existing)
	if err != nil {
		return nil, err
	}
	move, already, replaced, err := floating(ctx, t, a, candidates, existing, opts, held)
	if err != nil {
		return nil, err
	}
	plan.Tags = append(plan.Tags, move...)
	plan.Replaced, plan.Already = replaced, already
	return plan, nil
}

// samePrecedence returns the tags among existing that hold a version of the same
// precedence as v but other build metadata (1.2.0_build.7 for 1.2.0+build.8, or for
// 1.2.0), sorted. SemVer ignores build metadata when it orders versions, so a
// consumer asking for 1.2.0 could be given either: one version must have one content,
// as with the version tag itself (cargo refuses such a publish too).
func samePrecedence(v string, existing []string) ([]string, error) {
	this, err := version.Parse(v)
	if err != nil {
		return nil, fault.New(fault.Usage, err, "")
	}
	var same []string
	for _, tag := range existing {
		other, err := version.FromTag(tag)
		if err != nil || tag == this.Tag() || other.ComparePrecedence(this) != 0 {
			continue // not a version ("1.2", "latest"), or this version's own tag
		}
		same = append(same, tag)
	}
	slices.Sort(same)
	return same, nil
}

func samePrecedenceConflict(where, v string, same []string) error {
	held := make([]string, len(same))
	for i, tag := range same {
		held[i] = fmt.Sprintf("%s:%s (version %s)", where, tag, strings.ReplaceAll(tag, "_", "+"))
	}
	next := "a higher version"
	if sv, err := semver.StrictNewVersion(v); err == nil && sv.Prerelease() == "" {
		next = sv.IncPatch().String()
	}
	return fault.New(fault.Conflict,
		fmt.Errorf("%s is already published as %s: versions that differ only in build metadata have the same precedence, so consumers cannot tell them apart; nothing was pushed",
			v, strings.Join(held, ", ")),
		fmt.Sprintf("bump the version (e.g. %s) in package.yaml, or pass --force to publish it beside the existing one", next))
}

// Push uploads a (what the target lacks, blobs concurrently), then tags the root with
// the version and, with Cascade, moves the floating tags. It checks first (Check) and
// refuses before uploading anything.
func Push(ctx context.Context, t *oci.Target, a *Artifact, opts PushOptions) (*Result, error) {
	plan, err := Check(ctx, t, a, opts)
	if err != nil {
		return nil, err
	}
	return push(ctx, t, a, plan, opts)
}

// push carries out plan, which Check made for a at t. (Tests check two pushes before
// either pushes, as two publishers running at once do.)
func push(ctx context.Context, t *oci.Target, a *Artifact, plan *Plan, opts PushOptions) (*Result, error) {
	res := &Result{Published: a.publishedAt(t.Ref.Locator(), plan.Tags), Unchanged: plan.Unchanged, Replaced: plan.Replaced,
		AlreadyTagged: plan.Already, SamePrecedence: plan.SamePrecedence, Other: plan.Other}
	if plan.Unchanged {
		res.Skipped = len(a.Blobs) + 1
	} else if err := a.upload(ctx, t, opts, res); err != nil {
		return nil, err
	}
	// The version tag first, so a reader of "latest" never finds a version that is not
	// also reachable by its own tag.
	for _, tag := range plan.Tags {
		if plan.Unchanged && tag == plan.Tags[0] || slices.Contains(plan.Already, tag) {
			continue
		}
		if err := t.Tag(ctx, a.Root.Desc, tag); err != nil {
			return nil, err
		}
	}
	if opts.afterTags != nil {
		opts.afterTags()
	}
	// Another push of this package may have listed the tags before this one tagged,
	// and moved the same floating tags: check them again, now that both have tagged.
	settled, err := settleFloating(ctx, t, a, plan.Tags[1:])
	if err != nil {
		m := a.Package.Metadata
		return nil, fmt.Errorf("pushed %s %s to %s:%s, then checking its floating tags again: %w", m.Name, m.Version, t.Where(), plan.Tags[0], err)
	}
	res.Settled = settled
	res.Published.Tags = slices.DeleteFunc(res.Published.Tags, func(tag string) bool {
		return slices.ContainsFunc(settled, func(m TagMove) bool { return m.Tag == tag && m.To != a.Package.Metadata.Version })
	})
	return res, nil
}

// upload sends the blobs and manifests t lacks.
func (a *Artifact) upload(ctx context.Context, t *oci.Target, opts PushOptions, res *Result) error {
	// Layers and configs first (concurrently), then platform manifests, then the root:
	// a registry never holds a manifest whose blobs are missing.
	var blobs, manifests []ocispec.Descriptor
	for _, d := range a.Blobs {
		if d.MediaType == ocispec.MediaTypeImageManifest {
			manifests = append(manifests, d)
		} else {
			blobs = append(blobs, d)
		}
	}
	results := make([]bool, len(blobs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, d := range blobs {
		g.Go(func() error {
			var err error
			results[i], err = t.PushBlob(gctx, d, a.source(d, opts.Progress))
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, up := range results {
		res.count(up, blobs[i].Size)
	}
	for _, d := range append(manifests, a.Root.Desc) {
		r, closeFn, err := a.open(d)
		if err != nil {
			return err
		}
		up, err := t.Push(ctx, d, r)
		closeFn()
		if err != nil {
			return err
		}
		res.count(up, d.Size)
	}
	return nil
}

func (r *Result) count(uploaded bool, size int64) {
	if uploaded {
		r.Uploaded++
		r.Bytes += size
	} else {
		r.Skipped++
	}
}

// source opens blob d for each try of its upload (a registry that fails one for a
// moment gets it again from the packed file), counting its bytes on meter.
func (a *Artifact) source(d ocispec.Descriptor, meter *progress.Meter) oci.BlobSource {
	try, finished := meter.Retried(d.Size)
	return func() (io.Reader, func(), error) {
		r, closeFn, err := a.open(d)
		if err != nil {
			return nil, nil, err
		}
		return io.TeeReader(r, try()), func() { finished(); closeFn() }, nil
	}
}

func (a *Artifact) open(d ocispec.Descriptor) (io.Reader, func(), error) {
	if d.Digest == a.Root.Desc.Digest {
		return strings.NewReader(string(a.Root.Data)), func() {}, nil
	}
	if data, ok := a.small[d.Digest]; ok {
		return strings.NewReader(string(data)), func() {}, nil
	}
	f, err := os.Open(a.files[d.Digest])
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

// Published describes a as it will be at target t with the tags of plan; a nil plan is
// the version tag alone. A dry run prints it.
func (a *Artifact) Published(t ref.Ref, plan *Plan) *api.Published {
	tags := []string{ref.TagForVersion(a.Package.Metadata.Version)}
	if plan != nil {
		tags = plan.Tags
	}
	return a.publishedAt(t.Locator(), tags)
}

func (a *Artifact) publishedAt(repository string, tags []string) *api.Published {
	p := api.NewPublished()
	m := a.Package.Metadata
	p.Name, p.Version, p.Repository = m.Name, m.Version, repository
	p.Digest, p.MediaType = a.Root.Desc.Digest.String(), a.Root.Desc.MediaType
	p.Tags = slices.Clone(tags)
	p.Platforms = a.Manifest
	p.Description, p.Keywords, p.Dependencies = m.Description, m.Keywords, a.Package.Spec.Dependencies
	p.Homepage, p.License = m.Homepage, m.License
	return p
}
