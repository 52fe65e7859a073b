package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/mirror"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/progress"
	"longshore.dev/lib/stream"
)

func newMirrorCmd() *cli.Command {
	o := newMirrorOptions()
	return &cli.Command{
		Name:  "mirror",
		Short: "copy a resolved set of packages to another registry or a directory",
		Use:   "-f LOCK --to REGISTRY[/PREFIX]|ocidir://DIR",
		Long: `Copies every package of a Lock — its index, every platform's manifest, config
and layers, digests unchanged — to another registry (keeping each repository's path,
under PREFIX if given) or to ocidir://DIR (one OCI layout per repository, no server
needed), skipping what is already there. Prints the Lock rewritten to the new
repositories, so that pkg-pull -f installs from the mirror: for air-gapped sites, copy
DIR and the printed lock across, then pkg-pull -f mirror.lock.yaml --offline.

The Lock is printed as yaml into a file or a pipe; on a terminal as the table
'pkg-dep resolve' draws of a Lock, one row per package, unless -o yaml or json asks
for the document. -o name prints the lock's requests: lock/hello@1.3.0.

The referrers of every manifest copied — signatures, SBOMs and attestations attached
through the OCI subject field, and theirs in turn — are copied too, so the mirror can
be verified without the original registries; --referrers=false leaves them out. A
manifest already in the mirror is searched for referrers added since.

--plain-http, --ca-file and --insecure apply to the source registries and the
destination alike; --from-… and --to-… set one side and win over them. Credentials
come from the docker config (DOCKER_CONFIG or ~/.docker/config.json) for both sides,
or from the file --from-registry-config or --to-registry-config names.`,
		Example: `{prog} -f tools.lock.yaml --to ocidir://./mirror > mirror.lock.yaml
# for an air-gapped site: the lock travels inside the directory, which may move
mkdir -p /media/usb/tools
{prog} -f tools.lock.yaml --to ocidir:///media/usb/tools --relative > /media/usb/tools/tools.lock.yaml
pkg-pull -f /mnt/usb/tools/tools.lock.yaml --offline
{prog} -f tools.lock.yaml --to registry.corp:5000/mirror > corp.lock.yaml
{prog} -f tools.lock.yaml --to registry.corp:5000/mirror -o json | jq -r '.packages[].repository'
{prog} -f tools.lock.yaml --to mirror.lab:5000 --to-plain-http --to-registry-config ./lab-auth.json`,
		Flags: o.addFlags,
		Args:  cli.ExactArgs(),
		Run:   o.run,
	}
}

// mirrorOptions holds the mirror verb's flags.
type mirrorOptions struct {
	files     cli.FileFlags
	to        string
	jobs      int
	referrers bool
	output    *cli.OutputFlags
	// registry is the shared group: both sides, unless a side's own flag says otherwise.
	registry cli.RegistryFlags
	from     cli.SideRegistryFlags
	dest     cli.SideRegistryFlags
	relative bool
}

func newMirrorOptions() *mirrorOptions {
	return &mirrorOptions{
		output: cli.NewOutputFlags(),
		from:   cli.SideRegistryFlags{Prefix: "from", What: "the source registries"},
		dest:   cli.SideRegistryFlags{Prefix: "to", What: "the destination registry"},
	}
}

func (o *mirrorOptions) addFlags(fs *pflag.FlagSet) {
	o.files.AddTo(fs)
	fs.StringVar(&o.to, "to", "", "where to copy: REGISTRY[/PREFIX] or ocidir://DIR (required)")
	o.output.AddTo(fs)
	fs.BoolVar(&o.relative, "relative", false, "with --to ocidir://DIR: name the layouts relative to DIR in the printed Lock, for a lock saved in DIR (carry DIR anywhere)")
	fs.IntVar(&o.jobs, "concurrency", 4, "how many packages to copy at once")
	fs.BoolVar(&o.referrers, "referrers", true,
		"copy the referrers (signatures, SBOMs, attestations) of every manifest copied, recursively")
	o.registry.AddTo(fs)
	o.from.AddTo(fs)
	o.dest.AddTo(fs)
}

