// Package suggest lists the names shell completion offers (lib/cli's Completer): the
// installed packages, the configured taps and the packages they list. Each reads only
// local files, and answers nothing rather than an error: completion runs on every Tab.
package suggest

import (
	"context"
	"slices"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/store"
	"longshore.dev/lib/stream"
	"longshore.dev/lib/tap"
)

// Installed offers the installed packages not already among the arguments, described
// by version and reason.
func Installed(_ context.Context, env *cli.Env, c cli.Completion) ([]string, cli.Directive) {
	return installed(env, c, false)
}

// Explicit is Installed of the packages installed explicitly (pkg-pull upgrade takes
// no dependency).
func Explicit(_ context.Context, env *cli.Env, c cli.Completion) ([]string, cli.Directive) {
	return installed(env, c, true)
}

func installed(env *cli.Env, c cli.Completion, explicitOnly bool) ([]string, cli.Directive) {
	if c.Flag != "" {
		return nil, cli.CompleteDefault
	}
	home, err := store.DefaultHome(env.Getenv)
	if err != nil {
		return nil, cli.CompleteNoFiles
	}
	list, err := (&store.Store{Home: home}).List()
	if err != nil {
		return nil, cli.CompleteNoFiles
	}
	var out []string
	for _, inst := range list {
		if !slices.Contains(c.Args, inst.Name) && (!explicitOnly || inst.Reason == api.ReasonExplicit) {
			out = append(out, inst.Name+"\t"+inst.Version+" ("+inst.Reason+")")
		}
	}
	return out, cli.CompleteNoFiles
}

// Taps offers the configured taps, described by their source: for a verb's arguments,
// and for any --tap flag.
func Taps(_ context.Context, env *cli.Env, c cli.Completion) ([]string, cli.Directive) {
	config, ok := load(env)
	if !ok {
		return nil, cli.CompleteNoFiles
	}
	var out []string
	for _, s := range config.Taps {
		if !slices.Contains(c.Args, s.Name) {
			out = append(out, s.Name+"\t"+s.Source)
		}
	}
	return out, cli.CompleteNoFiles
}

// Packages offers what the taps list, as NAME and TAP/NAME, described by their latest
// version and description; --tap gets the taps.
func Packages(ctx context.Context, env *cli.Env, c cli.Completion) ([]string, cli.Directive) {
	if c.Flag == "tap" {
		return Taps(ctx, env, cli.Completion{Word: c.Word})
	}
	if c.Flag != "" {
		return nil, cli.CompleteDefault
	}
	config, ok := load(env)
	if !ok {
		return nil, cli.CompleteNoFiles
	}
	hits, _ := config.Search("", "")
	seen := map[string]bool{}
	var out []string
	for _, h := range hits {
		desc := h.Version
		if h.Description != "" {
			desc += " " + h.Description
		}
		if !seen[h.Name] {
			seen[h.Name] = true
			out = append(out, h.Name+"\t"+desc)
		}
		out = append(out, h.Qualified()+"\t"+desc)
	}
	return out, cli.CompleteNoFiles
}

// OnlyFlag answers only for flag (its values, by the Completer given), leaving a
// verb's arguments to the shell.
func OnlyFlag(flag string, complete cli.Completer) cli.Completer {
	return func(ctx context.Context, env *cli.Env, c cli.Completion) ([]string, cli.Directive) {
		if c.Flag != flag {
			return nil, cli.CompleteNoFiles
		}
		return complete(ctx, env, cli.Completion{Word: c.Word})
	}
}

func load(env *cli.Env) (*tap.Config, bool) {
	home, err := store.DefaultHome(env.Getenv)
	if err != nil {
		return nil, false
	}
	config, err := tap.Load(home)
	return config, err == nil
}

// Resolve is pkg-dep resolve's completion: --update offers the packages of the locks
// read with -f (files only; stdin cannot be read twice), arguments the taps' packages.
func Resolve(ctx context.Context, env *cli.Env, c cli.Completion) ([]string, cli.Directive) {
	if c.Flag != "update" {
		return Packages(ctx, env, c)
	}
	var out []string
	for _, path := range c.Flags["filename"] {
		if path == "-" {
			continue
		}
		docs, err := stream.ReadFiles([]string{path}, nil, api.Kinds)
		if err != nil {
			continue
		}
		for _, d := range docs {
			lock, ok := d.Value.(*api.Lock)
			if !ok {
				continue
			}
			for _, p := range lock.Packages {
				if !slices.Contains(c.Flags["update"], p.Name) {
					out = append(out, p.Name+"\t"+p.Version+" ("+p.Reason+")")
				}
			}
		}
	}
	return out, cli.CompleteNoFiles
}
