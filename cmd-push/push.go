package main

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/archive"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/lint"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/progress"
	"longshore.dev/lib/publish"
	"longshore.dev/lib/ref"
)

type pushOptions struct {
	to        string
	platforms []string
	force     bool
	cascade   bool
	skipLint  bool
	dryRun    bool
	compress  string
	output    *cli.OutputFlags
	registry  cli.RegistryFlags
}

func newPushCmd() *cli.Command {
	o := &pushOptions{output: cli.NewOutputFlags()}
	return &cli.Command{
		Short: "publish a package directory as an OCI artifact",
		Use:   "DIR --to REPOSITORY",
		Long: `Reads DIR/package.yaml, packs each platform's content as one reproducible compressed tar
layer (zstd unless --compression gzip), and pushes the manifest (an image index when the
package has several platforms) tagged with the package version. The same inputs always
give the same digest: mtimes are fixed (SOURCE_DATE_EPOCH, else the last commit touching
DIR, else the Unix epoch), entries sorted, owners and modes normalized. The revision
annotation names that last commit, unless DIR has uncommitted changes the package holds:
then none, with a warning, as no commit holds the content. In a shallow clone
(actions/checkout's default depth 1) the last commit git finds may be where the
history is cut off rather than the package's: pkg-push warns that a full clone may
build another digest (fetch-depth: 0 fetches the history). Blobs the registry already
has are not uploaded again. REPOSITORY is any OCI registry repository, or ocidir://PATH
for a local OCI layout; a layout inside DIR is left out of the package.

A repository holds one package. When it already has versions, pkg-push reads the
newest (its manifest and config) before it pushes anything: another package, or
something that is not a longshore package, is refused (exit 5); push to a repository
of the package's own, or --force to push beside it anyway.

A version is published once: a version tag that already holds different content is
refused (exit 5), and so is a version that differs from one the repository has only
in build metadata (1.2.0+build.8 beside 1.2.0_build.7 or 1.2.0: SemVer ranks them
equal, so consumers cannot tell them apart). Bump the version instead; --force
publishes anyway.

A version's tag holds every platform it publishes (an image index), so publish all of
package.yaml's platforms together, in one push. --platform publishes only some: it is
for trying one platform out (with --dry-run, or to a scratch repository). Pushed to
the real repository, it leaves the version without the other platforms, and adding
them later is refused as different content; --force would replace the first ones.

--cascade also moves X.Y, X and latest to this version when it is the highest at that
level. A floating tag that holds anything but a version of this package (a tap index,
another package) is refused (exit 5) before anything is pushed; --force moves it anyway,
as it moves a version tag that holds different content.

--dry-run writes nothing. Without --cascade it does not contact the registry, so these
checks (another package in the repository, a version tag on other content, a version
differing only in build metadata) are made only by the real push; with --cascade it
reads the repository's tags to report those that would move, and refuses as the push
would.`,
		Example: `# publish to a registry
{prog} ./hello --to ghcr.io/org/hello

# publish to a local OCI layout (no server)
{prog} ./hello --to ocidir://./registry/hello

# gzip layers, for consumers whose tools predate zstd (pkg-pull reads both)
{prog} ./hello --to ghcr.io/org/hello --compression gzip

# try one platform out (publish every platform together, without --platform)
{prog} ./hello --to ghcr.io/org/hello --platform linux/arm64 --dry-run

# feed the result to the next step
{prog} ./hello --to localhost:5000/demo/hello -o yaml > published.yaml`,
		Flags: func(fs *pflag.FlagSet) {
			fs.StringVar(&o.to, "to", "", "repository to publish to: REGISTRY/REPO or ocidir://PATH (required)")
			fs.StringArrayVar(&o.platforms, "platform", nil, "try out only this platform of package.yaml (repeatable), with --dry-run or to a scratch repository: a version's tag holds the platforms of one push")
			fs.BoolVar(&o.cascade, "cascade", false, "also move the X.Y, X and latest tags when this is the highest version at that level")
			fs.BoolVar(&o.force, "force", false, "push into a repository that holds another package, move the version tag even if it points at different content, publish beside a version differing only in build metadata, and move --cascade's tags even if they hold something else")
			fs.BoolVar(&o.dryRun, "dry-run", false, "build and print what would be pushed and tagged; push nothing (see above for what it reads)")
			fs.BoolVar(&o.skipLint, "skip-lint", false, "publish without running lint first (not recommended)")
			fs.StringVar(&o.compress, "compression", string(archive.DefaultCompression), "layer compression: zstd or gzip (the digest depends on it)")
			cli.CompleteValues(fs, "compression", "zstd", "gzip")
			cli.CompleteValues(fs, "platform", cli.Platforms...)
			o.output.AddTo(fs)
			o.registry.AddTo(fs)
		},
		Args:     cli.ExactArgs("DIR"),
		Complete: directories,
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			return runPush(ctx, env, o, args[0])
		},
	}
}

