package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/progress"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/store"
	"longshore.dev/lib/stream"
)

type pullOptions struct {
	platform string
	files    cli.FileFlags
	output   *cli.OutputFlags
	registry cli.RegistryFlags
}

func newPullCmd() *cli.Command {
	o := &pullOptions{output: cli.NewOutputFlags()}
	return &cli.Command{
		Short: "install packages by OCI reference",
		Use:   "REF... | -f FILE",
		Long: `Installs each referenced package version into the local store ($LONGSHORE_HOME,
default ~/.longshore): resolves the tag, downloads every blob once while verifying its
digest, extracts into a staging directory and moves the finished tree into place, so a
failed or interrupted pull never leaves a half package behind. Entry points the package
declares are linked into $LONGSHORE_HOME/bin.

REF is REGISTRY/REPO[:TAG|@DIGEST] or ocidir://PATH[:TAG|@DIGEST]; without a tag or
digest, "latest" is used. -f reads Published documents (what pkg-push -o yaml prints).`,
		Example: `# install a version from a registry
{prog} localhost:5000/demo/hello:1.0.0

# from a local OCI layout
{prog} ocidir://./registry/hello:1.0.0

# publish and install in one pipeline
pkg-push ./hello --to ocidir://./registry/hello -o yaml | {prog} -f -`,
		Flags: func(fs *pflag.FlagSet) {
			fs.StringVar(&o.platform, "platform", "", "platform to install, os/arch[/variant] (default: this machine's)")
			o.files.AddTo(fs)
			o.output.AddTo(fs)
			o.registry.AddTo(fs)
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
	refs, err := pullRefs(env, o, args)
	if err != nil {
		return err
	}
	home, err := store.DefaultHome(env.Getenv)
	if err != nil {
		return err
	}
	s, err := store.Open(home)
	if err != nil {
		return err
	}
	var out []any
	for _, r := range refs {
		inst, err := pullOne(ctx, env, o, s, r)
		if err != nil {
			return err
		}
		env.Infof("Installed %s %s (%s) from %s", inst.Name, inst.Version, inst.Platform, r.String())
		out = append(out, inst)
	}
	return cli.Print(env.Stdout, format, out, installedColumns)
}

func pullRefs(env *cli.Env, o *pullOptions, args []string) ([]ref.Ref, error) {
	if len(args) == 0 && len(o.files.Paths) == 0 {
		return nil, cli.Usagef("nothing to install: give a reference (REGISTRY/REPO:TAG or ocidir://PATH:TAG) or -f FILE")
	}
	var refs []ref.Ref
	for _, a := range args {
		r, err := ref.ParseArtifact(a)
		if err != nil {
			return nil, fault.New(fault.Usage, err, "to install by package name through taps, use `pkg-pull add NAME` (coming with taps)")
		}
		if r.Reference() == "" {
			r = r.WithTag("latest")
		}
		refs = append(refs, r)
	}
	docs, err := o.files.Read(env, api.Kinds)
	if err != nil {
		return nil, err
	}
	if err := stream.Unknown(docs, "Published"); err != nil {
		return nil, fault.New(fault.Usage, err, "")
	}
	for _, d := range docs {
		p, ok := d.Value.(*api.Published)
		if !ok {
			return nil, fault.Errorf(fault.Usage, "%s: kind %s is not read by pkg-pull; it reads Published documents", d.Source, d.Kind)
		}
		r, err := ref.ParseArtifact(p.Repository)
		if err != nil {
			return nil, fault.New(fault.Usage, fmt.Errorf("%s: repository: %w", d.Source, err), "")
		}
		refs = append(refs, r.WithDigest(p.Digest))
	}
	return refs, nil
}

func pullOne(ctx context.Context, env *cli.Env, o *pullOptions, s *store.Store, r ref.Ref) (*api.Installed, error) {
	target, err := oci.Open(ctx, r, o.registry.Options(env))
	if err != nil {
		return nil, err
	}
	defer target.Close()
	root, err := target.Resolve(ctx, r.Reference())
	if err != nil {
		if fault.KindOf(err) == fault.NotFound && r.Tag == "latest" && r.Digest == "" {
			return nil, fault.New(fault.NotFound, err, fmt.Sprintf("no tag was given and %s has no \"latest\" tag: name a version, e.g. %s:1.0.0", r.Locator(), r.Locator()))
		}
		return nil, err
	}
	var meter *progress.Meter
	if env.StderrTTY {
		meter = progress.New(env.Stderr, "Downloading", 100*time.Millisecond)
	}
	defer meter.Close()
	return s.Install(ctx, target, root, store.InstallOptions{Platform: o.platform, Reason: api.ReasonExplicit, Progress: meter})
}
