package main

import (
	"longshore.dev/lib/cli"
	"longshore.dev/lib/store"
	"longshore.dev/lib/tap"
)

// tapOptions are what every verb that reaches a tap source shares.
type tapOptions struct {
	registry cli.RegistryFlags
}

// options turns the flags into tap options: registry access with the credentials of
// the docker config the environment names.
func (o *tapOptions) options(env *cli.Env) tap.Options {
	opts := tap.Options{OCI: o.registry.Options(env)}
	opts.OCI.Credentials = tap.CredentialStore(env.Getenv)
	return opts
}

// home is $LONGSHORE_HOME (default ~/.longshore).
func home(env *cli.Env) (string, error) {
	return store.DefaultHome(env.Getenv)
}

// loadConfig reads the tap configuration of the home; -v says which cached index
// each tap's lookups read.
func loadConfig(env *cli.Env) (*tap.Config, error) {
	h, err := home(env)
	if err != nil {
		return nil, err
	}
	c, err := tap.Load(h)
	if err == nil {
		c.SetDebugf(env.Debugf)
	}
	return c, err
}
