package main

import (
	"context"
	"time"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/mirror"
	"longshore.dev/lib/progress"
	"longshore.dev/lib/stream"
)

func newMirrorCmd() *cli.Command {
	var (
		files    cli.FileFlags
		to       string
		jobs     int
		registry cli.RegistryFlags
	)
	output := cli.NewOutputFlags(cli.YAML, cli.JSON)
	return &cli.Command{
		Name:  "mirror",
		Short: "copy a resolved set of packages to another registry or a directory",
		Use:   "-f LOCK --to REGISTRY[/PREFIX]|ocidir://DIR",
		Long: `Copies every package of a Lock — its index, every platform's manifest, config
and layers, digests unchanged — to another registry (keeping each repository's path,
under PREFIX if given) or to ocidir://DIR (one OCI layout per repository, no server
needed), skipping what is already there. Prints the Lock rewritten to the new
repositories, so that pkg-pull -f installs from the mirror: for air-gapped sites, copy
DIR and the printed lock across, then pkg-pull -f mirror.lock.yaml --offline.`,
		Example: `{prog} -f tools.lock.yaml --to ocidir://./mirror > mirror.lock.yaml
{prog} -f tools.lock.yaml --to registry.corp:5000/mirror > corp.lock.yaml`,
		Flags: func(fs *pflag.FlagSet) {
			files.AddTo(fs)
			fs.StringVar(&to, "to", "", "where to copy: REGISTRY[/PREFIX] or ocidir://DIR (required)")
			output.AddTo(fs)
			fs.IntVar(&jobs, "concurrency", 4, "how many packages to copy at once")
			registry.AddTo(fs)
		},
		Args: cli.ExactArgs(),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			if len(files.Paths) == 0 {
				return cli.Usagef("-f is required: the Lock to mirror (pkg-dep resolve … > tools.lock.yaml)")
			}
			if to == "" {
				return cli.Usagef("--to is required: a registry (REGISTRY[/PREFIX]) or ocidir://DIR")
			}
			dest, err := mirror.ParseDestination(to)
			if err != nil {
				return err
			}
			docs, err := files.Read(env, api.Kinds)
			if err != nil {
				return err
			}
			if err := stream.Unknown(docs, "Lock"); err != nil {
				return fault.New(fault.Usage, err, "pkg-pull mirror reads Lock documents (pkg-dep resolve)")
			}
			if len(docs) == 0 {
				return cli.Usagef("-f holds no Lock document")
			}
			var meter *progress.Meter
			if env.StderrTTY {
				meter = progress.New(env.Stderr, "Copying", 100*time.Millisecond)
			}
			stop := closeOnce(meter)
			defer stop()
			var out []any
			for _, d := range docs {
				lock, stats, err := mirror.Lock(ctx, d.Value.(*api.Lock), dest, mirror.Options{
					Registry: registry.Options(env), Jobs: jobs, Progress: meter, Logf: env.Debugf,
				})
				if err != nil {
					return err
				}
				env.Infof("Mirrored %d packages to %s: %d blobs and manifests copied (%s), %d already there",
					stats.Packages, dest, stats.Copied, progress.Bytes(stats.Bytes), stats.Present)
				out = append(out, lock)
			}
			stop()
			return cli.Print(env.Stdout, format, out, cli.Columns{})
		},
	}
}
