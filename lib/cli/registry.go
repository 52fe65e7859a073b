package cli

import (
	"os"
	"time"

	"github.com/spf13/pflag"

	"longshore.dev/lib/oci"
	"longshore.dev/lib/progress"
)

// RegistryFlags is the group every verb that talks to a registry shares.
type RegistryFlags struct {
	PlainHTTP bool
	CAFile    string
	Insecure  bool
	fs        *pflag.FlagSet
	warned    bool // --insecure was said, once
}

// AddTo registers the registry flags on fs.
func (r *RegistryFlags) AddTo(fs *pflag.FlagSet) {
	r.fs = fs
	fs.BoolVar(&r.PlainHTTP, "plain-http", false,
		"talk plain HTTP to the registry (default: only for localhost, 127.0.0.0/8 and ::1; --plain-http=false forces TLS)")
	fs.StringVar(&r.CAFile, "ca-file", "", "PEM file of CA certificates to trust for the registry, besides the system's (default: $"+CAFileEnv+")")
	fs.BoolVar(&r.Insecure, "insecure", false, "skip TLS certificate verification (unsafe)")
}

// CAFileEnv names a CA file every registry verb trusts when --ca-file is not given: a
// company's internal CA, set once in a profile or a CI job, rather than on each
// command (pkg-tap update and pkg-pull upgrade included). --ca-file= turns it off.
const CAFileEnv = "LONGSHORE_CA_FILE"

// Options turns the flags into oci options for the given binary.
func (r *RegistryFlags) Options(env *Env) oci.Options {
	opts := oci.Options{CAFile: r.CAFile, Insecure: r.Insecure, UserAgent: UserAgent(env.Binary), Waiting: waiting(env), LayoutWaiting: layoutWaiting(env), Retrying: retrying(env)}
	// Every verb that reaches a registry gets its options here: -v and -vv mean the same
	// in each binary.
	if env.Verbose >= 1 {
		opts.Debugf = env.Debugf
	}
	if env.Verbose >= 2 {
		opts.Requested = func(r oci.RequestLog) { env.Debugf("%s", r) }
	}
	if r.Insecure && !r.warned {
		r.warned = true
		env.Warnf("--insecure: registry TLS certificates are not checked; anyone on the network between you and a registry can pose as it, and read your credentials")
	}
	if (r.fs == nil || !r.fs.Changed("ca-file")) && env.Getenv != nil {
		if file := env.Getenv(CAFileEnv); file != "" {
			opts.CAFile, opts.CAFileFrom = file, CAFileEnv
		}
	}
	if r.fs != nil && r.fs.Changed("plain-http") {
		plain := r.PlainHTTP
		opts.PlainHTTP = &plain
	}
	return opts
}

// SideRegistryFlags are one side's registry flags for a verb that reads from some
// registries and writes to another (pkg-pull mirror), in the style of oras copy:
// --from-plain-http, --to-ca-file, --to-registry-config, … Each one set overrides the
// shared RegistryFlags of the same name, for its side only.
type SideRegistryFlags struct {
	Prefix string // "from" or "to"
	What   string // "the source registries", in help text
	plain  bool
	caFile string
	insec  bool
	config string
	fs     *pflag.FlagSet
}

// AddTo registers the side's flags on fs.
func (s *SideRegistryFlags) AddTo(fs *pflag.FlagSet) {
	s.fs = fs
	fs.BoolVar(&s.plain, s.flag("plain-http"), false, "like --plain-http, for "+s.What+" only")
	fs.StringVar(&s.caFile, s.flag("ca-file"), "", "like --ca-file, for "+s.What+" only")
	fs.BoolVar(&s.insec, s.flag("insecure"), false, "like --insecure, for "+s.What+" only (unsafe)")
	fs.StringVar(&s.config, s.flag("registry-config"), "",
		"docker config file with the credentials for "+s.What+" (default: DOCKER_CONFIG or ~/.docker/config.json)")
}

func (s *SideRegistryFlags) flag(name string) string { return s.Prefix + "-" + name }

// Options lays the side's flags over base, the shared flags' options. A file flag
// naming no file is a usage error.
func (s *SideRegistryFlags) Options(base oci.Options) (oci.Options, error) {
	opts := base
	if s.fs == nil {
		return opts, nil
	}
	if s.fs.Changed(s.flag("plain-http")) {
		plain := s.plain
		opts.PlainHTTP = &plain
	}
	if s.fs.Changed(s.flag("insecure")) {
		opts.Insecure = s.insec
	}
	for _, f := range []struct {
		name  string
		value string
		set   *string
	}{{"ca-file", s.caFile, &opts.CAFile}, {"registry-config", s.config, &opts.RegistryConfig}} {
		if !s.fs.Changed(s.flag(f.name)) {
			continue
		}
		if _, err := os.Stat(f.value); err != nil {
			return opts, Usagef("--%s: %w", s.flag(f.name), err)
		}
		*f.set = f.value
		if f.name == "ca-file" {
			opts.CAFileFrom = "--" + s.flag(f.name)
		}
	}
	return opts, nil
}

// waiting is the line a registry that keeps a command waiting gets: without it, a
// silent registry looks like a hung command.
func waiting(env *Env) func(host string, waited time.Duration) {
	return func(host string, waited time.Duration) {
		env.Infof("Still waiting for %s to answer (%s so far; Ctrl-C stops)...", host, waited)
	}
}

// layoutWaiting is the line a local layout another command holds gets: a push waits
// for a mirror into the same layout to finish, which may take minutes.
func layoutWaiting(env *Env) func(where string) {
	return func(where string) {
		env.Infof("Waiting for another command, which holds %s, to finish with it (Ctrl-C stops)...", where)
	}
}

// retrying is the line an upload the registry failed for a moment gets before it is
// made again: a CI log then shows why a push took longer, and which registry failed.
func retrying(env *Env) func(oci.UploadRetry) {
	return func(u oci.UploadRetry) {
		env.Infof("%s failed the upload of %s (%s): trying again in %s (%d of %d)", u.Where, u.Blob, u.Why, u.Wait, u.Try, u.Tries)
	}
}

// WaitingAbove has opts' lines about a registry that keeps a command waiting, or fails
// an upload for a moment, and those of -v and -vv, printed above meter's status line,
// as a transfer's other lines are (progress.Meter.Above): written as they are, they
// would run onto the end of "Downloading … 23%". A nil meter changes nothing.
func WaitingAbove(opts oci.Options, meter *progress.Meter) oci.Options {
	if meter == nil {
		return opts
	}
	if wait := opts.Waiting; wait != nil {
		opts.Waiting = func(host string, waited time.Duration) {
			meter.Above(func() { wait(host, waited) })
		}
	}
	if wait := opts.LayoutWaiting; wait != nil {
		opts.LayoutWaiting = func(where string) { meter.Above(func() { wait(where) }) }
	}
	if retry := opts.Retrying; retry != nil {
		opts.Retrying = func(u oci.UploadRetry) { meter.Above(func() { retry(u) }) }
	}
	if debugf := opts.Debugf; debugf != nil {
		opts.Debugf = func(format string, args ...any) { meter.Above(func() { debugf(format, args...) }) }
	}
	if requested := opts.Requested; requested != nil {
		opts.Requested = func(r oci.RequestLog) { meter.Above(func() { requested(r) }) }
	}
	return opts
}
