package main

import (
	"context"

	"github.com/spf13/pflag"

	"longshore.dev/lib/cli"
	"longshore.dev/lib/tap"
)

func newLoginCmd() *cli.Command {
	var (
		registry      cli.RegistryFlags
		user          string
		passwordStdin bool
	)
	return &cli.Command{
		Name:  "login",
		Short: "store credentials for a registry",
		Use:   "REGISTRY",
		Long: `Checks a user name and password (or token) against REGISTRY and stores them the way
docker does, in the docker config ($DOCKER_CONFIG/config.json, else
~/.docker/config.json): through its credential helper when one is configured
(credsStore or credHelpers), else in the file itself, base64-encoded (not encrypted).
Every longshore binary, docker, oras and helm then use them.

The password is read from standard input with --password-stdin, or prompted for with
echo off when standard input is a terminal. It is never taken from the command line
and never printed.`,
		Example: `echo "$TOKEN" | {prog} ghcr.io -u alice --password-stdin
{prog} localhost:5000 -u alice`,
		Flags: func(fs *pflag.FlagSet) {
			fs.StringVarP(&user, "username", "u", "", "user name")
			fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password or token from standard input")
			registry.AddTo(fs)
		},
		Args: cli.ExactArgs("REGISTRY"),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			if err := tap.CheckRegistry(args[0]); err != nil {
				return err
			}
			var err error
			if user == "" {
				if passwordStdin || !tap.IsTerminal(env.Stdin) {
					return cli.Usagef("missing user name: give -u USER")
				}
				if user, err = tap.ReadUsername(env.Stdin, env.Stderr); err != nil {
					return err
				}
			}
			password, err := tap.ReadPassword(env.Stdin, env.Stderr, passwordStdin)
			if err != nil {
				return err
			}
			config, err := tap.DockerConfigPath(env.Getenv)
			if err != nil {
				return err
			}
			res, err := tap.Login(ctx, tap.LoginOptions{
				Registry: args[0], Username: user, Password: password,
				DockerConfig: config, OCI: registry.Options(env),
			})
			if err != nil {
				return err
			}
			if res.Helper != "" {
				env.Infof("Login succeeded for %s: credentials stored by %s", res.Registry, res.Helper)
				return nil
			}
			env.Warnf("the password is stored unencrypted (base64) in %s; configure a credential helper (credsStore) to keep it in the system keychain", res.ConfigPath)
			env.Infof("Login succeeded for %s", res.Registry)
			return nil
		},
	}
}

func newLogoutCmd() *cli.Command {
	return &cli.Command{
		Name:  "logout",
		Short: "remove stored credentials for a registry",
		Use:   "REGISTRY",
		Long: `Removes the credentials stored for REGISTRY from the docker config or its
credential helper.`,
		Example: "{prog} ghcr.io",
		Args:    cli.ExactArgs("REGISTRY"),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			config, err := tap.DockerConfigPath(env.Getenv)
			if err != nil {
				return err
			}
			removed, err := tap.Logout(ctx, args[0], config)
			if err != nil {
				return err
			}
			if !removed {
				env.Infof("Not logged in to %s: nothing to remove", args[0])
				return nil
			}
			env.Infof("Removed the credentials for %s", args[0])
			return nil
		},
	}
}
