package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"longshore.dev/lib/api"
	"longshore.dev/lib/archive"
	"longshore.dev/lib/artifact"
	"longshore.dev/lib/envcomp"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/internal/diskio"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/progress"
	"longshore.dev/lib/ref"
)

// maxConfigBytes bounds the config blob, which is small metadata.
const maxConfigBytes = 1 << 20

// DefaultJobs bounds how many packages, and how many layers, download at once.
const DefaultJobs = 4

// HostPlatform is the platform this binary runs on, as os/arch.
func HostPlatform() string { return runtime.GOOS + "/" + runtime.GOARCH }

// Package is one package of a set to install: where it lives, which version, and how
// it relates to the other packages of the set.
type Package struct {
	// Name is the set's name for the package (a Lock's package name): Dependencies and
	// Patches use it. The record takes the package's own name from its config.
	Name string
	// Version is what the set expects; the config must say the same. "" accepts any.
	Version string
	// Tap is the tap the package was resolved through, if any.
	Tap string
	// Repository is where the package lives; its tag and digest are ignored.
	Repository ref.Ref
	// Tag is the tag the root was resolved from, kept in the record's Source.
	Tag string
	// Root is the version's root: its manifest, or its index. Digest is required;
	// MediaType and Size when known.
	Root ocispec.Descriptor
	// Platforms lists the platform manifests when the set knows them (a Lock does):
	// then the index need not be fetched.
	Platforms []api.Platform
	// Reason is api.ReasonExplicit, ReasonDependency or ReasonPatch.
	Reason string
	// Constraint is the version constraint an explicit package was asked for ("" for
	// any); it replaces the recorded one. A package that is not explicit in this set
	// keeps what its record holds.
	Constraint string
	// Dependencies and Patches name other packages of the set.
	Dependencies, Patches []string
	// Edges says Dependencies and Patches are known (the set is a Lock): they replace
	// what installed.yaml holds. Without them, reinstalling the same content keeps the
	// recorded edges and new content records none. A Lock pins every manifest by
	// digest, so one the registry lacks was deleted since: the error says so
	// (versionGone).
	Edges bool
	// Target is an open target for Repository; nil opens one.
	Target *oci.Target
	// RootData is the root's bytes when the caller has them already (it resolved a tag
	// with one GET); they are used only if they hash to Root.Digest.
	RootData []byte
}

func (p *Package) label() string {
	name := p.Name
	if name == "" {
		name = p.Repository.Locator()
	}
	if p.Version != "" {
		return name + " " + p.Version
	}
	return name
}

// InstallOptions control Install and InstallSet.
type InstallOptions struct {
	Platform string // os/arch[/variant]; "" = the host's
	Reason   string // Install only: api.ReasonExplicit, …
	Limits   archive.Limits
	// Progress shows download progress (nil: silent).
	Progress *progress.Meter
	// Registry says how to reach registries.
	Registry oci.Options
	// Offline allows no registry request: only the store (and local layouts) serve,
	// and what is missing is named in the error.
	Offline bool
	// Jobs bounds concurrent package and layer downloads; 0 is DefaultJobs.
	Jobs int
	// Logf, when set, gets one line per package: installed, or already there; and one
	// when the install waits for a collection (pkg-gc) to release the store lock.
	Logf func(format string, args ...any)
	// OverwriteBin replaces a file or symlink in bin/ that the store did not make
	// where an entry point of the set goes (pkg-pull --force). Without it such an
	// entry is a conflict, and nothing of the set is recorded or linked: it is the
	// user's, and a rename over it would lose it.
	OverwriteBin bool
}