func runPush(ctx context.Context, env *cli.Env, o *pushOptions, dir string) error {
	format, err := o.output.Format(env)
	if err != nil {
		return err
	}
	if o.to == "" {
		return cli.Usagef("--to is required: the repository to publish to, e.g. --to localhost:5000/demo/hello or --to ocidir://./registry/hello")
	}
	to, err := ref.ParseArtifact(o.to)
	if err != nil {
		return cli.Usagef("--to: %w", err)
	}
	compression, err := archive.ParseCompression(o.compress)
	if err != nil {
		return cli.Usagef("--compression: %w", err)
	}
	p, err := pkgspec.Load(dir)
	if err != nil {
		if fault.KindOf(err) == fault.Usage && fault.HintOf(err) == "" {
			// package.yaml, not the command line: lint lists every problem at once.
			return cli.BadInput(err, fmt.Sprintf("`%s lint %s` lists every problem, each with its fix", env.Inv.Prog, dir))
		}
		return err
	}
	if tag := ref.TagForVersion(p.Metadata.Version); to.Digest != "" || (to.Tag != "" && to.Tag != tag) {
		return cli.Usagef("--to %s: give the repository only; the tag comes from package.yaml's version (%s)", ref.Redact(o.to), tag)
	}
	var leaveOut []string
	if to.Kind == ref.Layout {
		leaveOut = layoutInside(dir, to.Path)
	}
	if err := lintBeforePush(env, dir, o.skipLint, leaveOut); err != nil {
		return err
	}
	buildOpts := publish.Options{
		Platforms: o.platforms, Getenv: env.Getenv, CacheDir: publish.DefaultCacheDir(env.Getenv), Compression: compression,
		Debugf: env.Debugf,
	}
	if to.Kind == ref.Layout {
		buildOpts.Layout = to.Path
	}
	art, err := publish.Build(dir, p, buildOpts)
	if err != nil {
		return err
	}
	defer art.Close()
	if missing := leftOutPlatforms(p, art); len(missing) > 0 && !o.dryRun {
		env.Warnf("--platform: %s:%s will hold only %s, not %s (also in package.yaml); pushing those to this version later is refused as different content, and --force would drop these. Publish every platform in one push, without --platform",
			to.Locator(), ref.TagForVersion(p.Metadata.Version), platformList(art.Manifest), strings.Join(missing, ", "))
	}
	if n := len(art.Uncommitted); n > 0 {
		shown := art.Uncommitted[:min(n, 5)]
		more := ""
		if n > len(shown) {
			more = fmt.Sprintf(" and %d more", n-len(shown))
		}
		empty := ""
		if slices.ContainsFunc(art.Uncommitted, func(rel string) bool { return strings.HasSuffix(rel, "/") }) {
			empty = " (git holds no empty directory: put a file in one, such as .gitkeep, or list it in .pkgignore; a push from a checkout would pack another digest)"
		}
		warn(env, "%s has uncommitted changes the package holds (%s%s): no commit holds this content, so it names no git revision (org.opencontainers.image.revision); %s%s",
			dir, strings.Join(shown, ", "), more, uncommittedAdvice(dir, p, art), empty)
	}
	if art.Shallow != nil {
		warn(env, "%s", shallowWarning(dir, art.Shallow))
	}
	for _, left := range art.LeftOut {
		env.Infof("Leaving %s out of the package: it holds the --to layout", path.Join(filepath.ToSlash(dir), left)+"/")
	}
	pushOpts := publish.PushOptions{Force: o.force, Cascade: o.cascade}
	if o.dryRun {
		return dryRun(ctx, env, o, format, to, art, pushOpts)
	}
	if env.StderrTTY {
		pushOpts.Progress = progress.New(env.Stderr, "Uploading", 100*time.Millisecond)
	}
	opts := cli.WaitingAbove(o.registry.Options(env), pushOpts.Progress)
	opts.Create = true
	target, err := oci.Open(ctx, to, opts)
	if err != nil {
		pushOpts.Progress.Close()
		return err
	}
	defer target.Close()
	start := time.Now()
	res, err := publish.Push(ctx, target, art, pushOpts)
	pushOpts.Progress.Close()
	if err != nil {
		return err
	}
	env.Debugf("pushing to %s took %s", to.Locator(), time.Since(start).Round(time.Millisecond))
	published := res.Published
	if res.Unchanged {
		env.Infof("%s:%s already holds this content (%s): nothing to upload", to.Locator(), published.Tags[0], published.Digest)
	} else {
		env.Infof("Pushed %s %s to %s:%s (%s): %d uploaded (%s), %d already there",
			p.Metadata.Name, p.Metadata.Version, to.Locator(), published.Tags[0], published.Digest,
			res.Uploaded, progress.Bytes(res.Bytes), res.Skipped)
	}
	warnOther(env, to, p.Metadata.Name, p.Metadata.Version, res.Other, "pushed")
	for _, r := range res.Replaced {
		env.Warnf("--force: %s; it now holds %s %s", r, p.Metadata.Name, p.Metadata.Version)
	}
	warnSamePrecedence(env, to, p.Metadata.Version, res.SamePrecedence, "published")
	for _, line := range floatingSummary(published.Tags[1:], res.AlreadyTagged, res.Settled, p.Metadata.Version) {
		env.Infof("%s", line)
	}
	return print(env, format, published)
}

