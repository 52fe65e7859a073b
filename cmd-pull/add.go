package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/plan"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/store"
	"longshore.dev/lib/stream"
	"longshore.dev/lib/suggest"
	"longshore.dev/lib/tap"
)

// resolveOptions is what add hands the resolver besides the requests.
type resolveOptions struct {
	// Platform is the platform to resolve for ("" = the host's).
	Platform string
	// Offline forbids any network request.
	Offline bool
	// Patches says whether patch descriptors are fetched again or read from the cache.
	Patches plan.PatchMode
	// OCI reaches repositories and the patch registry.
	OCI oci.Options
	// Warn reports what the resolver works around (an unreachable patch registry).
	Warn func(format string, args ...any)
	// Debugf hears which cached tap indexes the resolver reads (-v).
	Debugf func(format string, args ...any)
}

// resolveLock turns add's requests into a Lock: the dependency solver with the
// installed packages, taps and patch rules (lib/plan). It is the one seam between
// resolution and installation. plan.Resolve reads the tap caches (runAdd updates them
// first with --refresh) and the patch descriptors as resolveOptions.Patches says.
var resolveLock = func(ctx context.Context, home string, reqs []*api.PackageRef, o resolveOptions) (*api.Lock, error) {
	return plan.ResolveAdd(ctx, home, plan.Requests(reqs, o.Platform), plan.Options{
		Platform: o.Platform, Offline: o.Offline, Patches: o.Patches, OCI: o.OCI, Warn: o.Warn, Debugf: o.Debugf,
	})
}

type addOptions struct {
	install installFlags
	files   cli.FileFlags
	output  *cli.OutputFlags
	refresh bool
	dryRun  bool
}

func newAddCmd() *cli.Command {
	o := &addOptions{output: cli.NewOutputFlags()}
	return &cli.Command{
		Name:     "add",
		Aliases:  []string{"install"},
		Complete: suggest.Packages,
		Short:    "resolve and install packages with their dependencies and patch companions",
		Use:      "PKG[@CONSTRAINT]... | -f FILE",
		Long: `Resolves the packages through the configured taps and the patch registry — the
same solver as pkg-dep resolve, so the versions are what pkg-dep resolve would lock —
then installs the resulting Lock: every package in the lock's order, dependencies and
patch companions included, entry points linked into $LONGSHORE_HOME/bin (two packages
providing one name is an error naming both), installed.yaml recording each package as
explicit, dependency or patch companion.

-f reads PackageRef documents (pkg-tap search -o yaml) and Installed documents
(pkg-pull list -o yaml, of this home or another), whose explicit installs are asked
for again as upgrade asks for them: through their tap or repository, within the
constraint each was added with, at the newest versions that fit ('pkg-pull -f'
installs the same records at their digests instead).

Adding what is installed already downloads nothing: resolution reads the cached tap
indexes (--refresh updates them first) and the store has every tree.

--dry-run resolves as add does and installs nothing: stderr says what would change
("Would install zlib 1.3.0", "Would upgrade …", a dependency that would be removed)
and warns of a file of yours in $LONGSHORE_HOME/bin the install would refuse to
replace; standard output has the Lock it would install (as 'pkg-pull upgrade
--dry-run' prints it), which 'pkg-pull -f' installs.`,
		Example: `{prog} hello
{prog} hello@^1.2 core/tool
{prog} hello --dry-run
pkg-tap search db -o yaml | {prog} -f -

# what another machine installed, at the newest versions
{prog} -f installed.yaml --refresh`,
		Flags: func(fs *pflag.FlagSet) {
			o.files.AddTo(fs)
			o.output.AddTo(fs)
			fs.BoolVar(&o.refresh, "refresh", false, "update tap indexes and patch descriptors before resolving")
			fs.BoolVar(&o.dryRun, "dry-run", false, "print what would change; install nothing")
			o.install.addTo(fs)
		},
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			return runAdd(ctx, env, o, args)
		},
	}
}

func runAdd(ctx context.Context, env *cli.Env, o *addOptions, args []string) error {
	format, err := o.output.Format(env)
	if err != nil {
		return err
	}
	reqs, err := addRequests(env, o, args)
	if err != nil {
		return err
	}
	opts, closeMeter, err := o.install.options(env)
	if err != nil {
		return err
	}
	defer closeMeter()
	// A dry run reads the store and makes no home: what it prints is all it does.
	open := openStore
	if o.dryRun {
		open = readStore
	}
	s, err := open(env)
	if err != nil {
		return err
	}
	ro := resolveOptions{Platform: o.install.platform, Offline: o.install.offline, OCI: opts.Registry, Warn: env.Warnf, Debugf: env.Debugf, Patches: plan.PatchesCached}
	if o.refresh && !o.install.offline {
		if err := refreshTaps(ctx, env, s.Home, opts.Registry); err != nil {
			return err
		}
	}
	// Patch rules are fetched again for what is new (or with --refresh); re-adding what
	// is installed reads the cached ones, so it makes no request at all.
	if o.refresh || !allInstalled(s, reqs) {
		ro.Patches = plan.PatchesRefresh
	}
	lock, err := resolveLock(ctx, s.Home, reqs, ro)
	if err != nil {
		return err
	}
	if o.dryRun {
		closeMeter()
		before, err := s.List()
		if err != nil {
			return err
		}
		return previewLock(env, s, format, before, lock, opts, "add", "Nothing would change: every package of the lock is installed as it says ("+countPackages(len(lock.Packages))+")")
	}
	out, err := installLocks(ctx, s, []*api.Lock{lock}, []string{"the resolved lock"}, opts)
	if err != nil {
		return err
	}
	closeMeter()
	tidy(ctx, env, s)
	return printInstalled(env, format, out)
}

