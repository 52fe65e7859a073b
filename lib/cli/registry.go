package cli

import (
	"github.com/spf13/pflag"

	"longshore.dev/lib/oci"
)

// RegistryFlags is the group every verb that talks to a registry shares.
type RegistryFlags struct {
	PlainHTTP bool
	CAFile    string
	Insecure  bool
	fs        *pflag.FlagSet
}

// AddTo registers the registry flags on fs.
func (r *RegistryFlags) AddTo(fs *pflag.FlagSet) {
	r.fs = fs
	fs.BoolVar(&r.PlainHTTP, "plain-http", false,
		"talk plain HTTP to the registry (default: only for localhost and 127.0.0.1; --plain-http=false forces TLS)")
	fs.StringVar(&r.CAFile, "ca-file", "", "PEM file of CA certificates to trust for the registry")
	fs.BoolVar(&r.Insecure, "insecure", false, "skip TLS certificate verification (unsafe)")
}

// Options turns the flags into oci options for the given binary.
func (r *RegistryFlags) Options(env *Env) oci.Options {
	opts := oci.Options{CAFile: r.CAFile, Insecure: r.Insecure, UserAgent: UserAgent(env.Binary)}
	if r.fs != nil && r.fs.Changed("plain-http") {
		plain := r.PlainHTTP
		opts.PlainHTTP = &plain
	}
	return opts
}
