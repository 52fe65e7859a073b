package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/archive"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/plan"
	"longshore.dev/lib/progress"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/store"
)

// installFlags is what every verb that installs shares.
type installFlags struct {
	platform string
	offline  bool
	jobs     int
	maxSize  string
	force    bool
	registry cli.RegistryFlags
}

func (f *installFlags) addTo(fs *pflag.FlagSet) {
	cli.PlatformVar(fs, &f.platform, "platform to install, os/arch[/variant] (default: this machine's)")
	fs.BoolVar(&f.offline, "offline", false, "use only the local store and cached indexes; say what is missing instead of downloading it")
	fs.IntVar(&f.jobs, "concurrency", store.DefaultJobs, "how many packages and layers to download at once")
	fs.StringVar(&f.maxSize, "max-size", "4GiB", "refuse a package whose files add up to more than this (B, KiB, MiB, GiB)")
	fs.BoolVar(&f.force, "force", false, "replace a file in $LONGSHORE_HOME/bin that pkg-pull did not make where an entry point goes (without it: an error naming the file)")
	f.registry.AddTo(fs)
}

// options turns the flags into store options; close stops the progress meter.
func (f *installFlags) options(env *cli.Env) (opts store.InstallOptions, close func(), err error) {
	if f.jobs < 1 {
		return opts, nil, cli.Usagef("--concurrency must be at least 1")
	}
	max, err := parseSize(f.maxSize)
	if err != nil {
		return opts, nil, cli.Usagef("--max-size %q: %v", f.maxSize, err)
	}
	limits := archive.DefaultLimits
	limits.MaxBytes = max
	var meter *progress.Meter
	if env.StderrTTY {
		meter = progress.New(env.Stderr, "Downloading", 100*time.Millisecond)
	}
	opts = store.InstallOptions{
		Platform: f.platform,
		Limits:   limits,
		Progress: meter,
		Registry: cli.WaitingAbove(f.registry.Options(env), meter),
		Offline:  f.offline,
		Jobs:     f.jobs,
		// Each package's line goes above the progress line, not onto its end.
		Logf: func(format string, args ...any) { meter.Above(func() { env.Infof(format, args...) }) },
		// A file in bin/ the store did not make is the user's: replaced only when asked.
		OverwriteBin: f.force,
	}
	return opts, closeOnce(meter), nil
}

// closeOnce stops a meter (nil is fine) once, however often it is called: verbs stop it
// before printing their output and again on the way out.
func closeOnce(meter *progress.Meter) func() {
	var once sync.Once
	return func() { once.Do(meter.Close) }
}

// parseSize reads 100, 100B, 512KiB, 10MiB, 4GiB (and KB/MB/GB as powers of 1000).
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range units {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("not a size: write e.g. 500MiB or 4GiB")
	}
	return n * mult, nil
}

// lockPackages turns a Lock into the packages to install, in the lock's order, each by
// repository and digest: no tag is looked up and nothing is resolved.
func lockPackages(lock *api.Lock, source string) ([]store.Package, error) {
	if err := lock.Validate(); err != nil {
		return nil, fault.New(fault.Usage, fmt.Errorf("%s: the lock is not valid: %w", source, err),
			"write it again with pkg-dep resolve")
	}
	// The constraint each requested package was asked for, recorded with it.
	asked := map[string]string{}
	for _, r := range lock.Requests {
		asked[plan.PackageName(r.Name)] = r.Version
	}
	var pkgs []store.Package
	for _, name := range lock.Order {
		p, _ := lock.Package(name)
		r, err := ref.ParseArtifact(p.Repository)
		if err != nil {
			return nil, fault.New(fault.Usage, fmt.Errorf("%s: %s: repository %q: %w", source, ref.Redact(p.Name), ref.Redact(p.Repository), err), "")
		}
		d, err := digest.Parse(p.Digest)
		if err != nil {
			return nil, fault.Errorf(fault.Usage, "%s: %s: digest %q: %v", source, p.Name, p.Digest, err)
		}
		reason := p.Reason
		if reason == api.ReasonRequested {
			reason = api.ReasonExplicit
		}
		pkgs = append(pkgs, store.Package{
			Name:         p.Name,
			Version:      p.Version,
			Tap:          p.Tap,
			Repository:   r.WithTag(""),
			Root:         ocispec.Descriptor{Digest: d},
			Platforms:    p.Platforms,
			Reason:       reason,
			Constraint:   asked[p.Name],
			Dependencies: p.Dependencies,
			Patches:      p.Patches,
			Edges:        true,
		})
	}
	return pkgs, nil
}

// installLocks installs each lock as one change, and returns the records.
func installLocks(ctx context.Context, s *store.Store, locks []*api.Lock, sources []string, opts store.InstallOptions) ([]*api.Installed, error) {
	var out []*api.Installed
	for i, lock := range locks {
		pkgs, err := lockPackages(lock, sources[i])
		if err != nil {
			return nil, err
		}
		recs, err := s.InstallSet(ctx, pkgs, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	return out, nil
}

// readStore is the store for verbs that only read it (list, env, exec): a home that
// does not exist yet is an empty store, and is not created.
func readStore(env *cli.Env) (*store.Store, error) {
	home, err := store.DefaultHome(env.Getenv)
	if err != nil {
		return nil, err
	}
	return &store.Store{Home: home}, nil
}

func openStore(env *cli.Env) (*store.Store, error) {
	home, err := store.DefaultHome(env.Getenv)
	if err != nil {
		return nil, err
	}
	return store.Open(home)
}

// tidy runs after every install: dependencies nothing installed needs any more (an
// upgrade dropped them) are removed, as brew's autoremove does, each said on stderr;
// patch companions nothing needs are named with the remove that takes them out
// (warnUnneeded). A failure to tidy is a warning: the install itself succeeded.
func tidy(ctx context.Context, env *cli.Env, s *store.Store) {
	res, err := s.PruneDependencies(ctx, nil)
	if err != nil {
		env.Warnf("checking for dependencies nothing needs any more: %v", err)
	} else {
		for _, inst := range res.Unneeded {
			env.Infof("Removed %s %s: a dependency nothing installed needs any more (its files stay until pkg-gc)", inst.Name, inst.Version)
		}
	}
	warnUnneeded(env, s)
}

// warnUnneeded says which installed patch companions no installed package needs any
// more, and how to remove them: a lock installed without them (a rule changed since)
// leaves them installed, since removing what the user did not name is the user's call,
// but a companion that stays is still linked into bin/ and kept by pkg-gc.
func warnUnneeded(env *cli.Env, s *store.Store) {
	list, err := s.UnneededCompanions()
	if err != nil || len(list) == 0 {
		return
	}
	names := make([]string, len(list))
	for i, inst := range list {
		names[i] = inst.Name
	}
	what := names[0] + " is a patch companion"
	if len(names) > 1 {
		what = strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " are patch companions"
	}
	env.Warnf("%s no installed package needs any more: pkg-pull remove %s", what, strings.Join(names, " "))
}

// printInstalled prints what an install did; listInstalled what is installed (with
// -o json always a List).
func printInstalled(env *cli.Env, format cli.Format, list []*api.Installed) error {
	return cli.Print(env.Stdout, format, installedDocs(list), installedColumns(list))
}

func listInstalled(env *cli.Env, format cli.Format, list []*api.Installed) error {
	return cli.PrintList(env.Stdout, format, installedDocs(list), installedColumns(list))
}

func installedDocs(list []*api.Installed) []any {
	docs := make([]any, len(list))
	for i, inst := range list {
		docs[i] = inst
	}
	return docs
}
