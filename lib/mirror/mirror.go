// Package mirror copies the packages of a Lock — every platform, every blob, and the
// referrers attached to them (signatures, SBOMs), digests unchanged — to another
// registry or to ocidir:// directories, for sites without access to the original
// registries, and rewrites the Lock to point there.
package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/progress"
	"longshore.dev/lib/ref"
)

// Destination is where a mirror goes: a registry (with an optional repository prefix)
// or a directory that holds one OCI layout per repository.
type Destination struct {
	Registry string // "mirror.corp:5000"
	Prefix   string // "team/tools", or ""
	Dir      string // absolute, for ocidir://DIR
}

// ParseDestination reads --to: REGISTRY[/PREFIX] (oci:// allowed) or ocidir://DIR.
func ParseDestination(s string) (Destination, error) {
	if dir, ok := strings.CutPrefix(s, "ocidir://"); ok {
		if dir == "" {
			return Destination{}, fault.Errorf(fault.Usage, "--to %q names no directory: write ocidir://DIR", ref.Redact(s))
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return Destination{}, err
		}
		return Destination{Dir: abs}, nil
	}
	if _, has := ref.StripCredentials(s); has {
		// Said as a reference says it, never repeating them.
		reason := "credentials do not go in --to: log in with `pkg-tap login REGISTRY` or `docker login REGISTRY`"
		var syntax *ref.SyntaxError
		if _, err := ref.ParseArtifact(s); errors.As(err, &syntax) {
			reason = syntax.Reason
		}
		return Destination{}, fault.Errorf(fault.Usage, "--to %q: %s", ref.Redact(s), reason)
	}
	rest := strings.TrimPrefix(s, "oci://")
	host, prefix, _ := strings.Cut(strings.TrimSuffix(rest, "/"), "/")
	if host == "" {
		return Destination{}, fault.Errorf(fault.Usage, "--to is required: a registry (REGISTRY[/PREFIX], e.g. mirror.corp:5000/tools) or ocidir://DIR")
	}
	d := Destination{Registry: host, Prefix: prefix}
	// Check the grammar once with a repository under it.
	if _, err := ref.ParseArtifact(d.join("x")); err != nil || strings.ContainsAny(prefix, ":@") {
		return Destination{}, fault.New(fault.Usage, fmt.Errorf("--to %q is not REGISTRY[/PREFIX] or ocidir://DIR", ref.Redact(s)),
			"give a registry host and optional repository prefix, without tag, e.g. mirror.corp:5000/tools")
	}
	return d, nil
}

// fileOnPath returns dir, or the nearest of its parents that exists, when that is not
// a directory (a regular file, say); "" otherwise, and for "".
func fileOnPath(dir string) string {
	for p := dir; p != ""; p = filepath.Dir(p) {
		if st, err := os.Stat(p); err == nil {
			if st.IsDir() {
				return ""
			}
			return p
		}
		if filepath.Dir(p) == p {
			break
		}
	}
	return ""
}

func (d Destination) join(repo string) string {
	if d.Prefix != "" {
		repo = d.Prefix + "/" + repo
	}
	return d.Registry + "/" + repo
}

func (d Destination) String() string {
	if d.Dir != "" {
		return "ocidir://" + d.Dir
	}
	if d.Prefix != "" {
		return d.Registry + "/" + d.Prefix
	}
	return d.Registry
}

// Repository maps a source repository to its place in the mirror: a registry
// repository keeps its path (under the prefix), a layout keeps its directory's name.
func (d Destination) Repository(src ref.Ref) (ref.Ref, error) {
	repo := src.Repository
	if src.Kind == ref.Layout {
		repo = strings.ToLower(path.Base(filepath.ToSlash(src.Path)))
	}
	if d.Dir != "" {
		return ref.ParseArtifact("ocidir://" + filepath.Join(d.Dir, filepath.FromSlash(repo)))
	}
	return ref.ParseArtifact(d.join(repo))
}

// Options control Lock.
type Options struct {
	// From says how to reach the source registries, To the destination registry
	// (plain HTTP, TLS, credentials); To.Create and To.Repair are set here.
	From, To oci.Options
	// SkipReferrers leaves out the manifests that refer to a copied one through their
	// subject field (signatures, SBOMs, attestations). By default they are copied,
	// recursively, so that the mirror can be verified without the original registries.
	SkipReferrers bool
	// Jobs bounds how many packages copy at once; 0 means 4.
	Jobs int
	// Progress counts the bytes copied (nil: silent).
	Progress *progress.Meter
	// Logf, when set, gets one line per package.
	Logf func(format string, args ...any)
	// Warnf, when set, is told of each damaged file found in a layout destination
	// (it is copied again).
	Warnf func(format string, args ...any)
}