// uncommittedAdvice says what to do about the uncommitted changes art holds. New files
// in a content directory of their own (spec.platforms' ./dist/linux-amd64, not the
// package directory) are build outputs: they belong in .gitignore, which git then
// leaves out, so that the revision names the commit they are built from; committing
// them is the wrong advice. Other changes are source, to commit.
func uncommittedAdvice(dir string, p *pkgspec.Package, art *publish.Artifact) string {
	const commit = "commit them first for a package that names its source"
	var patterns []string // /dist/: the outputs' top directories, in DIR/.gitignore
	outputs := 0
	for _, rel := range art.Untracked {
		for _, content := range p.Spec.Platforms {
			content = path.Clean(filepath.ToSlash(content))
			if content == "." || content == ".." || strings.HasPrefix(content, "../") || !strings.HasPrefix(rel, content+"/") {
				continue
			}
			top, _, _ := strings.Cut(content, "/")
			patterns = append(patterns, "/"+top+"/")
			outputs++
			break
		}
	}
	slices.Sort(patterns)
	patterns = slices.Compact(patterns)
	ignore := filepath.Join(dir, ".gitignore")
	switch {
	case outputs == 0 && len(art.Untracked) > 0:
		return commit + ", or, for build outputs, list them in .gitignore: files git ignores do not count, and the revision then names the commit they are built from"
	case outputs == 0:
		return commit
	case outputs == len(art.Uncommitted):
		return fmt.Sprintf("build outputs belong in .gitignore, not in a commit: add %s to %s, and git leaves them out, so that the revision names the commit they are built from",
			strings.Join(patterns, " and "), ignore)
	}
	return fmt.Sprintf("add %s to %s (build outputs belong there, not in a commit: git then leaves them out), and commit the rest first for a package that names its source",
		strings.Join(patterns, " and "), ignore)
}

// shallowWarning says that a build in a shallow clone may not be a full clone's
// (publish.ShallowClone), and how to make it one. A warning, not a refusal: the usual
// release commit, which bumps the version in package.yaml, is the package's last
// commit and the clone's cut at once, and a depth-1 checkout (actions/checkout's
// default) then builds exactly what a full clone builds; refusing it would fail right
// publishes. A wrong guess cannot replace what a version holds: the version tag is
// set once, and the push that differs is refused with a hint naming this cause.
func shallowWarning(dir string, s *publish.ShallowClone) string {
	what, fix := "the creation time and the revision annotation", "fetch-depth: 0 in actions/checkout, or git fetch --unshallow (SOURCE_DATE_EPOCH would fix the time, not the revision)"
	switch {
	case !s.Created:
		what, fix = "the revision annotation", "fetch-depth: 0 in actions/checkout, or git fetch --unshallow"
	case !s.Revision:
		what, fix = "the creation time", "fetch-depth: 0 in actions/checkout, or git fetch --unshallow; or set SOURCE_DATE_EPOCH"
	}
	return fmt.Sprintf("%s is in a shallow clone (git clone --depth, actions/checkout's default), and %s, the last commit git finds touching it, is where the clone's history is cut off: "+
		"an older commit may be the last to touch it, so %s, and so the digest, may differ from a full clone's, and pushing this version from one is then refused as different content. "+
		"Fetch the whole history: %s",
		dir, s.Commit[:min(len(s.Commit), 12)], what, fix)
}

