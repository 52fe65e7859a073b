package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/lint"
)

type lintOptions struct {
	strict bool
	output *cli.OutputFlags
}

func newLintCmd() *cli.Command {
	o := &lintOptions{output: cli.NewOutputFlags(cli.Table, cli.YAML, cli.JSON)}
	return &cli.Command{
		Name:  "lint",
		Short: "check a package before publishing",
		Use:   "[DIR]",
		Long: `Checks DIR (default: the current directory) the way pkg-push would publish it:
package.yaml (fields, name, version, license, URLs, dependencies, platforms, entry
points, environment) and each platform's content (paths, symlinks followed through
each other, broken symlinks, names that differ only in case where a platform folds
case, special files, setuid bits, sizes), honouring .pkgignore. Each finding has a
stable rule id, a severity, a location and what to do; docs/lint-rules.md describes
every rule.

Exits 6 when there is an error, or with --strict a warning; the report is printed
first. With GITHUB_ACTIONS=true, findings are also written to stderr as GitHub workflow
annotations (::error file=…,line=…::…).`,
		Example: `# check the package in the current directory
{prog}

# fail on warnings too, as CI should
{prog} ./hello --strict

# the report as a LintReport document
{prog} ./hello -o yaml`,
		Flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&o.strict, "strict", false, "fail (exit 6) on warnings too")
			o.output.AddTo(fs)
		},
		Args:     maxOneDir,
		Complete: directories,
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			return runLint(env, o, dirArg(args))
		},
	}
}

func runLint(env *cli.Env, o *lintOptions, dir string) error {
	format, err := o.output.Format(env)
	if err != nil {
		return err
	}
	report, err := lint.Check(dir, lint.Options{})
	if err != nil {
		return err
	}
	switch {
	case format != cli.Table:
		if err := cli.Print(env.Stdout, format, []any{report}, cli.Columns{}); err != nil {
			return err
		}
	case len(report.Findings) > 0:
		rows := make([]any, len(report.Findings))
		for i, f := range report.Findings {
			rows[i] = f
		}
		err := cli.Print(env.Stdout, format, rows, cli.Columns{
			Headers: []string{"RULE", "SEVERITY", "LOCATION", "MESSAGE"},
			Row: func(doc any) []string {
				f := doc.(api.Finding)
				return []string{f.Rule, f.Severity, location(dir, f), f.Message}
			},
		})
		if err != nil {
			return err
		}
	}
	if env.Getenv != nil && env.Getenv("GITHUB_ACTIONS") == "true" {
		workspace := env.Getenv("GITHUB_WORKSPACE")
		for _, f := range report.Findings {
			fmt.Fprintln(env.Stderr, annotation(dir, workspace, f))
		}
	}
	// A directory's name may hold any byte: an ESC sequence must not reach the terminal.
	env.Infof("%s: %s", cli.Printable(dir), summary(report))
	switch {
	case report.Errors > 0:
		return fault.New(fault.Verify, fmt.Errorf("lint found %s in %s", plural(report.Errors, "error"), cli.Printable(dir)),
			"fix the findings above; docs/lint-rules.md explains each rule")
	case o.strict && report.Warnings > 0:
		return fault.New(fault.Verify, fmt.Errorf("lint found %s in %s (--strict fails on warnings)", plural(report.Warnings, "warning"), cli.Printable(dir)),
			"fix the findings above; docs/lint-rules.md explains each rule")
	}
	return nil
}

// location is where a finding points, as the user can open it: DIR/FILE:LINE.
func location(dir string, f api.Finding) string {
	if f.File == "" {
		return dir
	}
	loc := filepath.Join(dir, filepath.FromSlash(f.File))
	if f.Line > 0 {
		loc += ":" + strconv.Itoa(f.Line)
	}
	return loc
}

func summary(r *api.LintReport) string {
	if r.Errors == 0 && r.Warnings == 0 {
		return "no problems found"
	}
	return plural(r.Errors, "error") + ", " + plural(r.Warnings, "warning")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// annotation formats a finding as a GitHub Actions workflow command, its file relative
// to the workspace (the checkout) when the package is inside it. Its text is escaped
// as every message is (cli.PrintableLines) before the runner's escaping: a file name
// may hold any byte but NUL and '/', and the job's log must not receive an escape
// sequence or a bidi override from one. Line breaks stay, escaped for the runner.
func annotation(dir, workspace string, f api.Finding) string {
	command := "error"
	if f.Severity == api.SeverityWarning {
		command = "warning"
	}
	var props []string
	if f.File != "" {
		props = append(props, "file="+escapeProperty(cli.PrintableLines(workspacePath(dir, workspace, f.File))))
		if f.Line > 0 {
			props = append(props, "line="+strconv.Itoa(f.Line))
		}
	}
	props = append(props, "title="+escapeProperty(cli.PrintableLines(f.Rule)))
	return "::" + command + " " + strings.Join(props, ",") + "::" + escapeData(cli.PrintableLines(f.Message))
}

func workspacePath(dir, workspace, file string) string {
	p := filepath.Join(dir, filepath.FromSlash(file))
	if workspace == "" {
		return filepath.ToSlash(p)
	}
	abs, err1 := filepath.Abs(p)
	ws, err2 := filepath.Abs(workspace)
	if err1 != nil || err2 != nil {
		return filepath.ToSlash(p)
	}
	rel, err := filepath.Rel(ws, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(rel)
}

// escapeData and escapeProperty escape as GitHub's runner unescapes workflow commands
// (actions/toolkit, packages/core/src/command.ts).
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