// Stats says what a mirror copied. Packages are counted in packages, what was copied
// in blobs and manifests: a package a registry destination already holds is not walked
// blob by blob, so "already there" is only known per package.
type Stats struct {
	Packages int // packages in the lock
	// Complete counts the packages whose root the destination already held, and so
	// everything under it (a mirror writes a manifest after what it references); in a
	// layout, each file under it was found intact too.
	Complete int
	Copied   int   // blobs and manifests copied, referrers included
	Bytes    int64 // bytes of the blobs copied
}

// Lock copies every package of lock to dest, skipping what is already there, and
// returns the lock with each repository pointing into dest. Digests do not change, so
// `pkg-pull -f` of the result installs the same bytes.
func Lock(ctx context.Context, lock *api.Lock, dest Destination, opts Options) (*api.Lock, Stats, error) {
	if opts.Jobs <= 0 {
		opts.Jobs = 4
	}
	if err := lock.Validate(); err != nil {
		return nil, Stats{}, fault.New(fault.Usage, fmt.Errorf("the lock is not valid: %w", err), "")
	}
	if file := fileOnPath(dest.Dir); file != "" {
		// Said before any source is read, and of --to: lib/oci would say it too, but
		// of the first package's layout below it, once its source was open.
		what := "is a file, not a directory"
		if file != dest.Dir {
			what += ", so no directory can be below it"
		}
		return nil, Stats{}, fault.New(fault.Usage, fmt.Errorf("--to %s: %s %s", dest, file, what),
			"ocidir://DIR names a directory, created if missing, that holds one OCI layout per repository")
	}
	out := *lock
	out.Packages = make([]api.LockedPackage, len(lock.Packages))
	copy(out.Packages, lock.Packages)
	taken := map[string]string{}
	type job struct {
		i        int
		src, dst ref.Ref
	}
	var jobs []job
	for i, p := range lock.Packages {
		src, err := ref.ParseArtifact(p.Repository)
		if err != nil {
			return nil, Stats{}, fault.New(fault.Usage, fmt.Errorf("%s: repository %q: %w", ref.Redact(p.Name), ref.Redact(p.Repository), err), "")
		}
		src = src.WithTag("")
		dst, err := dest.Repository(src)
		if err != nil {
			return nil, Stats{}, fault.New(fault.Usage, fmt.Errorf("%s: %s has no place in %s: %w", p.Name, p.Repository, dest, err), "")
		}
		if other, ok := taken[dst.Locator()]; ok && other != src.Locator() {
			return nil, Stats{}, fault.Errorf(fault.Conflict, "%s and %s would both mirror to %s", other, src.Locator(), dst.Locator())
		}
		taken[dst.Locator()] = src.Locator()
		out.Packages[i].Repository = dst.Locator()
		jobs = append(jobs, job{i, src, dst})
	}
	m := &mirror{opts: opts, targets: map[string]*oci.Target{}, dests: map[string]bool{}}
	for _, j := range jobs {
		m.dests[j.dst.Locator()] = true
	}
	defer m.close()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Jobs)
	for _, j := range jobs {
		g.Go(func() error {
			p := lock.Packages[j.i]
			if err := m.pkg(gctx, p, j.src, j.dst); err != nil {
				return fmt.Errorf("mirroring %s %s to %s: %w", p.Name, p.Version, j.dst.Locator(), err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, m.stats(len(lock.Packages)), err
	}
	return &out, m.stats(len(lock.Packages)), nil
}

type mirror struct {
	opts    Options
	targets map[string]*oci.Target
	// dests are the destinations' locators: a source that is one of them too (a
	// layout mirrored into its own directory) is opened as the destination is.
	dests    map[string]bool
	opening  sync.Mutex
	copied   atomic.Int64
	complete atomic.Int64
	bytes    atomic.Int64
}

func (m *mirror) stats(n int) Stats {
	return Stats{Packages: n, Complete: int(m.complete.Load()), Copied: int(m.copied.Load()), Bytes: m.bytes.Load()}
}

// target opens r once; a layout stays locked until close. A source is only read: its
// layout's lock is shared with installs and other mirrors from it. One that is a
// destination too is opened as that, to write: the one Target serves both, where a
// shared lock beside the exclusive one would wait for it for good.
func (m *mirror) target(ctx context.Context, r ref.Ref, create bool) (*oci.Target, error) {
	m.opening.Lock()
	defer m.opening.Unlock()
	key := r.Locator()
	if t := m.targets[key]; t != nil {
		return t, nil
	}
	opts := m.opts.From
	opts.ReadOnly = true
	if create || m.dests[key] {
		opts = m.opts.To
		opts.Create, opts.Repair = true, true
	}
	t, err := oci.Open(ctx, r, opts)
	if err != nil {
		return nil, err
	}
	for _, damaged := range t.Repaired {
		m.warnDamaged(damaged)
	}
	m.targets[key] = t
	return t, nil
}

func (m *mirror) close() {
	for _, t := range m.targets {
		t.Close()
	}
}

func (m *mirror) pkg(ctx context.Context, p api.LockedPackage, srcRef, dstRef ref.Ref) error {
	d, err := digest.Parse(p.Digest)
	if err != nil {
		return fault.Errorf(fault.Usage, "digest %q: %v", p.Digest, err)
	}
	src, err := m.target(ctx, srcRef, false)
	if err != nil {
		return err
	}
	dst, err := m.target(ctx, dstRef, true)
	if err != nil {
		return err
	}
	root, err := src.Resolve(ctx, d.String())
	if err != nil {
		return err
	}
	if root.Digest != d {
		return fault.Errorf(fault.Verify, "%s answered %s for %s", src.Where(), root.Digest, d)
	}
	there, err := m.manifest(ctx, src, dst, root)
	if err != nil {
		return err
	}
	if there {
		m.complete.Add(1)
	}
	// A tag for people and other tools; installs go by digest.
	tag := strings.ReplaceAll(p.Version, "+", "_")
	if ref.ValidTag(tag) {
		if cur, err := dst.Resolve(ctx, tag); err != nil || cur.Digest != root.Digest {
			if err := dst.Tag(ctx, root, tag); err != nil {
				return err
			}
		}
	}
	if m.opts.Logf != nil {
		m.opts.Logf("Mirrored %s %s to %s@%s", p.Name, p.Version, dst.Where(), root.Digest)
	}
	return nil
}

// manifest copies a manifest or index and everything under it, children first, so
// that whatever the destination holds is complete. there is true when the destination
// held desc and everything under it already.
//
// A registry that holds a manifest is trusted to hold what is under it: it checked
// every digest when they were pushed, so the manifest is only searched for referrers
// the source has gained since. A layout is walked whole, each file checked against its
// digest (oci.Target.Intact): a file in a directory can be cut short or changed
// later, and a damaged one is copied again.
func (m *mirror) manifest(ctx context.Context, src, dst *oci.Target, desc ocispec.Descriptor) (there bool, err error) {
	there, err = m.intact(ctx, dst, desc)
	if err != nil {
		return false, err
	}
	if there && dst.Ref.Kind != ref.Layout {
		if m.opts.SkipReferrers {
			// Read back all the same: this HEAD alone would let the whole package be
			// skipped, and one small GET tells a registry that only says it holds it.
			_, err := heldManifest(ctx, dst, desc)
			return err == nil, err
		}
		return true, m.presentReferrers(ctx, src, dst, desc)
	}
	from := src
	if there {
		from = dst // checked: read what is there, not the source
	}
	data, err := from.FetchManifest(ctx, desc)
	if err != nil {
		return false, err
	}
	node, err := parseNode(from, desc, data)
	if err != nil {
		return false, err
	}
	if node.MediaType != "" {
		desc.MediaType = node.MediaType
	}
	whole := there
	for _, child := range node.Manifests {
		ok, err := m.manifest(ctx, src, dst, child)
		if err != nil {
			return false, err
		}
		whole = whole && ok
	}
	for _, b := range node.blobs() {
		ok, err := m.blob(ctx, src, dst, b)
		if err != nil {
			return false, err
		}
		whole = whole && ok
	}
	if !there {
		uploaded, err := dst.Push(ctx, desc, strings.NewReader(string(data)))
		if err != nil {
			return false, err
		}
		if uploaded {
			m.copied.Add(1)
		}
	}
	return whole, m.referrers(ctx, src, dst, desc)
}

// intact reports whether dst holds desc whole; a damaged file in a layout is reported
// to Warnf and counts as missing, to be copied again.
func (m *mirror) intact(ctx context.Context, dst *oci.Target, desc ocispec.Descriptor) (bool, error) {
	ok, err := dst.Intact(ctx, desc)
	var damaged *oci.DamagedError
	if errors.As(err, &damaged) {
		m.warnDamaged(damaged)
		return false, nil
	}
	return ok, err
}

func (m *mirror) warnDamaged(damaged *oci.DamagedError) {
	if m.opts.Warnf != nil {
		m.opts.Warnf("%v: copying it again", damaged)
	}
}

// presentReferrers walks a manifest the destination already holds (and so every
// manifest under it) for referrers it lacks.
func (m *mirror) presentReferrers(ctx context.Context, src, dst *oci.Target, desc ocispec.Descriptor) error {
	data, err := heldManifest(ctx, dst, desc)
	if err != nil {
		return err
	}
	node, err := parseNode(dst, desc, data)
	if err != nil {
		return err
	}
	for _, child := range node.Manifests {
		if err := m.presentReferrers(ctx, src, dst, child); err != nil {
			return err
		}
	}
	return m.referrers(ctx, src, dst, desc)
}

// heldManifest reads a manifest a registry destination answered HEAD for. A registry
// whose HEAD answers from state its storage no longer backs (a cache that outlived a
// purge, a proxy in front of the wrong backend) then says not found, or sends other
// bytes: said as what it is, not as a manifest the lock names that does not exist.
func heldManifest(ctx context.Context, dst *oci.Target, desc ocispec.Descriptor) ([]byte, error) {
	data, err := dst.FetchManifest(ctx, desc)
	if kind := fault.KindOf(err); kind == fault.NotFound || kind == fault.Verify {
		return nil, fault.New(fault.Verify,
			fmt.Errorf("%s answers that it holds %s (HEAD), but does not serve it (GET): %w", dst.Where(), desc.Digest, err),
			"the destination registry contradicts itself: have its operator check its storage and caches, or mirror to another repository")
	}
	return data, err
}

// referrers copies the manifests whose subject is desc, each with its own referrers.
// They are pushed after their subject, as registries that index referrers expect.
func (m *mirror) referrers(ctx context.Context, src, dst *oci.Target, desc ocispec.Descriptor) error {
	if m.opts.SkipReferrers {
		return nil
	}
	refs, err := src.Referrers(ctx, desc)
	if err != nil {
		return err
	}
	for _, r := range refs {
		if _, err := m.manifest(ctx, src, dst, r); err != nil {
			return fmt.Errorf("referrer %s of %s: %w", r.Digest, desc.Digest, err)
		}
	}
	return nil
}

// node is what the copy needs of a manifest, an index, or an artifact manifest.
type node struct {
	MediaType string               `json:"mediaType"`
	Config    *ocispec.Descriptor  `json:"config"`
	Layers    []ocispec.Descriptor `json:"layers"`
	Blobs     []ocispec.Descriptor `json:"blobs"` // artifact manifests (OCI 1.1 rc)
	Manifests []ocispec.Descriptor `json:"manifests"`
}

func parseNode(from *oci.Target, desc ocispec.Descriptor, data []byte) (node, error) {
	var n node
	if err := json.Unmarshal(data, &n); err != nil {
		return n, fault.Errorf(fault.Verify, "%s@%s is not valid JSON: %v", from.Where(), desc.Digest, err)
	}
	return n, nil
}

// blobs lists the config first, then the layers.
func (n node) blobs() []ocispec.Descriptor {
	var out []ocispec.Descriptor
	if n.Config != nil {
		out = append(out, *n.Config)
	}
	return append(append(out, n.Layers...), n.Blobs...)
}

// blob copies a config or layer unless dst holds it whole (there). A copy the
// destination fails for a moment is made again, from the source (PushBlob).
func (m *mirror) blob(ctx context.Context, src, dst *oci.Target, desc ocispec.Descriptor) (there bool, err error) {
	if ok, err := m.intact(ctx, dst, desc); err != nil || ok {
		return ok, err
	}
	try, finished := m.opts.Progress.Retried(desc.Size)
	uploaded, err := dst.PushBlob(ctx, desc, func() (io.Reader, func(), error) {
		rc, err := src.FetchBlob(ctx, desc)
		if err != nil {
			return nil, nil, err
		}
		return &countingReader{rc, try()}, func() { finished(); rc.Close() }, nil
	})
	if uploaded {
		m.copied.Add(1)
		m.bytes.Add(desc.Size)
	}
	return false, err
}

type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	w interface{ Write([]byte) (int, error) }
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.w.Write(p[:n])
	}
	return n, err
}
