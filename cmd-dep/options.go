package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/plan"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/resolve"
	"longshore.dev/lib/store"
	"longshore.dev/lib/stream"
	"longshore.dev/lib/tap"
)

// planFlags are what every verb that resolves shares.
type planFlags struct {
	platform  string
	offline   bool
	noPatches bool
	registry  cli.RegistryFlags
}

func (f *planFlags) addTo(fs *pflag.FlagSet, patches bool) {
	cli.PlatformVar(fs, &f.platform, "platform os/arch[/variant] that patch rules match and requests record (default: this machine's)")
	fs.BoolVar(&f.offline, "offline", false, "use only local caches: tap indexes, repositories' tags and patch descriptors seen before")
	if patches {
		fs.BoolVar(&f.noPatches, "no-patches", false, "apply no patch rules")
	}
	f.registry.AddTo(fs)
}

// options turns the flags into plan options: registry access with the credentials of
// the docker config the environment names, warnings on stderr.
func (f *planFlags) options(env *cli.Env) plan.Options {
	opts := plan.Options{Platform: f.platform, Offline: f.offline, OCI: f.registry.Options(env), Warn: env.Warnf, Debugf: env.Debugf}
	opts.OCI.Credentials = tap.CredentialStore(env.Getenv)
	if f.noPatches {
		opts.Patches = plan.PatchesOff
	}
	return opts
}

// home is $LONGSHORE_HOME (default ~/.longshore).
func home(env *cli.Env) (string, error) {
	return store.DefaultHome(env.Getenv)
}

// parseRequest reads PKG[@CONSTRAINT] from the command line: NAME, TAP/NAME, or a
// repository (REGISTRY/REPO, ocidir://PATH) with a version tag or @CONSTRAINT.
func parseRequest(arg, platform string) (resolve.Request, error) {
	arg = strings.TrimSpace(arg)
	r, err := ref.Parse(arg)
	if err == nil {
		if r.Kind == ref.Package {
			return resolve.Request{Name: r.Locator(), Constraint: r.Constraint, Platform: platform}, nil
		}
		return resolve.Request{Name: arg, Platform: platform}, nil
	}
	// A repository with a constraint: REGISTRY/REPO@^1.
	if i := strings.LastIndexByte(arg, '@'); i > 0 && !strings.HasPrefix(arg[i+1:], "sha256:") {
		if rr, rerr := ref.ParseArtifact(arg[:i]); rerr == nil && rr.Reference() == "" && strings.TrimSpace(arg[i+1:]) != "" {
			return resolve.Request{Name: arg[:i], Constraint: strings.TrimSpace(arg[i+1:]), Platform: platform}, nil
		}
	}
	return resolve.Request{}, fault.New(fault.Usage, err, "")
}

// readInput reads -f, refusing a kind that is not among kinds: PackageRef documents
// become requests, a Lock document is returned as is (with its requests added when
// requests are wanted), and Installed documents (pkg-pull list -o yaml, of this home
// or another; pkg-dep resolve reads them) give their explicit installs as requests as
// upgrade asks for them: through their tap or their repository, within their
// constraint.
func readInput(env *cli.Env, files cli.FileFlags, platform string, kinds ...string) (requests []resolve.Request, locks []*api.Lock, err error) {
	if len(files.Paths) == 0 {
		return nil, nil, nil
	}
	docs, err := files.Read(env, api.Kinds)
	if err != nil {
		return nil, nil, err
	}
	if err := stream.Unknown(docs, kinds...); err != nil {
		return nil, nil, fault.New(fault.Usage, err, "")
	}
	for _, d := range docs {
		switch v := d.Value.(type) {
		case *api.PackageRef:
			if err := v.Validate(); err != nil {
				return nil, nil, fault.New(fault.Usage, fmt.Errorf("%s: %w", d.Source, err), "")
			}
			requests = append(requests, plan.Requests([]*api.PackageRef{v}, platform)...)
		case *api.Lock:
			// A mirror's lock (pkg-pull mirror --relative) names its layouts relative
			// to its own directory, as pkg-pull -f reads them.
			v.NormalizeRepositories(d.Source)
			locks = append(locks, v)
		case *api.Installed:
			// Resolved afresh, as brew bundle installs a Brewfile: what was asked for,
			// not the versions it got (pkg-pull -f installs those).
			if err := store.CheckRecord(v); err != nil {
				return nil, nil, fault.New(fault.Usage, fmt.Errorf("%s: %w", d.Source, err), "give the records pkg-pull list -o yaml prints, as it prints them")
			}
			if v.Reason == api.ReasonExplicit {
				requests = append(requests, plan.Requests([]*api.PackageRef{plan.InstalledRequest(v, platform)}, platform)...)
			}
		default:
			return nil, nil, fault.Errorf(fault.Usage, "%s: kind %s is not read by pkg-dep; it reads PackageRef and Lock documents", d.Source, d.Kind)
		}
	}
	return requests, locks, nil
}

// requestsOf turns the positional arguments and -f documents into requests; a Lock
// read with -f contributes its requests (resolving a lock again updates it), and is
// returned too; Installed documents their explicit installs.
func requestsOf(env *cli.Env, args []string, files cli.FileFlags, platform string) ([]resolve.Request, []*api.Lock, error) {
	var out []resolve.Request
	for _, a := range args {
		r, err := parseRequest(a, platform)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	reqs, locks, err := readInput(env, files, platform, "PackageRef", "Lock", "Installed")
	if err != nil {
		return nil, nil, err
	}
	out = append(out, reqs...)
	for _, l := range locks {
		for _, r := range l.Requests {
			p := r.Platform
			if platform != "" {
				p = platform
			}
			out = append(out, resolve.Request{Name: r.Name, Constraint: r.Version, Platform: p})
		}
	}
	if len(out) == 0 {
		return nil, nil, cli.Usagef("nothing to resolve: name packages (hello, core/hello@^1) or read PackageRef documents, a Lock or Installed documents with explicit installs with -f")
	}
	return out, locks, nil
}

// lockInput is the lock a reading verb works on: the one Lock document of -f, else
// the installed packages as installed.yaml records them.
func lockInput(ctx context.Context, env *cli.Env, files cli.FileFlags, flags *planFlags) (*api.Lock, bool, error) {
	if len(files.Paths) > 0 {
		lock, err := readLock(env, files)
		return lock, false, err
	}
	h, err := home(env)
	if err != nil {
		return nil, false, err
	}
	lock, err := plan.Installed(ctx, h, flags.options(env))
	if err != nil {
		return nil, false, err
	}
	return lock, true, nil
}

// installedKey is the name arg has in the lock of the installed packages: a package
// installed under the name arg (as `pkg-pull list` shows it) is found by it, also a
// companion that the lock knows by the repository a rule's `ref:` names; otherwise arg
// as a lock writes it.
func installedKey(env *cli.Env, arg string) (string, error) {
	h, err := home(env)
	if err != nil {
		return "", err
	}
	key, ok, err := plan.InstalledPackage(h, arg)
	if err != nil || !ok {
		return plan.PackageName(arg), err
	}
	return key, nil
}

// readLock reads exactly one Lock document from -f.
func readLock(env *cli.Env, files cli.FileFlags) (*api.Lock, error) {
	_, locks, err := readInput(env, files, "", "Lock")
	if err != nil {
		return nil, err
	}
	if len(locks) != 1 {
		return nil, cli.Usagef("-f: expected one Lock document, found %d (pkg-dep resolve writes one)", len(locks))
	}
	return locks[0], nil
}
