package main

import (
	"context"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/gc"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/progress"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/store"
	"longshore.dev/lib/tap"
)

type remoteOptions struct {
	keepLast     int
	keepLastSet  func() bool // whether --keep-last was given
	dryRun       bool
	refuseListed bool
	output       *cli.OutputFlags
	registry     cli.RegistryFlags
}

func newRemoteCmd() *cli.Command {
	o := &remoteOptions{output: cli.NewOutputFlags(cli.Table, cli.YAML, cli.JSON)}
	return &cli.Command{
		Name:  "remote",
		Short: "delete all but the newest releases in a registry repository",
		Use:   "REPO --keep-last N",
		Long: `Publisher housekeeping: keeps the newest N releases of a repository (tags that read as
semantic versions, MAJOR.MINOR.PATCH[_BUILD], ordered by precedence) and the
pre-releases newer than the newest release (2.0.0-rc.1 beside 1.4.0), which N does not
count, and deletes the manifests of the other versions by digest through the registry
API. The registry drops every tag of a deleted manifest with it: the plan lists them
(TAGS), line tags X and X.Y (as pkg-push --cascade moves them) included, and warns when
a line tag goes while its line keeps a release. A manifest any other tag points at
(latest, stable, …) is kept, with a warning, and so is every manifest a kept index
lists. The plan is printed on stderr before the first delete; --dry-run prints it and
deletes nothing.

The plan warns of every version it deletes that a configured tap's index lists and has
not yanked: installs that resolve to it fail once it is gone. Only the local caches are
read (pkg-tap update refreshes them); --refuse-listed deletes nothing while there is
such a version.

The registry frees the blobs in its own garbage collection. Registries that refuse
deletes answer 405: for CNCF Distribution, set storage.delete.enabled: true.`,
		Example: `{prog} ghcr.io/org/hello --keep-last 5 --dry-run
{prog} localhost:5000/demo/hello --keep-last 3 -o yaml`,
		Flags: func(fs *pflag.FlagSet) {
			fs.IntVar(&o.keepLast, "keep-last", 0, "keep the newest `N` releases, and any pre-release newer than the newest release (required, at least 1)")
			o.keepLastSet = func() bool { return fs.Changed("keep-last") }
			fs.BoolVar(&o.dryRun, "dry-run", false, "print the plan; delete nothing")
			fs.BoolVar(&o.refuseListed, "refuse-listed", false, "delete nothing if a version to delete is listed by a tap's index and not yanked")
			o.output.AddTo(fs)
			o.registry.AddTo(fs)
		},
		Args: cli.ExactArgs("REPO"),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			return runRemote(ctx, env, o, args[0])
		},
	}
}

func runRemote(ctx context.Context, env *cli.Env, o *remoteOptions, repo string) error {
	format, err := o.output.Format(env)
	if err != nil {
		return err
	}
	switch {
	case o.keepLastSet == nil || !o.keepLastSet():
		return cli.Usagef("--keep-last N is required: how many of the newest releases to keep (at least 1)")
	case o.keepLast < 1:
		// Given, so not "required": say what is wrong with it.
		return cli.Usagef("--keep-last %d: keep at least 1 release (deleting every release is not what remote does)", o.keepLast)
	}
	r, err := ref.ParseArtifact(repo)
	if err != nil {
		return fault.New(fault.Usage, err, "")
	}
	if r.Reference() != "" {
		return cli.Usagef("%s names a version: give the repository alone, e.g. %s", repo, r.Locator())
	}
	home, err := store.DefaultHome(env.Getenv)
	if err != nil {
		return err
	}
	// Reading the configuration creates no home: a publisher's machine may have none,
	// and then no tap lists anything.
	taps, err := tap.Load(home)
	if err != nil {
		return err
	}
	t, err := oci.Open(ctx, r, o.registry.Options(env))
	if err != nil {
		return err
	}
	defer t.Close()
	report, err := gc.Remote(ctx, t, gc.RemoteOptions{KeepLast: o.keepLast, DryRun: o.dryRun, Progress: env.Infof, Warn: env.Warnf,
		Taps: taps, RefuseListed: o.refuseListed})
	if err != nil {
		return err
	}
	switch format {
	case cli.YAML:
		// What stream.WriteYAML prints, without yaml.v3's memory per item.
		return gc.WriteYAML(env.Stdout, report)
	case cli.JSON:
		return cli.Print(env.Stdout, format, []any{report}, cli.Columns{})
	}
	header := "DELETED"
	if report.DryRun {
		header = "WOULD DELETE"
	}
	docs := make([]any, len(report.Items))
	for i := range report.Items {
		docs[i] = &report.Items[i]
	}
	return cli.Print(env.Stdout, format, docs, cli.Columns{
		Headers: []string{header, "VERSION", "TAGS", "BYTES", "REASON"},
		Row: func(doc any) []string {
			it := doc.(*api.GCItem)
			return []string{it.Digest, it.Version, strings.Join(it.Tags, ","), progress.Bytes(it.Bytes), it.Reason}
		},
	})
}
