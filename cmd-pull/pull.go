package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/plan"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/store"
	"longshore.dev/lib/stream"
	"longshore.dev/lib/version"
)

type pullOptions struct {
	install installFlags
	files   cli.FileFlags
	output  *cli.OutputFlags
}

func newPullCmd() *cli.Command {
	o := &pullOptions{output: cli.NewOutputFlags()}
	return &cli.Command{
		Short: "install exactly what a lock or references say",
		Use:   "REF... | -f LOCK",
		Long: `Installs packages into the local store ($LONGSHORE_HOME, default ~/.longshore)
exactly as given, with no version resolution: every package of a Lock (what pkg-dep
resolve prints) by repository and digest, in the lock's order, with the lock's
dependency and patch edges and reasons; or each REF as it is (its dependencies are not
installed: pkg-pull add resolves them).

Every blob is downloaded once, verified against its digest and extracted in the same
pass into a staging directory; a tree appears under pkgs/ only once complete, and the
whole set is recorded in installed.yaml only once every package is there, so a failed
or interrupted pull never leaves a half package that a later command trusts. Packages
and layers download in parallel (--concurrency). Entry points are linked into
$LONGSHORE_HOME/bin. What the store already has is not downloaded again.

After a lock is installed, a dependency no installed package needs any more (the
new version of what needed it does not) is removed, as brew's autoremove does; its
files stay until pkg-gc. A patch companion that an earlier lock installed and this one
no longer has (a site rule changed) stays installed, and every install warns, naming
it and the 'pkg-pull remove' that takes it out. Installing references (REF…) removes
nothing: a reference records no dependencies.

REF is REGISTRY/REPO[:TAG|@DIGEST] or ocidir://PATH[:TAG|@DIGEST]; without a tag or
digest, "latest" is used. With both, the digest is installed, and installed.yaml keeps
the tag only when it names that digest (a warning says when it does not).

-f reads Lock documents, Published documents (pkg-push -o yaml) and Installed
documents (pkg-pull list -o yaml, of this home or another): those install every
package again at the digest it had there, with its reason, constraint and edges, so
that another machine reproduces the set; on another platform each package's build for
this one is taken from its index. A Lock, and the lock the Installed documents make,
is checked first as 'pkg-dep validate' checks it, and one it refuses is refused.`,
		Example: `# install what a lock pins
pkg-dep resolve hello | {prog} -f -
{prog} -f tools.lock.yaml

# the packages of one machine on another, at the same versions and digests
pkg-pull list -o yaml > installed.yaml
{prog} -f installed.yaml

# one version from a registry, or from a local OCI layout
{prog} localhost:5000/demo/hello:1.0.0
{prog} ocidir://./registry/hello:1.0.0

# from a mirror, with no network at all
{prog} -f mirrored.lock.yaml --offline`,
		Flags: func(fs *pflag.FlagSet) {
			o.files.AddTo(fs)
			o.output.AddTo(fs)
			o.install.addTo(fs)
		},
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			return runPull(ctx, env, o, args)
		},
	}
}