// refreshTaps updates every tap's cached index before resolving. A tap that cannot be
// reached is a warning: its cached index still serves.
func refreshTaps(ctx context.Context, env *cli.Env, home string, registry oci.Options) error {
	cfg, err := tap.Load(home)
	if err != nil {
		return err
	}
	if len(cfg.Taps) == 0 {
		return nil
	}
	results, err := tap.Update(ctx, home, nil, tap.Options{OCI: registry})
	for _, r := range results {
		switch {
		case r.Err != nil:
			env.Warnf("%v (its cached index is used)", r.Err)
		case r.Fetch.Changed:
			env.Debugf("tap %s: updated to %s, %d of %d shards fetched", r.Name, r.Fetch.Digest, r.Fetch.ShardsFetched, r.Fetch.Shards)
		default:
			env.Debugf("tap %s: up to date (%s)", r.Name, r.Fetch.Digest)
		}
	}
	if err != nil && fault.KindOf(err) != fault.Partial && len(results) == 0 {
		return err
	}
	return nil
}

// allInstalled reports whether every request names an installed package.
func allInstalled(s *store.Store, reqs []*api.PackageRef) bool {
	list, err := s.List()
	if err != nil {
		return false
	}
	return !slices.ContainsFunc(reqs, func(r *api.PackageRef) bool {
		return !slices.ContainsFunc(list, func(inst *api.Installed) bool { return satisfiedBy(r, inst) })
	})
}

func satisfiedBy(r *api.PackageRef, inst *api.Installed) bool {
	if r.Ref != "" {
		return strings.HasPrefix(inst.Source, r.Ref+":") || strings.HasPrefix(inst.Source, r.Ref+"@")
	}
	if tapName, bare, ok := strings.Cut(r.Name, "/"); ok {
		return inst.Tap == tapName && inst.Name == bare
	}
	return inst.Name == r.Name
}

// addRequests reads PKG[@CONSTRAINT] arguments (TAP/NAME, or a repository) and
// PackageRef documents.
func addRequests(env *cli.Env, o *addOptions, args []string) ([]*api.PackageRef, error) {
	if len(args) == 0 && len(o.files.Paths) == 0 {
		return nil, cli.Usagef("nothing to add: name a package (hello, core/hello@^1.2) or give -f FILE of PackageRef or Installed documents")
	}
	var reqs []*api.PackageRef
	for _, a := range args {
		req, err := parseRequest(a)
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, req)
	}
	docs, err := o.files.Read(env, api.Kinds)
	if err != nil {
		return nil, err
	}
	if err := stream.Unknown(docs, "PackageRef", "Installed"); err != nil {
		return nil, fault.New(fault.Usage, err, "pkg-pull add reads PackageRef documents (pkg-tap search -o yaml) and Installed documents (pkg-pull list -o yaml); a Lock installs with pkg-pull -f")
	}
	for _, d := range docs {
		switch v := d.Value.(type) {
		case *api.PackageRef:
			if err := v.Validate(); err != nil {
				return nil, fault.New(fault.Usage, fmt.Errorf("%s: %w", d.Source, err), "")
			}
			if v.Platform == "" {
				v.Platform = o.install.platform
			}
			reqs = append(reqs, v)
		case *api.Installed:
			// What another home asked for, resolved here as pkg-dep resolve -f does;
			// pkg-pull -f installs the records at their digests instead.
			if err := store.CheckRecord(v); err != nil {
				return nil, fault.New(fault.Usage, fmt.Errorf("%s: %w", d.Source, err), "give the records pkg-pull list -o yaml prints, as it prints them")
			}
			if v.Reason == api.ReasonExplicit {
				reqs = append(reqs, plan.InstalledRequest(v, o.install.platform))
			}
		}
	}
	if len(reqs) == 0 {
		return nil, fault.New(fault.Usage, fmt.Errorf("nothing to add: -f %s holds no PackageRef document and no Installed document of an explicit install", strings.Join(o.files.Paths, ", -f ")),
			"is it the output of a command that failed? pkg-tap search -o yaml writes PackageRef documents, pkg-pull list -o yaml Installed documents")
	}
	return reqs, nil
}

// parseRequest reads NAME, TAP/NAME or a repository, each with an optional @CONSTRAINT.
func parseRequest(s string) (*api.PackageRef, error) {
	req := api.NewPackageRef()
	if head, constraint, ok := cutLast(s, "@"); ok && !strings.HasPrefix(constraint, "sha256:") {
		if r, err := ref.ParseArtifact(head); err == nil {
			if r.Tag != "" {
				return nil, pinnedError(s, r)
			}
			req.Ref, req.Version = r.Locator(), strings.TrimSpace(constraint)
			return req, nil
		}
	}
	r, err := ref.Parse(s)
	if err != nil {
		return nil, fault.New(fault.Usage, err, "name a package as NAME, TAP/NAME or NAME@CONSTRAINT (hello@^1.2), or a repository as REGISTRY/REPO[@CONSTRAINT]")
	}
	if r.Kind == ref.Package {
		req.Name, req.Version = r.Locator(), r.Constraint
		return req, nil
	}
	if r.Digest != "" || r.Tag != "" {
		return nil, pinnedError(s, r)
	}
	req.Ref = r.Locator()
	return req, nil
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// pinnedError refuses a tag or digest: it names one version, so there is nothing to
// resolve.
func pinnedError(s string, r ref.Ref) error {
	return fault.New(fault.Usage, fmt.Errorf("%q names one version; add resolves versions of a package", s),
		fmt.Sprintf("install it as it is with `pkg-pull %s`, or add the repository with a constraint: %s@^1", s, r.Locator()))
}