// Install fetches the package root from t (a manifest, or an index from which the
// platform's manifest is chosen), verifies and extracts it in one streaming pass into a
// staging directory, moves it into place, records it and links its entrypoints.
func (s *Store) Install(ctx context.Context, t *oci.Target, root ocispec.Descriptor, opts InstallOptions) (*api.Installed, error) {
	reason := opts.Reason
	if reason == "" {
		reason = api.ReasonExplicit
	}
	out, err := s.InstallSet(ctx, []Package{{Repository: t.Ref, Tag: t.Ref.Tag, Root: root, Reason: reason, Target: t}}, opts)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// InstallSet installs pkgs as one change. Every package is fetched, verified and
// extracted first — concurrently, at most Jobs at a time, each tree appearing under
// pkgs/ only once complete — and only when all are there are they recorded in
// installed.yaml and their entry points linked, in the order given (a Lock's order).
// A failure records nothing; trees already extracted stay for the next attempt (or
// pkg-gc). The result is the records, in pkgs' order, with absolute paths.
func (s *Store) InstallSet(ctx context.Context, pkgs []Package, opts InstallOptions) ([]*api.Installed, error) {
	if opts.Platform == "" {
		opts.Platform = HostPlatform()
	}
	if opts.Limits == (archive.Limits{}) {
		opts.Limits = archive.DefaultLimits
	}
	if opts.Jobs <= 0 {
		opts.Jobs = DefaultJobs
	}
	release, err := s.LockShared(ctx, func() {
		if opts.Logf != nil {
			opts.Logf("Waiting for pkg-gc, which holds %s, to finish…", s.StoreLockPath())
		}
	})
	if err != nil {
		return nil, fmt.Errorf("taking the store lock: %w", err)
	}
	defer release()
	s.sweepStaging()

	in := &installer{s: s, opts: opts, targets: map[string]*openTarget{}, layerSlots: make(chan struct{}, opts.Jobs)}
	defer in.close()
	preps := make([]*prepared, len(pkgs))
	errs := make([]error, len(pkgs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Jobs)
	for i := range pkgs {
		g.Go(func() error {
			preps[i], errs[i] = in.prepare(gctx, &pkgs[i])
			if errs[i] != nil && !isMissing(errs[i]) {
				return errs[i]
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := firstError(ctx, errs); err != nil {
		return nil, err
	}
	// What moved into pkgs/ and store/ is on the disk before a record names it.
	for _, p := range preps {
		if p.wrote {
			if err := syncRenames(filepath.Join(s.Home, "pkgs", "sha256"), filepath.Join(s.Home, "store", "blobs", "sha256")); err != nil {
				return nil, storageError("writing "+s.Home+" to the disk", err)
			}
			break
		}
	}
	out, prev, err := s.commit(preps, opts.OverwriteBin)
	if err != nil {
		return nil, err
	}
	if opts.Logf != nil {
		for i, p := range preps {
			switch was := prev[i]; {
			case was != nil && was.Digest != out[i].Digest:
				// A tree already in the store still changes what is installed.
				opts.Logf("Installed %s %s (%s), was %s", p.config.Name, p.config.Version, p.platform, was.Version)
			case p.built || was == nil:
				// A tree kept in the store since a remove is installed again all the same.
				opts.Logf("Installed %s %s (%s)", p.config.Name, p.config.Version, p.platform)
			default:
				opts.Logf("Up to date: %s %s (%s)", p.config.Name, p.config.Version, p.platform)
			}
		}
	}
	return out, nil
}

// syncDisk and syncRenames make what was written durable (a test watches when).
var (
	syncDisk    = diskio.Sync
	syncRenames = diskio.SyncRenames
)

// firstError returns the error of the first package that failed; when every failure
// is something missing from the store offline, one error names them all.
func firstError(ctx context.Context, errs []error) error {
	var missing []string
	for _, err := range errs {
		var m *missingError
		switch {
		case err == nil:
		case errors.As(err, &m):
			missing = append(missing, m.what)
		default:
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(missing) == 0 {
		return nil
	}
	return fault.New(fault.NotFound,
		fmt.Errorf("offline, and the store lacks what is needed:\n  %s", strings.Join(missing, "\n  ")),
		"run without --offline to download it; `pkg-pull mirror` can copy packages to a local ocidir:// directory for offline use")
}

// missingError is content an offline install needs and the store does not have.
type missingError struct{ what string }

func (e *missingError) Error() string { return "offline: the store lacks " + e.what }

func isMissing(err error) bool {
	var m *missingError
	return errors.As(err, &m)
}

// installer is the state one InstallSet shares among its goroutines.
type installer struct {
	s          *Store
	opts       InstallOptions
	mu         sync.Mutex
	targets    map[string]*openTarget
	layerSlots chan struct{}
}

type openTarget struct {
	once sync.Once
	t    *oci.Target
	own  bool
	err  error
}

// target opens p's repository once per set (a local layout is locked while open).
func (in *installer) target(ctx context.Context, p *Package, what string) (*oci.Target, error) {
	if p.Target != nil {
		return p.Target, nil
	}
	if in.opts.Offline && p.Repository.Kind == ref.Remote {
		return nil, &missingError{what}
	}
	key := p.Repository.Locator()
	in.mu.Lock()
	ot := in.targets[key]
	if ot == nil {
		ot = &openTarget{}
		in.targets[key] = ot
	}
	in.mu.Unlock()
	ot.once.Do(func() {
		// An install only reads its source: a layout's lock is shared with the other
		// installs from it, and with a resolve.
		opts := in.opts.Registry
		opts.ReadOnly = true
		ot.t, ot.err = oci.Open(ctx, p.Repository, opts)
		ot.own = ot.err == nil
	})
	return ot.t, ot.err
}

func (in *installer) close() {
	for _, ot := range in.targets {
		if ot.own {
			ot.t.Close()
		}
	}
}

// prepared is a package whose tree is in place and whose metadata is read.
type prepared struct {
	pkg      *Package
	manifest ocispec.Descriptor
	platform string
	index    digest.Digest // the root, when it is an index
	config   artifact.Config
	built    bool // the tree was not there: it was extracted
	wrote    bool // the tree or a blob was moved into the store
}

// prepare makes sure p's tree for the platform is under pkgs/ and its manifest and
// config are in the store, fetching only what the store lacks.
func (in *installer) prepare(ctx context.Context, p *Package) (*prepared, error) {
	s := in.s
	if err := p.Root.Digest.Validate(); err != nil {
		return nil, fault.Errorf(fault.Usage, "%s: digest %q: %v", p.label(), p.Root.Digest, err)
	}
	st := &staging{s: s}
	defer st.done()
	pr := &prepared{pkg: p}
	var err error
	if pr.manifest, pr.platform, err = in.chooseManifest(ctx, p, st); err != nil {
		return nil, err
	}
	if pr.manifest.Digest != p.Root.Digest {
		pr.index = p.Root.Digest
	}
	where := p.Repository.Locator() + "@" + pr.manifest.Digest.String()
	data, err := in.blob(ctx, p, pr.manifest, st, true, "the manifest of "+p.label()+" ("+pr.platform+")")
	if err != nil {
		return nil, err
	}
	manifest, err := artifact.DecodeManifest(data, where)
	if err != nil {
		return nil, err
	}
	if manifest.Config.Size > maxConfigBytes {
		return nil, fault.Errorf(fault.Verify, "%s: config is %d bytes, over the %d-byte limit", where, manifest.Config.Size, maxConfigBytes)
	}
	// The config says who the package is (checked against what the set expects) and, for
	// a single manifest, its platform.
	readConfig := func(ctx context.Context) error {
		configData, err := in.blob(ctx, p, manifest.Config, st, false, "the config of "+p.label())
		if err != nil {
			return err
		}
		if err := json.Unmarshal(configData, &pr.config); err != nil {
			return fault.Errorf(fault.Verify, "%s: config blob is not valid JSON: %v", where, err)
		}
		if err := pr.check(where); err != nil {
			return err
		}
		if pr.index == "" {
			pr.platform = orAny(pr.config.Platform)
			if pr.platform != "any" && !platformMatches(in.opts.Platform, pr.platform) {
				return fault.New(fault.NotFound,
					fmt.Errorf("%s has no %s build; it has: %s", where, in.opts.Platform, pr.platform),
					"pick one with --platform")
			}
		}
		// installed.yaml records it, and refuses on reading what CheckPlatform refuses:
		// a variant from a hostile index or config (linux/amd64/<escape>) that matched.
		if err := api.CheckPlatform(pr.platform); err != nil {
			return fault.Errorf(fault.Verify, "%s: %v", where, err)
		}
		return nil
	}
	tree := s.TreePath(pr.manifest.Digest)
	if exists(tree) {
		if err := readConfig(ctx); err != nil {
			return nil, err
		}
	} else {
		// The config (to check), the index (to keep) and the layers download at once: on
		// a distant registry, round trips are what an install costs. The first failure
		// cancels the others and is the one reported, and the tree is moved into place
		// only once the config passed: a package that is not what the set expects, or
		// not for this platform, leaves nothing behind.
		var place func() error
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() error { return readConfig(gctx) })
		g.Go(func() error { return in.keepIndex(gctx, p, pr, st) })
		g.Go(func() error {
			var err error
			place, err = in.extract(gctx, p, manifest, tree, st)
			return err
		})
		if err := g.Wait(); err != nil {
			return nil, err
		}
		if err := place(); err != nil {
			return nil, err
		}
		pr.built = true
	}
	// The manifest and config go in last: a blob in the store never names a tree that
	// is not there yet.
	wrote, err := st.commitBlobs()
	if err != nil {
		return nil, err
	}
	pr.wrote = pr.built || wrote
	return pr, nil
}

// keepIndex stores the root index of a package installed from a Lock. The Lock names
// the platform manifest, so choosing it did not need the index; but without it in the
// store, `pkg-pull REF@INDEX --offline` could not find the package later. It is fetched
// only along with a tree's download — an install that finds everything in place makes
// no request — and offline it is left out, as it is not needed to install.
func (in *installer) keepIndex(ctx context.Context, p *Package, pr *prepared, st *staging) error {
	if pr.index == "" || len(p.Platforms) == 0 {
		return nil
	}
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageIndex, Digest: p.Root.Digest, Size: p.Root.Size}
	data, err := in.blob(ctx, p, desc, st, true, "the index of "+p.label())
	if isMissing(err) {
		return nil
	}
	if err != nil {
		return err
	}
	// The Lock's root and platform digests must agree: a manifest the root does not
	// list for that platform is not the version the Lock names, whatever its config says.
	idx, err := artifact.DecodeIndex(data, p.Repository.Locator()+"@"+p.Root.Digest.String())
	if err != nil {
		return err
	}
	for _, m := range idx.Manifests {
		if m.Digest == pr.manifest.Digest && artifact.PlatformString(m.Platform) == pr.platform {
			return nil
		}
	}
	return fault.New(fault.Verify,
		fmt.Errorf("%s: the lock names manifest %s for %s, which its root index %s does not list for that platform", p.label(), pr.manifest.Digest, pr.platform, p.Root.Digest),
		"nothing was installed: the lock was edited by hand or is not what pkg-dep resolve wrote; resolve it again, or check it with `pkg-dep validate -f LOCK --remote`")
}

func (pr *prepared) check(where string) error {
	p, c := pr.pkg, pr.config
	if c.Name == "" || c.Version == "" {
		return fault.Errorf(fault.Verify, "%s: config names no package name or version", where)
	}
	if err := checkConfig(c); err != nil {
		return fault.New(fault.Verify, fmt.Errorf("%s: %w", where, err),
			"the package was refused and nothing was installed: pkg-push lint refuses this too, so it was published with --skip-lint or by another tool; ask its publisher for a version that fixes it")
	}
	if p.Version != "" && p.Version != c.Version {
		return fault.Errorf(fault.Verify, "%s: expected %s %s, but the content is %s %s", where, p.Name, p.Version, c.Name, c.Version)
	}
	if p.Tap != "" && p.Name != "" && p.Name != c.Name {
		return fault.Errorf(fault.Verify, "%s: expected package %s, but the content is %s %s", where, p.Name, c.Name, c.Version)
	}
	return nil
}

// checkConfig refuses what the store would write into a path or a record from the
// config, and what pkg-pull env would print as shell syntax: the name and version
// (installed.yaml, patches/NAME.json), entry points (links in bin/) and env names;
// and env values composition could never use (envcomp.CheckValue), which would
// otherwise fail every env and exec.
// lint checks all of them, but a publisher can skip lint or build the config itself.
func checkConfig(c artifact.Config) error {
	if !pkgspec.ValidName(c.Name) {
		return fmt.Errorf("config names the package %q, which is not a package name (lowercase letters, digits, '.', '_' and '-')", c.Name)
	}
	if !pkgspec.ValidVersion(c.Version) {
		return fmt.Errorf("%s: config's version %q is not a semantic version", c.Name, c.Version)
	}
	for i, b := range c.Bin {
		if !entryPointInside(b) {
			return fmt.Errorf("%s %s: bin[%d] %q is not a path inside the package: entry points are linked into bin/ by their last name", c.Name, c.Version, i, b)
		}
		if pkgspec.ReservedBinName(path.Base(b)) {
			return fmt.Errorf("%s %s: bin[%d] %q would be linked as bin/%s, and names beginning %s there are the store's own", c.Name, c.Version, i, b, path.Base(b), pkgspec.ReservedBinPrefix)
		}
	}
	for i, e := range c.Env {
		if !pkgspec.ValidEnvName(e.Name) {
			return fmt.Errorf("%s %s: env[%d].name %q is not an environment variable name (letters, digits and '_', not starting with a digit)", c.Name, c.Version, i, e.Name)
		}
		if err := envcomp.CheckValue(e.Value); err != nil {
			return fmt.Errorf("%s %s: env[%d] (%s): %w", c.Name, c.Version, i, e.Name, err)
		}
	}
	return nil
}

// entryPointInside reports whether b names a file inside a package tree whose last
// name can be a link in bin/: not absolute, not climbing out, no backslash, and not
// ending in . or .. (bin/.. would be the home itself).
func entryPointInside(b string) bool {
	base := path.Base(b)
	return filepath.IsLocal(filepath.FromSlash(b)) && !strings.Contains(b, "\\") && base != "." && base != ".."
}

func orAny(platform string) string {
	if platform == "" {
		return "any"
	}
	return platform
}

// chooseManifest returns the descriptor of p's manifest for the platform: from the
// set's list of platforms when it has one, else from the root (an index is read from
// the store or fetched).
func (in *installer) chooseManifest(ctx context.Context, p *Package, st *staging) (ocispec.Descriptor, string, error) {
	want := in.opts.Platform
	if len(p.Platforms) > 0 {
		var have []string
		for _, pl := range p.Platforms {
			have = append(have, pl.Platform)
		}
		pl, ok := PickPlatform(p.Platforms, want)
		if !ok {
			slices.Sort(have)
			return ocispec.Descriptor{}, "", fault.New(fault.NotFound,
				fmt.Errorf("%s has no %s build; it has: %s", p.label(), want, strings.Join(have, ", ")),
				"pick one with --platform")
		}
		d, err := digest.Parse(pl.Digest)
		if err != nil {
			return ocispec.Descriptor{}, "", fault.Errorf(fault.Usage, "%s: platform %s: digest %q: %v", p.label(), pl.Platform, pl.Digest, err)
		}
		return ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: d}, pl.Platform, nil
	}
	root := p.Root
	data, err := in.blob(ctx, p, root, st, true, "the root of "+p.label()+" ("+root.Digest.String()+")")
	if err != nil {
		return root, "", err
	}
	var probe struct {
		MediaType string `json:"mediaType"`
		Manifests []any  `json:"manifests"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return root, "", fault.Errorf(fault.Verify, "%s@%s is not valid JSON: %v", p.Repository.Locator(), root.Digest, err)
	}
	mediaType := probe.MediaType
	if mediaType == "" && root.MediaType != "" && root.MediaType != "application/octet-stream" {
		mediaType = root.MediaType
	}
	switch {
	case mediaType == ocispec.MediaTypeImageManifest:
		return ocispec.Descriptor{MediaType: mediaType, Digest: root.Digest, Size: int64(len(data))}, "", nil
	case mediaType == ocispec.MediaTypeImageIndex || (mediaType == "" && probe.Manifests != nil):
	default:
		return root, "", fault.Errorf(fault.Verify, "%s@%s has media type %q: not a package manifest or index", p.Repository.Locator(), root.Digest, mediaType)
	}
	idx, err := artifact.DecodeIndex(data, p.Repository.Locator())
	if err != nil {
		return root, "", err
	}
	var have []string
	for _, m := range idx.Manifests {
		pl := artifact.PlatformString(m.Platform)
		have = append(have, pl)
		if platformMatches(want, pl) {
			return m, pl, nil
		}
	}
	for _, m := range idx.Manifests {
		if m.Platform == nil {
			return m, "any", nil
		}
	}
	slices.Sort(have)
	return root, "", fault.New(fault.NotFound,
		fmt.Errorf("%s@%s has no %s build; it has: %s", p.Repository.Locator(), root.Digest, want, strings.Join(have, ", ")),
		"pick one with --platform")
}

// PickPlatform is the manifest of list an install for platform want takes: the exact
// platform, then a variant of it, then "any".
func PickPlatform(list []api.Platform, want string) (api.Platform, bool) {
	for _, pl := range list {
		if pl.Platform == want {
			return pl, true
		}
	}
	for _, pl := range list {
		if platformMatches(want, pl.Platform) {
			return pl, true
		}
	}
	for _, pl := range list {
		if pl.Platform == "any" {
			return pl, true
		}
	}
	return api.Platform{}, false
}

// blob returns a small blob (a manifest, an index, a config): the store's copy when it
// has an intact one (everything is addressed by digest), else fetched, verified and
// staged for the store.
func (in *installer) blob(ctx context.Context, p *Package, desc ocispec.Descriptor, st *staging, manifest bool, what string) ([]byte, error) {
	if data, ok := st.kept(desc.Digest); ok {
		// Fetched already in this install: a root that is a manifest is also the
		// platform's manifest.
		return data, nil
	}
	if desc.Digest == p.Root.Digest && p.RootData != nil && digest.FromBytes(p.RootData) == desc.Digest {
		st.keep(desc.Digest, p.RootData)
		return p.RootData, nil
	}
	if data, err := os.ReadFile(in.s.BlobPath(desc.Digest)); err == nil && digest.FromBytes(data) == desc.Digest {
		return data, nil
	}
	t, err := in.target(ctx, p, what)
	if err != nil {
		return nil, err
	}
	var data []byte
	switch {
	case manifest && desc.Size == 0:
		// Known by digest only (a Lock's platform manifest): one request fetches it.
		_, data, err = t.FetchManifestDigest(ctx, desc.Digest)
	case manifest:
		data, err = t.FetchManifest(ctx, desc)
	default:
		if desc.Size > maxConfigBytes {
			return nil, fault.Errorf(fault.Verify, "%s@%s is %d bytes, over the %d-byte limit", t.Where(), desc.Digest, desc.Size, maxConfigBytes)
		}
		var rc io.ReadCloser
		if rc, err = t.FetchBlob(ctx, desc); err == nil {
			data, err = io.ReadAll(rc)
			rc.Close()
		}
	}
	if err != nil {
		return nil, versionGone(p, err)
	}
	st.keep(desc.Digest, data)
	return data, nil
}

// versionGone says what a registry's "not found" most likely means for a package of a
// Lock, and what to do. A Lock names every manifest by digest, taken from an index (or
// a resolution) earlier: the registry had it then, so it was deleted since, as pkg-gc
// remote deletes old versions, and the index or the Lock is out of date. A package
// installed from a tag gets no such hint: its tag was just resolved, and a missing tag
// is explained where it is resolved (with the versions the repository has).
func versionGone(p *Package, err error) error {
	if !p.Edges || fault.KindOf(err) != fault.NotFound || fault.HintOf(err) != "" {
		return err
	}
	if p.Repository.Kind == ref.Layout {
		// Most often a mirror carried to an offline site in part: no registry or tap
		// index is involved, and the fix is on the side that made the copy.
		return fault.Hinted(err, "the layout lacks it (a mirror copied in part, or the version deleted from it): copy the mirror again, whole, from where it was made, or resolve a version the layout has")
	}
	return fault.Hinted(err, "the registry no longer has this version (deleted, e.g. by pkg-gc remote); pkg-tap update refreshes the index, and pkg-dep resolve picks a version that exists")
}

// platformMatches accepts an exact os/arch[/variant] match, or any variant when want
// names none (linux/arm64 takes linux/arm64/v8).
func platformMatches(want, have string) bool {
	if want == have {
		return true
	}
	return strings.Count(want, "/") == 1 && strings.HasPrefix(have, want+"/")
}

// staging is one package's staging directory under tmp/, made on first use, and the
// small blobs waiting to enter the store. The config and index are fetched while the
// layers download, so its methods are safe to call at once.
type staging struct {
	s     *Store
	mu    sync.Mutex
	dir   string
	clean func()
	blobs []stagedBlob
}

type stagedBlob struct {
	d    digest.Digest
	data []byte
}

func (st *staging) path() (string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.pathLocked()
}

func (st *staging) pathLocked() (string, error) {
	if st.dir == "" {
		dir, clean, err := st.s.newStaging()
		if err != nil {
			return "", err
		}
		st.dir, st.clean = dir, clean
	}
	return st.dir, nil
}

func (st *staging) keep(d digest.Digest, data []byte) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.blobs = append(st.blobs, stagedBlob{d, data})
}

// kept returns a blob kept for the store in this install (verified when it was fetched).
func (st *staging) kept(d digest.Digest) ([]byte, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, b := range st.blobs {
		if b.d == d {
			return b.data, true
		}
	}
	return nil, false
}

// commitBlobs writes the kept blobs into the store, each by rename from the staging
// directory so a reader never sees part of one, and says whether it wrote any.
func (st *staging) commitBlobs() (wrote bool, err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for i, b := range st.blobs {
		final := st.s.BlobPath(b.d)
		if exists(final) {
			continue
		}
		dir, err := st.pathLocked()
		if err != nil {
			return wrote, err
		}
		tmp := filepath.Join(dir, fmt.Sprintf("small-%d", i))
		if err := os.WriteFile(tmp, b.data, 0o444); err != nil {
			return wrote, storageError("writing "+final, err)
		}
		if err := os.Rename(tmp, final); err != nil {
			return wrote, storageError("writing "+final, err)
		}
		wrote = true
	}
	return wrote, nil
}

func (st *staging) done() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.clean != nil {
		st.clean()
	}
}