// warn writes a warning to stderr; when GitHub Actions runs pkg-push (GITHUB_ACTIONS=true),
// as a workflow annotation, which the step's log shows as a warning and the run's
// summary lists, where a plain line would go unseen.
func warn(env *cli.Env, format string, args ...any) {
	if env.Getenv == nil || env.Getenv("GITHUB_ACTIONS") != "true" {
		env.Warnf(format, args...)
		return
	}
	fmt.Fprintln(env.Stderr, "::warning title=pkg-push::"+escapeData(cli.PrintableLines(fmt.Sprintf(format, args...))))
}

// floatingSummary says what a push did to the floating tags: those it moved here (here
// holds those still here, already those that pointed here before), and those it moved
// again once it had tagged, because another push of the package ran at the same time
// (settled, publish.Result.Settled).
func floatingSummary(here, already []string, settled []publish.TagMove, version string) []string {
	moved := slices.DeleteFunc(slices.Clone(here), func(tag string) bool { return slices.Contains(already, tag) })
	for _, m := range settled {
		if m.To != version && !slices.Contains(moved, m.Tag) && !slices.Contains(already, m.Tag) {
			moved = append(moved, m.Tag)
		}
	}
	// X.Y, X, latest: the order CascadeTags gives them.
	dots := func(tag string) int {
		if tag == "latest" {
			return -1
		}
		return strings.Count(tag, ".")
	}
	slices.SortStableFunc(moved, func(a, b string) int { return dots(b) - dots(a) })
	var lines []string
	switch {
	case len(moved) > 0 && len(already) > 0:
		lines = append(lines, fmt.Sprintf("Tagged %s (%s already pointed here)", strings.Join(moved, ", "), strings.Join(already, ", ")))
	case len(moved) > 0:
		lines = append(lines, fmt.Sprintf("Tagged %s", strings.Join(moved, ", ")))
	case len(already) > 0:
		lines = append(lines, fmt.Sprintf("%s already pointed here", strings.Join(already, ", ")))
	}
	// One line per move, tags that made the same one together.
	var done []int
	for i, m := range settled {
		if slices.Contains(done, i) {
			continue
		}
		var tags []string
		for j := i; j < len(settled); j++ {
			if settled[j].From == m.From && settled[j].To == m.To {
				tags, done = append(tags, settled[j].Tag), append(done, j)
			}
		}
		if m.To == version {
			lines = append(lines, fmt.Sprintf("Moved %s back here: a push of %s at the same time had tagged over this one", strings.Join(tags, ", "), m.From))
		} else {
			lines = append(lines, fmt.Sprintf("Moved %s on to %s, the higher version, published at the same time", strings.Join(tags, ", "), m.To))
		}
	}
	return lines
}

// leftOutPlatforms are the platforms package.yaml lists that art does not publish
// (--platform chose others).
func leftOutPlatforms(p *pkgspec.Package, art *publish.Artifact) []string {
	var missing []string
	for _, k := range p.PlatformKeys() {
		if !slices.ContainsFunc(art.Manifest, func(m api.Platform) bool { return m.Platform == k }) {
			missing = append(missing, k)
		}
	}
	return missing
}

func platformList(ps []api.Platform) string {
	names := make([]string, len(ps))
	for i, m := range ps {
		names[i] = m.Platform
	}
	return strings.Join(names, ", ")
}

// dryRun prints what the push would publish. Without --cascade it does not contact the
// registry: the tag is the version. With --cascade the tags that move depend on what the
// repository holds, so it reads them (writing nothing) and refuses as the push would.
func dryRun(ctx context.Context, env *cli.Env, o *pushOptions, format cli.Format, to ref.Ref, art *publish.Artifact, opts publish.PushOptions) error {
	var plan *publish.Plan
	if opts.Cascade {
		readOpts := o.registry.Options(env)
		readOpts.ReadOnly = true // a dry run reads the tags, beside other readers of a layout
		target, err := oci.Open(ctx, to, readOpts)
		switch {
		case fault.KindOf(err) == fault.NotFound: // a layout not created yet: nothing to read
			target = nil
		case err != nil:
			return err
		default:
			defer target.Close()
		}
		if plan, err = publish.Check(ctx, target, art, opts); err != nil {
			return err
		}
		warnOther(env, to, art.Package.Metadata.Name, art.Package.Metadata.Version, plan.Other, "the push would publish")
		for _, r := range plan.Replaced {
			env.Warnf("--force: %s; the push would move it to %s %s", r, art.Package.Metadata.Name, art.Package.Metadata.Version)
		}
		warnSamePrecedence(env, to, art.Package.Metadata.Version, plan.SamePrecedence, "would publish")
	}
	published := art.Published(to, plan)
	m := art.Package.Metadata
	moves := ""
	if len(published.Tags) > 1 {
		moves = " and move " + strings.Join(published.Tags[1:], ", ")
	}
	env.Infof("Dry run: would push %s %s to %s:%s (%s)%s; nothing was pushed",
		m.Name, m.Version, to.Locator(), published.Tags[0], published.Digest, moves)
	return print(env, format, published)
}