func runPull(ctx context.Context, env *cli.Env, o *pullOptions, args []string) error {
	format, err := o.output.Format(env)
	if err != nil {
		return err
	}
	if len(args) == 0 && len(o.files.Paths) == 0 {
		return cli.Usagef("nothing to install: give a reference (REGISTRY/REPO:TAG or ocidir://PATH:TAG) or -f LOCK")
	}
	refs, err := parseRefs(args)
	if err != nil {
		return err
	}
	docs, err := o.files.Read(env, api.Kinds)
	if err != nil {
		return err
	}
	if err := stream.Unknown(docs, "Lock", "Installed", "Published"); err != nil {
		return fault.New(fault.Usage, err, "pkg-pull -f reads Lock documents (pkg-dep resolve), Installed documents (pkg-pull list -o yaml) and Published documents (pkg-push -o yaml)")
	}
	if len(refs) == 0 && len(docs) == 0 {
		// Installing nothing and exiting 0 would hide the failure of what was meant to
		// write the input: `pkg-dep resolve nosuch | pkg-pull -f -` succeeds in a pipeline
		// without pipefail.
		return fault.New(fault.Usage, fmt.Errorf("nothing to install: -f %s holds no Lock, Installed or Published document", strings.Join(o.files.Paths, ", -f ")),
			"is it the output of a command that failed? pkg-dep resolve writes a Lock, pkg-pull list -o yaml Installed documents, pkg-push -o yaml a Published document")
	}
	for _, d := range docs {
		if lock, ok := d.Value.(*api.Lock); ok {
			if err := checkLock(env, lock, d.Source, "nothing was installed"); err != nil {
				return err
			}
		}
	}
	restored, err := restoreLock(env, docs)
	if err != nil {
		return err
	}
	opts, closeMeter, err := o.install.options(env)
	if err != nil {
		return err
	}
	defer closeMeter()
	s, err := openStore(env)
	if err != nil {
		return err
	}
	var locks []*api.Lock
	var sources []string
	var direct []store.Package
	for _, d := range docs {
		switch v := d.Value.(type) {
		case *api.Lock:
			v.NormalizeRepositories(d.Source)
			locks, sources = append(locks, v), append(sources, d.Source)
		case *api.Published:
			p, err := publishedPackage(v, d.Source)
			if err != nil {
				return err
			}
			direct = append(direct, p)
		}
	}
	var targets []*oci.Target
	defer func() {
		for _, t := range targets {
			t.Close()
		}
	}()
	for _, r := range refs {
		p, t, err := refPackage(ctx, s, r, opts, env.Warnf)
		if t != nil {
			targets = append(targets, t)
		}
		if err != nil {
			return err
		}
		direct = append(direct, p)
	}
	out, err := installLocks(ctx, s, locks, sources, opts)
	if err != nil {
		return err
	}
	if restored != nil {
		pkgs, err := restorePackages(restored, docs, opts.Platform)
		if err != nil {
			return err
		}
		recs, err := s.InstallSet(ctx, pkgs, opts)
		if err != nil {
			return err
		}
		out = append(out, recs...)
	}
	if len(direct) > 0 {
		recs, err := s.InstallSet(ctx, direct, opts)
		if err != nil {
			return err
		}
		out = append(out, recs...)
		warnUnresolved(env, s, recs)
	}
	closeMeter()
	if len(direct) == 0 {
		tidy(ctx, env, s)
	} else {
		// A reference records no dependencies: what it needs is unknown here, so
		// nothing is taken for unneeded (warnUnresolved named what to add).
		warnUnneeded(env, s)
	}
	return printInstalled(env, format, out)
}

// restoreLock is the Lock that installs the Installed documents among docs again
// (pkg-pull list -o yaml, of this home or another: plan.Restore), checked as a lock
// read from a file is; nil when there are none. They are one set, whichever files
// they came from, as the records of one home are.
func restoreLock(env *cli.Env, docs []stream.Doc) (*api.Lock, error) {
	var records []*api.Installed
	var where []string
	for _, d := range docs {
		if inst, ok := d.Value.(*api.Installed); ok {
			records, where = append(records, inst), append(where, d.Source)
		}
	}
	if len(records) == 0 {
		return nil, nil
	}
	lock, skipped, err := plan.Restore(records, where)
	if err != nil {
		return nil, err
	}
	for _, inst := range skipped {
		env.Warnf("%s %s is a patch companion no package of the Installed documents needs any more: not installed (`pkg-dep patch sync` adds it again if a rule still wants it)", inst.Name, inst.Version)
	}
	if err := checkLock(env, lock, "the Installed documents ("+where[0]+"…)", "nothing was installed"); err != nil {
		return nil, err
	}
	return lock, nil
}

// restorePackages are the packages of a lock Restore made, to install as one set. A
// record names the platform manifest installed where it was made: when that does not
// suit this install's platform (another machine's records) and the version has an
// index, the platform is chosen from the index as for a reference, and a version with
// no build for it is an error naming the builds it has. A reference's tag is kept as
// the record had it, so that `pkg-pull REF:TAG --offline` finds the package here too.
func restorePackages(lock *api.Lock, docs []stream.Doc, platform string) ([]store.Package, error) {
	pkgs, err := lockPackages(lock, "the Installed documents")
	if err != nil {
		return nil, err
	}
	if platform == "" {
		platform = store.HostPlatform()
	}
	tags := map[string]string{}
	for _, d := range docs {
		if inst, ok := d.Value.(*api.Installed); ok {
			if r, err := ref.ParseArtifact(inst.Source); err == nil && r.Tag != "" && r.Digest != "" {
				tags[r.Locator()+"@"+r.Digest] = r.Tag
			}
		}
	}
	for i := range pkgs {
		p := &pkgs[i]
		p.Tag = tags[p.Repository.Locator()+"@"+p.Root.Digest.String()]
		if _, ok := store.PickPlatform(p.Platforms, platform); !ok && p.Platforms[0].Digest != p.Root.Digest.String() {
			p.Platforms = nil
		}
	}
	return pkgs, nil
}

