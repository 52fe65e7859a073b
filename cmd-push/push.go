package main

import (
	"context"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/publish"
	"longshore.dev/lib/ref"
)

type pushOptions struct {
	to        string
	platforms []string
	force     bool
	dryRun    bool
	output    *cli.OutputFlags
	registry  cli.RegistryFlags
}

func newPushCmd() *cli.Command {
	o := &pushOptions{output: cli.NewOutputFlags()}
	return &cli.Command{
		Short: "publish a package directory as an OCI artifact",
		Use:   "DIR --to REPOSITORY",
		Long: `Reads DIR/package.yaml, packs each platform's content as one reproducible tar+gzip
layer, and pushes the manifest (an image index when the package has several platforms)
tagged with the package version. The same inputs always give the same digest: mtimes are
fixed (SOURCE_DATE_EPOCH, else the last commit touching DIR, else the Unix epoch),
entries sorted, owners and modes normalized. Blobs the registry already has are not
uploaded again. REPOSITORY is any OCI registry repository, or ocidir://PATH for a local
OCI layout.`,
		Example: `# publish to a registry
{prog} ./hello --to ghcr.io/org/hello

# publish to a local OCI layout (no server)
{prog} ./hello --to ocidir://./registry/hello

# feed the result to the next step
{prog} ./hello --to localhost:5000/demo/hello -o yaml > published.yaml`,
		Flags: func(fs *pflag.FlagSet) {
			fs.StringVar(&o.to, "to", "", "repository to publish to: REGISTRY/REPO or ocidir://PATH (required)")
			fs.StringArrayVar(&o.platforms, "platform", nil, "publish only this platform of package.yaml (repeatable)")
			fs.BoolVar(&o.force, "force", false, "move the version tag even if it points at different content")
			fs.BoolVar(&o.dryRun, "dry-run", false, "build and print what would be pushed; push nothing")
			o.output.AddTo(fs)
			o.registry.AddTo(fs)
		},
		Args: cli.ExactArgs("DIR"),
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
	p, err := pkgspec.Load(dir)
	if err != nil {
		return err
	}
	if tag := ref.TagForVersion(p.Metadata.Version); to.Digest != "" || (to.Tag != "" && to.Tag != tag) {
		return cli.Usagef("--to %s: give the repository only; the tag comes from package.yaml's version (%s)", o.to, tag)
	}
	art, err := publish.Build(dir, p, publish.Options{Platforms: o.platforms, Getenv: env.Getenv})
	if err != nil {
		return err
	}
	defer art.Close()
	published := art.Published(to)
	if o.dryRun {
		env.Infof("Dry run: would push %s %s to %s:%s (%s); nothing was pushed",
			p.Metadata.Name, p.Metadata.Version, to.Locator(), published.Tags[0], published.Digest)
		return print(env, format, published)
	}
	opts := o.registry.Options(env)
	opts.Create = true
	target, err := oci.Open(ctx, to, opts)
	if err != nil {
		return err
	}
	defer target.Close()
	res, err := publish.Push(ctx, target, art, o.force)
	if err != nil {
		return err
	}
	if res.Unchanged {
		env.Infof("%s:%s already holds this content (%s): nothing to upload", to.Locator(), published.Tags[0], published.Digest)
	} else {
		env.Infof("Pushed %s %s to %s:%s (%s): %d uploaded (%s), %d already there",
			p.Metadata.Name, p.Metadata.Version, to.Locator(), published.Tags[0], published.Digest,
			res.Uploaded, cli.HumanBytes(res.Bytes), res.Skipped)
	}
	return print(env, format, res.Published)
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