// warnOther says what --force published this package beside when the repository
// held something else (publish.Plan.Other): a repository holds one package.
func warnOther(env *cli.Env, to ref.Ref, name, v, other, verb string) {
	if other != "" {
		env.Warnf("--force: %s:%s; %s %s %s beside it, though a repository holds one package", to.Locator(), other, verb, name, v)
	}
}

// warnSamePrecedence says which versions --force published this one beside though
// they differ from it only in build metadata: consumers cannot tell them apart.
func warnSamePrecedence(env *cli.Env, to ref.Ref, v string, same []string, verb string) {
	for _, tag := range same {
		env.Warnf("--force: %s %s beside %s:%s, which has the same precedence; a consumer asking for either may get the other", verb, v, to.Locator(), tag)
	}
}

func print(env *cli.Env, format cli.Format, docs ...any) error {
	return cli.Print(env.Stdout, format, docs, cli.Columns{
		Headers: []string{"NAME", "VERSION", "REPOSITORY", "TAGS", "DIGEST"},
		Row: func(doc any) []string {
			p := doc.(*api.Published)
			return []string{p.Name, p.Version, p.Repository, strings.Join(p.Tags, ","), p.Digest}
		},
	})
}

// layoutInside is the --to layout's path relative to the package directory, for lint
// to skip as the push leaves it out (lib/publish); none when it lies outside.
func layoutInside(dir, layout string) []string {
	d, err1 := filepath.Abs(dir)
	l, err2 := filepath.Abs(layout)
	if err1 != nil || err2 != nil {
		return nil
	}
	if r1, err := filepath.EvalSymlinks(d); err == nil {
		d = r1
	}
	if r2, err := filepath.EvalSymlinks(l); err == nil {
		l = r2
	}
	rel, err := filepath.Rel(d, l)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil
	}
	return []string{filepath.ToSlash(rel)}
}

// lintBeforePush refuses to publish a package lint finds errors in: a broken package is
// much harder to take back once consumers have it.
func lintBeforePush(env *cli.Env, dir string, skip bool, leaveOut []string) error {
	if skip {
		env.Warnf("--skip-lint: publishing %s WITHOUT checking it; consumers may receive a broken package", dir)
		return nil
	}
	report, err := lint.Check(dir, lint.Options{LeaveOut: leaveOut})
	if err != nil {
		return err
	}
	annotate := env.Getenv != nil && env.Getenv("GITHUB_ACTIONS") == "true"
	// Errors in full; warnings as a count, so routine pushes stay quiet (lint shows them).
	for _, f := range report.Findings {
		if f.Severity == "error" {
			fmt.Fprintf(env.Stderr, "%s: %s [%s] %s\n", cli.Printable(location(dir, f)), f.Severity, f.Rule, cli.Printable(f.Message))
		}
		if annotate {
			fmt.Fprintln(env.Stderr, annotation(dir, env.Getenv("GITHUB_WORKSPACE"), f))
		}
	}
	if report.Warnings > 0 && report.Errors == 0 {
		env.Infof("lint: %s (pkg-push lint %s shows them)", plural(report.Warnings, "warning"), dir)
	}
	if report.Errors > 0 {
		return fault.New(fault.Verify, fmt.Errorf("lint found %s in %s: nothing was pushed", plural(report.Errors, "error"), dir),
			"fix them (pkg-push lint "+dir+" shows them again), or pass --skip-lint to publish anyway")
	}
	return nil
}

// directories is the completion of a package directory argument: directories only.
func directories(_ context.Context, _ *cli.Env, c cli.Completion) ([]string, cli.Directive) {
	if c.Flag != "" {
		return nil, cli.CompleteDefault
	}
	return nil, cli.CompleteDirs
}
