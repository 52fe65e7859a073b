// Package clitest runs a binary's cli.App in process, for the tests of the cmd-*
// modules: the same Main a real invocation runs, with a given environment and standard
// input, and its output captured.
package clitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"longshore.dev/lib/cli"
)

// Result is what one invocation did.
type Result struct {
	Code           int
	Stdout, Stderr string
}

func (r Result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// Run runs app with args, env as its whole environment and stdin as its standard
// input. Neither stdin nor stdout is a terminal.
func Run(app *cli.App, env map[string]string, stdin string, args ...string) Result {
	var out, errb bytes.Buffer
	e := &cli.Env{
		Inv:    cli.Invocation{Prog: app.Binary},
		Binary: app.Binary,
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
	}
	code := app.Main(context.Background(), e, args)
	return Result{Code: code, Stdout: out.String(), Stderr: errb.String()}
}

// Must runs like Run and fails the test unless the exit code is 0.
func Must(t testing.TB, app *cli.App, env map[string]string, stdin string, args ...string) Result {
	t.Helper()
	r := Run(app, env, stdin, args...)
	if r.Code != 0 {
		t.Fatalf("%s %s: %s", app.Binary, strings.Join(args, " "), r)
	}
	return r
}

// YAMLValue turns one YAML document (a command's -o yaml output) into the value a
// jsonschema.Schema validates, for checking output against manifests/schemas.
func YAMLValue(t testing.TB, doc string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// HelpWidth is how wide a line of a help text's prose may be: it is read in a terminal
// of 80 to 100 columns.
const HelpWidth = 90

// CheckHelp runs --help for app and for each of its commands and subcommands, and
// checks that each says what it does in one line, has a usage line and at least one
// example, prints only to stdout, and wraps its prose within HelpWidth columns.
func CheckHelp(t *testing.T, app *cli.App) {
	t.Helper()
	check := func(args []string, summary string) {
		t.Helper()
		r := Run(app, nil, "", append(args, "--help")...)
		path := strings.Join(append([]string{app.Binary}, args...), " ")
		if r.Code != 0 || r.Stderr != "" {
			t.Errorf("%s --help: %s", path, r)
			return
		}
		first, rest, _ := strings.Cut(r.Stdout, "\n")
		if got, ok := strings.CutPrefix(first, path+": "); !ok || got == "" || summary != "" && got != summary {
			t.Errorf("%s --help: first line %q, want %q (a one-line summary)", path, first, path+": "+summary)
		}
		// -v means the same everywhere, and its help says what that is.
		if strings.Contains(r.Stdout, "\nFlags:\n") && !strings.Contains(r.Stdout, "-v steps, timings and where credentials come from; -vv also every registry request") {
			t.Errorf("%s --help does not say what -v and -vv print:\n%s", path, r.Stdout)
		}
		prose, _, ok := strings.Cut(rest, "\nUsage:\n")
		if !ok {
			t.Errorf("%s --help has no usage:\n%s", path, r.Stdout)
		}
		if !strings.Contains(r.Stdout, "\nExamples:\n  ") {
			t.Errorf("%s --help has no example:\n%s", path, r.Stdout)
		}
		for _, line := range strings.Split(prose, "\n") {
			if len([]rune(line)) > HelpWidth {
				t.Errorf("%s --help: a line of %d columns (wrap at %d): %q", path, len([]rune(line)), HelpWidth, line)
			}
		}
	}
	check(nil, app.Short)
	// Every binary has completion too; its summary is lib/cli's.
	for _, c := range append(slices.Clip(app.Commands), &cli.Command{Name: "completion"}) {
		check([]string{c.Name}, c.Short)
		for _, sub := range c.Subcommands {
			check([]string{c.Name, sub.Name}, sub.Short)
		}
		// An alias's help is the verb's, which names the verb and lists its aliases.
		want := Run(app, nil, "", c.Name, "--help").Stdout
		for _, alias := range c.Aliases {
			if got := Run(app, nil, "", alias, "--help").Stdout; got != want {
				t.Errorf("%s %s --help differs from %s %s --help:\n%s", app.Binary, alias, app.Binary, c.Name, got)
			}
		}
		if len(c.Aliases) > 0 && !strings.Contains(want, "\nAliases:\n  "+strings.Join(append([]string{c.Name}, c.Aliases...), ", ")+"\n") {
			t.Errorf("%s %s --help does not list its aliases %v:\n%s", app.Binary, c.Name, c.Aliases, want)
		}
	}
}