// registries says how to reach each side.
func (o *mirrorOptions) registries(env *cli.Env) (from, to oci.Options, err error) {
	shared := o.registry.Options(env)
	if from, err = o.from.Options(shared); err != nil {
		return from, to, err
	}
	to, err = o.dest.Options(shared)
	return from, to, err
}

func (o *mirrorOptions) run(ctx context.Context, env *cli.Env, args []string) error {
	format, err := o.output.Format(env)
	if err != nil {
		return err
	}
	if len(o.files.Paths) == 0 {
		return cli.Usagef("-f is required: the Lock to mirror (pkg-dep resolve … > tools.lock.yaml)")
	}
	if o.to == "" {
		return cli.Usagef("--to is required: a registry (REGISTRY[/PREFIX]) or ocidir://DIR")
	}
	dest, err := mirror.ParseDestination(o.to)
	if err != nil {
		return err
	}
	if o.relative && dest.Dir == "" {
		return cli.Usagef("--relative names layouts relative to an ocidir://DIR destination; --to is a registry")
	}
	from, to, err := o.registries(env)
	if err != nil {
		return err
	}
	docs, err := o.files.Read(env, api.Kinds)
	if err != nil {
		return err
	}
	if err := stream.Unknown(docs, "Lock"); err != nil {
		return fault.New(fault.Usage, err, "pkg-pull mirror reads Lock documents (pkg-dep resolve)")
	}
	if len(docs) == 0 {
		return cli.Usagef("-f holds no Lock document")
	}
	// A lock pkg-pull -f would refuse is refused here too, before anything is copied:
	// a malformed digest or version would otherwise stop the mirror half way, as a
	// usage error, or be copied into a lock that no install accepts.
	for _, d := range docs {
		d.Value.(*api.Lock).NormalizeRepositories(d.Source)
		if err := checkLock(env, d.Value.(*api.Lock), d.Source, "nothing was copied"); err != nil {
			return err
		}
	}
	var meter *progress.Meter
	if env.StderrTTY {
		meter = progress.New(env.Stderr, "Copying", 100*time.Millisecond)
	}
	stop := closeOnce(meter)
	defer stop()
	from, to = cli.WaitingAbove(from, meter), cli.WaitingAbove(to, meter)
	warnf := func(format string, args ...any) { meter.Above(func() { env.Warnf(format, args...) }) }
	var out []*api.Lock
	var summary []mirror.Stats
	for _, d := range docs {
		lock, stats, err := mirror.Lock(ctx, d.Value.(*api.Lock), dest, mirror.Options{
			From: from, To: to, SkipReferrers: !o.referrers, Jobs: o.jobs, Progress: meter, Logf: env.Debugf, Warnf: warnf,
		})
		if err != nil {
			return err
		}
		if o.relative {
			relativeLayouts(lock, dest.Dir)
		}
		out = append(out, lock)
		summary = append(summary, stats)
	}
	// The summary goes below the progress line, which must be cleared first.
	stop()
	for _, stats := range summary {
		env.Infof("%s", mirrorSummary(stats, dest))
	}
	return cli.PrintLocks(env.Stdout, format, out...)
}

// mirrorSummary says what a mirror did, each count in its own unit: packages the
// destination already held whole (a registry's are not walked blob by blob; a
// layout's are, each file checked), and the blobs and manifests copied, referrers
// included.
func mirrorSummary(s mirror.Stats, dest mirror.Destination) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Mirrored %s to %s: ", count(s.Packages, "package", "packages"), dest)
	switch {
	case s.Complete == 0:
	case s.Complete == 1 && s.Packages == 1:
		b.WriteString("it was already there; ")
	case s.Complete == s.Packages:
		fmt.Fprintf(&b, "all %d were already there; ", s.Complete)
	default:
		fmt.Fprintf(&b, "%d %s already there; ", s.Complete, wasWere(s.Complete))
	}
	if s.Copied == 0 {
		b.WriteString("copied nothing")
	} else {
		fmt.Fprintf(&b, "copied %s (%s)", count(s.Copied, "blob or manifest", "blobs and manifests"), progress.Bytes(s.Bytes))
	}
	return b.String()
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}