// checkLock refuses a lock that pkg-dep validate refuses, with its messages and exit
// code, before anything is installed: a hand-edited lock (a companion no package
// lists among its patches, an order that installs a package before its dependency)
// would otherwise be installed as it stands and recorded so.
// undone says what did not happen ("nothing was installed").
func checkLock(env *cli.Env, lock *api.Lock, source, undone string) error {
	problems := plan.Check(lock)
	if len(problems) == 0 {
		return nil
	}
	for _, p := range problems {
		fmt.Fprintf(env.Stderr, "  - %s\n", cli.PrintableLines(fmt.Sprint(p)))
	}
	return fault.New(fault.Verify, fmt.Errorf("%s: the lock is not valid: %d problem(s), listed above; %s", source, len(problems), undone),
		"resolve it again with `pkg-dep resolve -f LOCK` rather than editing it by hand (`pkg-dep validate -f LOCK` checks it)")
}

func parseRefs(args []string) ([]ref.Ref, error) {
	var refs []ref.Ref
	for _, a := range args {
		r, err := ref.ParseArtifact(a)
		if err != nil {
			hint := ""
			if p, perr := ref.Parse(a); perr == nil && p.Kind == ref.Package {
				hint = "to install a package by name through taps, use `pkg-pull add NAME`"
			}
			return nil, fault.New(fault.Usage, err, hint)
		}
		if r.Reference() == "" {
			r = r.WithTag("latest")
		}
		if r.Kind == ref.Layout && !filepath.IsAbs(r.Path) {
			// The record keeps the source; a relative path would mean another layout
			// from another directory.
			abs, err := filepath.Abs(r.Path)
			if err != nil {
				return nil, err
			}
			r.Path = abs
		}
		refs = append(refs, r)
	}
	return refs, nil
}

func publishedPackage(p *api.Published, source string) (store.Package, error) {
	r, err := ref.ParseArtifact(p.Repository)
	if err != nil {
		return store.Package{}, fault.New(fault.Usage, fmt.Errorf("%s: repository: %w", source, err), "")
	}
	d, err := digest.Parse(p.Digest)
	if err != nil {
		return store.Package{}, fault.Errorf(fault.Usage, "%s: digest %q: %v", source, p.Digest, err)
	}
	return store.Package{
		Name:       p.Name,
		Version:    p.Version,
		Repository: r.WithTag(""),
		Root:       ocispec.Descriptor{MediaType: p.MediaType, Digest: d},
		Platforms:  p.Platforms,
		Reason:     api.ReasonExplicit,
	}, nil
}

// refPackage resolves r's tag (a registry request, or offline the record of an
// earlier install from that tag) into the package to install. A reference with a
// digest installs that digest, whatever its tag says (as docker and crane do).
func refPackage(ctx context.Context, s *store.Store, r ref.Ref, opts store.InstallOptions, warn func(string, ...any)) (store.Package, *oci.Target, error) {
	p := store.Package{Repository: r.WithTag(""), Tag: r.Tag, Reason: api.ReasonExplicit}
	if r.Digest != "" {
		d, err := digest.Parse(r.Digest)
		if err != nil {
			return p, nil, fault.Errorf(fault.Usage, "%s: digest: %v", r, err)
		}
		p.Root = ocispec.Descriptor{Digest: d}
		if r.Tag != "" {
			if why := tagMismatch(ctx, s, r, d, opts); why != "" {
				warn("%s; installing %s by its digest, recorded without the tag", why, r)
				p.Tag = ""
			}
		}
		return p, nil, nil
	}
	if opts.Offline && r.Kind == ref.Remote {
		d, err := offlineTag(s, r)
		p.Root = ocispec.Descriptor{Digest: d}
		return p, nil, err
	}
	// Read only, and installed from: the install reads it through this Target, beside
	// other installs and resolves reading the layout.
	readOpts := opts.Registry
	readOpts.ReadOnly = true
	t, err := oci.Open(ctx, r, readOpts)
	if err != nil {
		return p, nil, err
	}
	var root ocispec.Descriptor
	if _, known := offlineTag(s, r); known == nil {
		// Installed from this tag before: most likely it still names what is installed,
		// and a HEAD says so without fetching anything.
		root, err = t.Resolve(ctx, r.Reference())
	} else {
		// A first install needs the root's bytes anyway: one GET, not a HEAD and a GET.
		root, p.RootData, err = t.FetchManifestRef(ctx, r.Reference())
	}
	if err != nil {
		if fault.KindOf(err) == fault.NotFound {
			return p, t, fault.New(fault.NotFound, err, missingTagHint(ctx, t, r))
		}
		return p, t, err
	}
	p.Root, p.Target = root, t
	return p, t, nil
}

// tagMismatch says why r's tag does not name digest d, or "" when it does. The record
// keeps the tag only then: --offline installs of that tag (offlineTag) and whoever reads
// installed.yaml take the tag in a source to name its digest. Offline, a registry's tag
// is checked against the records of earlier installs; a layout's is read as ever.
func tagMismatch(ctx context.Context, s *store.Store, r ref.Ref, d digest.Digest, opts store.InstallOptions) string {
	tagged := r.WithTag(r.Tag)
	var got digest.Digest
	if opts.Offline && r.Kind == ref.Remote {
		var err error
		if got, err = offlineTag(s, tagged); err != nil {
			return fmt.Sprintf("offline, tag %s of %s cannot be checked against %s", r.Tag, r.Locator(), d)
		}
	} else {
		readOpts := opts.Registry
		readOpts.ReadOnly = true // the tag is only read
		t, err := oci.Open(ctx, tagged, readOpts)
		if err == nil {
			defer t.Close()
			var desc ocispec.Descriptor
			desc, err = t.Resolve(ctx, r.Tag)
			got = desc.Digest
		}
		switch {
		case fault.KindOf(err) == fault.NotFound:
			return fmt.Sprintf("%s has no tag %s", r.Locator(), r.Tag)
		case err != nil:
			return fmt.Sprintf("checking tag %s of %s: %v", r.Tag, r.Locator(), err)
		}
	}
	if got != d {
		return fmt.Sprintf("tag %s of %s names %s, not %s", r.Tag, r.Locator(), got, d)
	}
	return ""
}

// missingTagHint says what the repository has instead of r's tag: its newest version
// tags, or that it has none (a wrong repository). It costs one more request, on the
// way to an error only.
func missingTagHint(ctx context.Context, t *oci.Target, r ref.Ref) string {
	var versions []*version.Version
	tags, err := t.Tags(ctx)
	for _, tag := range tags {
		if v, err := version.FromTag(tag); err == nil {
			versions = append(versions, v)
		}
	}
	slices.SortFunc(versions, func(a, b *version.Version) int { return b.Compare(a) })
	switch {
	case err == nil && len(tags) == 0:
		if untagged, _ := t.Untagged(); len(untagged) > 0 {
			return fmt.Sprintf("%s has no tags, but %s; pkg-pull installs one by that reference", r.Locator(), oci.UntaggedNote(r.Locator(), untagged))
		}
		fallthrough
	case err != nil:
		return fmt.Sprintf("%s has no tags: check the repository's name (pkg-tap search NAME finds packages by name)", r.Locator())
	case len(versions) == 0:
		return fmt.Sprintf("%s has no version tags; its tags: %s", r.Locator(), strings.Join(first(tags, 8), ", "))
	}
	var names []string
	for _, v := range first(versions, 5) {
		names = append(names, v.String())
	}
	hint := fmt.Sprintf("%s has versions %s", r.Locator(), strings.Join(names, ", "))
	if len(versions) > 5 {
		hint += fmt.Sprintf(" and %d older", len(versions)-5)
	}
	if r.Tag == "latest" {
		hint = "no tag was given and there is no \"latest\": " + hint
	}
	return hint + fmt.Sprintf("; e.g. pkg-pull %s:%s", r.Locator(), versions[0].Tag())
}

func first[T any](list []T, n int) []T { return list[:min(n, len(list))] }

// offlineTag finds the digest an earlier install resolved r's tag to.
func offlineTag(s *store.Store, r ref.Ref) (digest.Digest, error) {
	list, err := s.List()
	if err != nil {
		return "", err
	}
	prefix := r.Locator() + ":" + r.Tag + "@"
	for _, inst := range list {
		if rest, ok := strings.CutPrefix(inst.Source, prefix); ok {
			return digest.Digest(rest), nil
		}
	}
	return "", fault.New(fault.NotFound,
		fmt.Errorf("offline, and %s was never installed from this store, so its tag cannot be resolved", r),
		"run without --offline, or name the version by digest (REPO@sha256:…) if its blobs are in the store")
}

// warnUnresolved says when a package installed by reference declares dependencies
// that were therefore not installed.
func warnUnresolved(env *cli.Env, s *store.Store, recs []*api.Installed) {
	for _, rec := range recs {
		if len(rec.Dependencies) > 0 {
			continue
		}
		c, err := s.Config(rec)
		if err != nil || len(c.Dependencies) == 0 {
			continue
		}
		var deps []string
		for _, d := range c.Dependencies {
			n := d.Name
			if n == "" {
				n = d.Ref
			}
			if d.Version != "" {
				n += "@" + d.Version
			}
			deps = append(deps, n)
		}
		env.Warnf("%s %s declares dependencies (%s) that pkg-pull REF does not install; `pkg-pull add %s` resolves them",
			rec.Name, rec.Version, strings.Join(deps, ", "), rec.Name)
	}
}
