// Running the action's scripts: each check below uses the action as a job would, its
// run: steps executed by bash in order (uses: steps skipped), with a stub for every
// program they call, then looks at what the scripts passed to those programs and what
// they wrote as outputs. No build, registry or network is involved: what is tested is
// what the scripts do with their inputs.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

type actionFile struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	Name string            `yaml:"name"`
	ID   string            `yaml:"id"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Env  map[string]string `yaml:"env"`
	Run  string            `yaml:"run"`
}

// stub stands in for git, install.sh, pkg-push and pkg-tap. It records each call in
// $CALLS (the program's name and arguments, each ended by \x1f; a call ended by \x1e)
// and does just enough for the scripts to go on.
const stub = `#!/usr/bin/env bash
set -euo pipefail
name=${0##*/}
record() { printf '%s\x1f' "$name" "$@" >>"$CALLS"; printf '\x1e' >>"$CALLS"; }
case $name in
git)
	record "$@"
	# git init DIR: a checkout whose scripts/install.sh is this stub.
	if [[ ${1-} == init ]]; then
		mkdir -p "${!#}/scripts"
		ln -sf "$(dirname "$0")/install.sh" "${!#}/scripts/install.sh"
	fi
	;;
install.sh) record "LONGSHORE_VERSION=${LONGSHORE_VERSION-}" "$@" ;;
pkg-push)
	record "$@"
	if [[ ${1-} == lint ]]; then
		# A finding, annotated as pkg-push annotates them.
		[[ ${GITHUB_ACTIONS-} == true ]] && echo "::warning file=package.yaml,title=stub::a lint finding" >&2
		[[ ${2-} == -o && ${3-} == yaml ]] && printf -- '---\nkind: LintReport\npackage: hello\nversion: %s\nfindings: []\n' "${STUB_VERSION:-0.1.0}"
		exit 0
	fi
	to= prev=
	for a in "$@"; do
		[[ $prev == --to ]] && to=$a
		prev=$a
	done
	printf -- '---\napiVersion: longshore.dev/v1alpha1\nkind: Published\nrepository: %s\ndigest: sha256:%064d\n' "$to" 0
	;;
pkg-tap)
	record "$@"
	cat >/dev/null
	;;
esac
`

// digest is what the pkg-push stub prints.
var digest = "sha256:" + strings.Repeat("0", 64)

// job is one job's runner machine: the uses of the action in it share RUNNER_TEMP, the
// workspace and the record of calls.
type job struct {
	dir    string
	bin    string // the stubs, first on PATH
	calls  string // their record
	action string // github.action_path: a checkout whose scripts/install.sh is the stub
	// env is what the runner sets for every step besides what use sets, such as
	// GITHUB_REF_TYPE=tag, and STUB_VERSION, the version the pkg-push stub's lint reports.
	env []string
}

func newJob() (*job, error) {
	dir, err := os.MkdirTemp("", "checkaction-job-")
	if err != nil {
		return nil, err
	}
	j := &job{dir: dir, bin: filepath.Join(dir, "bin"), calls: filepath.Join(dir, "calls"), action: filepath.Join(dir, "action")}
	for _, d := range []string{j.bin, filepath.Join(j.action, "scripts"), filepath.Join(dir, "temp"), filepath.Join(dir, "workspace"), filepath.Join(dir, "home")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	for _, name := range []string{"git", "install.sh", "pkg-push", "pkg-tap"} {
		if err := os.WriteFile(filepath.Join(j.bin, name), []byte(stub), 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.Symlink(filepath.Join(j.bin, "install.sh"), filepath.Join(j.action, "scripts", "install.sh")); err != nil {
		return nil, err
	}
	return j, os.WriteFile(j.calls, nil, 0o644)
}

func (j *job) remove() { os.RemoveAll(j.dir) }

// callsTo returns the arguments of each call to program, in order.
func (j *job) callsTo(program string) [][]string {
	data, _ := os.ReadFile(j.calls)
	var out [][]string
	for _, call := range strings.Split(string(data), "\x1e") {
		fields := strings.Split(call, "\x1f")
		if len(fields) > 1 && fields[0] == program {
			out = append(out, fields[1:len(fields)-1])
		}
	}
	return out
}

// use is what one use of the action did.
type use struct {
	uses    []string                     // the uses: steps that would run (not run here)
	failed  string                       // the step that failed; "" when every step passed
	log     string                       // what the scripts printed
	outputs map[string]map[string]string // steps.ID.outputs.NAME
}

var (
	exprRE = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)
	condRE = regexp.MustCompile(`^inputs\.([A-Za-z0-9_-]+)\s*(==|!=)\s*''$`)
)

// use runs the action's steps with inputs with, as a step of the job.
func (j *job) use(a *actionFile, with map[string]string) (*use, error) {
	inputs := map[string]string{}
	for name, in := range a.Inputs {
		inputs[name] = in.Default
	}
	for name, v := range with {
		if _, ok := a.Inputs[name]; !ok {
			return nil, fmt.Errorf("the check gives input %s, which action.yml does not declare", name)
		}
		inputs[name] = v
	}
	github := map[string]string{
		"action_path":       j.action,
		"action_ref":        "v0",
		"action_repository": "longshore-dev/longshore",
	}
	u := &use{outputs: map[string]map[string]string{}}
	eval := func(expr string) (string, error) {
		parts := strings.Split(expr, ".")
		switch {
		case len(parts) == 2 && parts[0] == "inputs":
			if v, ok := inputs[parts[1]]; ok {
				return v, nil
			}
		case len(parts) == 2 && parts[0] == "github":
			if v, ok := github[parts[1]]; ok {
				return v, nil
			}
		case len(parts) == 4 && parts[0] == "steps" && parts[2] == "outputs":
			return u.outputs[parts[1]][parts[3]], nil
		}
		return "", fmt.Errorf("cannot evaluate ${{ %s }}: teach scripts/checkaction/run.go", expr)
	}
	var log bytes.Buffer
	for i, s := range a.Runs.Steps {
		if s.If != "" {
			m := condRE.FindStringSubmatch(strings.TrimSpace(exprRE.ReplaceAllString(s.If, "$1")))
			if m == nil {
				return nil, fmt.Errorf("step %q: cannot evaluate if: %s: teach scripts/checkaction/run.go", s.Name, s.If)
			}
			if (inputs[m[1]] == "") != (m[2] == "==") {
				continue
			}
		}
		if s.Run == "" {
			u.uses = append(u.uses, s.Uses) // uses: steps (setup-go) are not run here
			continue
		}
		output := filepath.Join(j.dir, fmt.Sprintf("output-%d", i))
		script := filepath.Join(j.dir, fmt.Sprintf("step-%d.sh", i))
		if err := os.WriteFile(output, nil, 0o644); err != nil {
			return nil, err
		}
		if err := os.WriteFile(script, []byte(s.Run), 0o644); err != nil {
			return nil, err
		}
		env := []string{
			"PATH=" + j.bin + string(os.PathListSeparator) + os.Getenv("PATH"),
			"HOME=" + filepath.Join(j.dir, "home"),
			"CALLS=" + j.calls,
			"GITHUB_ACTIONS=true",
			"GITHUB_WORKSPACE=" + filepath.Join(j.dir, "workspace"),
			"GITHUB_OUTPUT=" + output,
			"GITHUB_PATH=" + filepath.Join(j.dir, "github_path"),
			"RUNNER_TEMP=" + filepath.Join(j.dir, "temp"),
		}
		env = append(env, j.env...)
		for name, v := range s.Env {
			var err error
			v = exprRE.ReplaceAllStringFunc(v, func(e string) string {
				out, eerr := eval(exprRE.FindStringSubmatch(e)[1])
				if eerr != nil {
					err = eerr
				}
				return out
			})
			if err != nil {
				return nil, fmt.Errorf("step %q: env %s: %w", s.Name, name, err)
			}
			env = append(env, name+"="+v)
		}
		// As GitHub's runner runs shell: bash.
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir = filepath.Join(j.dir, "workspace")
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = &log, &log
		err := cmd.Run()
		u.log = log.String()
		if s.ID != "" {
			outs, perr := readOutputs(output)
			if perr != nil {
				return nil, fmt.Errorf("step %q: %w", s.Name, perr)
			}
			u.outputs[s.ID] = outs
		}
		if err != nil {
			u.failed = s.Name
			return u, nil
		}
	}
	return u, nil
}

// readOutputs reads a $GITHUB_OUTPUT file: NAME=VALUE lines and NAME<<DELIMITER blocks.
func readOutputs(file string) (map[string]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		if name, v, ok := strings.Cut(lines[i], "="); ok {
			out[name] = v
			continue
		}
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			if lines[i] == "" {
				continue
			}
			return nil, fmt.Errorf("$GITHUB_OUTPUT line %q is neither NAME=VALUE nor NAME<<DELIMITER", lines[i])
		}
		end := slices.Index(lines[i+1:], delim)
		if end < 0 {
			return nil, fmt.Errorf("$GITHUB_OUTPUT: %s<<%s is not closed", name, delim)
		}
		out[name] = strings.Join(lines[i+1:i+1+end], "\n")
		i += end + 1
	}
	return out, nil
}

// flag returns the value of --name in args (as --name VALUE or --name=VALUE).
func flag(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

// publishCalls are the calls to pkg-push that publish (not lint).
func publishCalls(j *job) [][]string {
	var out [][]string
	for _, c := range j.callsTo("pkg-push") {
		if len(c) == 0 || c[0] != "lint" {
			out = append(out, c)
		}
	}
	return out
}

// check is one use (or several) of the action and what must come of it.
type check struct {
	name string
	run  func(a *actionFile, j *job) error
}

var base = map[string]string{"repository": "ghcr.io/org/hello"}

// with is base with more inputs.
func with(kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// succeeds runs the action with inputs and fails unless every step passed.
func succeeds(a *actionFile, j *job, inputs map[string]string) (*use, error) {
	u, err := j.use(a, inputs)
	if err != nil {
		return nil, err
	}
	if u.failed != "" {
		return nil, fmt.Errorf("step %q failed:\n%s", u.failed, u.log)
	}
	return u, nil
}

// refuses runs the action with inputs and fails unless step stops it with an ::error.
func refuses(a *actionFile, j *job, inputs map[string]string, step, message string) error {
	u, err := j.use(a, inputs)
	if err != nil {
		return err
	}
	if u.failed != step || !strings.Contains(u.log, "::error") || !strings.Contains(u.log, message) {
		return fmt.Errorf("with %v: want step %q to fail with an ::error saying %q; failed step %q, log:\n%s", inputs, step, message, u.failed, u.log)
	}
	return nil
}

var checks = []check{
	{"lint, publish, add to the index", func(a *actionFile, j *job) error {
		u, err := succeeds(a, j, with("package-dir", "pkg", "cascade", "true", "index", "ghcr.io/org/index"))
		if err != nil {
			return err
		}
		lint := j.callsTo("pkg-push")
		if len(lint) == 0 || lint[0][0] != "lint" || !slices.Contains(lint[0], "pkg") {
			return fmt.Errorf("the first pkg-push call is not lint of pkg: %q", lint)
		}
		pub := publishCalls(j)
		if len(pub) != 1 || !slices.Contains(pub[0], "pkg") || flag(pub[0], "--to") != "ghcr.io/org/hello" || !slices.Contains(pub[0], "--cascade") {
			return fmt.Errorf("publish calls = %q, want one of pkg --to ghcr.io/org/hello --cascade", pub)
		}
		if got := u.outputs["publish"]["digest"]; got != digest {
			return fmt.Errorf("output digest = %q, want %s", got, digest)
		}
		doc, err := os.ReadFile(u.outputs["publish"]["published"])
		if err != nil || !strings.Contains(string(doc), "kind: Published") {
			return fmt.Errorf("output published = %q, holding %q (%v)", u.outputs["publish"]["published"], doc, err)
		}
		tap := j.callsTo("pkg-tap")
		if len(tap) != 1 || !slices.Equal(tap[0][:4], []string{"index", "add", "-f", "-"}) || flag(tap[0], "--to") != "ghcr.io/org/index" {
			return fmt.Errorf("pkg-tap calls = %q, want index add -f - --to ghcr.io/org/index", tap)
		}
		return nil
	}},
	// The Lint step is the gate; linting again while publishing would print every
	// annotation twice, and so would the tag check's lint, which reads the version.
	{"lint runs once", func(a *actionFile, j *job) error {
		j.env = []string{"GITHUB_REF_TYPE=tag", "GITHUB_REF_NAME=v0.1.0"}
		u, err := succeeds(a, j, with("strict", "true"))
		if err != nil {
			return err
		}
		var lint [][]string
		for _, c := range j.callsTo("pkg-push") {
			if c[0] == "lint" && !slices.Equal(c[:3], []string{"lint", "-o", "yaml"}) {
				lint = append(lint, c)
			}
		}
		if len(lint) != 1 || !slices.Contains(lint[0], "--strict") {
			return fmt.Errorf("lint calls = %q, want one, with --strict", lint)
		}
		if n := strings.Count(u.log, "a lint finding"); n != 1 {
			return fmt.Errorf("the lint finding's annotation is in the log %d times, want once:\n%s", n, u.log)
		}
		if pub := publishCalls(j); len(pub) != 1 || !slices.Contains(pub[0], "--skip-lint") {
			return fmt.Errorf("publish calls = %q, want one with --skip-lint", pub)
		}
		return nil
	}},
	// A tag v0.2.0 on a package.yaml still at 0.1.0 re-published 0.1.0, and the run
	// went green: 0.2.0 never existed.
	{"a tag that is not the version fails before the publish", func(a *actionFile, j *job) error {
		j.env = []string{"GITHUB_REF_TYPE=tag", "GITHUB_REF_NAME=v0.2.0", "STUB_VERSION=0.1.0"}
		if err := refuses(a, j, with("package-dir", "pkg"), "Check the tag against the version", "tag v0.2.0 does not match package.yaml: metadata.version is 0.1.0, so the tag would be v0.1.0"); err != nil {
			return err
		}
		if pub := publishCalls(j); len(pub) != 0 {
			return fmt.Errorf("published after the check failed: %q", pub)
		}
		read := j.callsTo("pkg-push")
		if len(read) != 2 || !slices.Equal(read[1], []string{"lint", "-o", "yaml", "--", "pkg"}) {
			return fmt.Errorf("pkg-push calls = %q, want the Lint step's, then lint -o yaml -- pkg", read)
		}
		// The tag names the version: published, with build metadata too.
		for _, v := range []string{"0.1.0", "1.2.0-rc.1+build.7"} {
			j.env = []string{"GITHUB_REF_TYPE=tag", "GITHUB_REF_NAME=v" + v, "STUB_VERSION=" + v}
			if _, err := succeeds(a, j, with()); err != nil {
				return err
			}
		}
		// Not a tag (a branch, a workflow_dispatch): nothing to check.
		j.env = []string{"GITHUB_REF_TYPE=branch", "GITHUB_REF_NAME=main", "STUB_VERSION=0.1.0"}
		if _, err := succeeds(a, j, with()); err != nil {
			return err
		}
		if n := len(publishCalls(j)); n != 3 {
			return fmt.Errorf("%d publishes, want 3", n)
		}
		return nil
	}},
	{"tag-prefix and check-tag", func(a *actionFile, j *job) error {
		j.env = []string{"GITHUB_REF_TYPE=tag", "GITHUB_REF_NAME=hello-v1.2.3", "STUB_VERSION=1.2.3"}
		if _, err := succeeds(a, j, with("tag-prefix", "hello-v")); err != nil {
			return err
		}
		// A monorepo's tag, and the default prefix v.
		if err := refuses(a, j, with(), "Check the tag against the version", "tag hello-v1.2.3 does not match package.yaml: metadata.version is 1.2.3, so the tag would be v1.2.3"); err != nil {
			return err
		}
		if _, err := succeeds(a, j, with("check-tag", "false")); err != nil {
			return err
		}
		j.env = []string{"GITHUB_REF_TYPE=tag", "GITHUB_REF_NAME=1.2.3", "STUB_VERSION=1.2.3"}
		if _, err := succeeds(a, j, with("tag-prefix", "")); err != nil {
			return err
		}
		if err := refuses(a, j, with("check-tag", "yes"), "Check the tag against the version", "input check-tag must be true or false"); err != nil {
			return err
		}
		// A newline would start a second workflow command in the ::error that names it.
		if err := refuses(a, j, with("tag-prefix", "v\n::warning::fake"), "Check the tag against the version", "input tag-prefix may hold only"); err != nil {
			return err
		}
		if u, err := j.use(a, with("tag-prefix", "v\n::warning::fake")); err != nil || strings.Contains(u.log, "\n::warning::fake") {
			return fmt.Errorf("tag-prefix with a newline reached the log as a command (%v):\n%s", err, u.log)
		}
		return nil
	}},
	// A flag's value (--to VALUE) is never read as a flag; a positional argument is,
	// unless it follows --.
	{"package-dir is never read as an option", func(a *actionFile, j *job) error {
		if _, err := succeeds(a, j, with("package-dir", "--force")); err != nil {
			return err
		}
		calls := j.callsTo("pkg-push")
		if len(calls) != 2 {
			return fmt.Errorf("pkg-push calls = %q, want lint then publish", calls)
		}
		for _, c := range calls {
			if len(c) < 2 || !slices.Equal(c[len(c)-2:], []string{"--", "--force"}) {
				return fmt.Errorf("pkg-push %q does not end with -- --force", c)
			}
		}
		return nil
	}},
	{"no index, no pkg-tap", func(a *actionFile, j *job) error {
		if _, err := succeeds(a, j, with()); err != nil {
			return err
		}
		if tap := j.callsTo("pkg-tap"); len(tap) != 0 {
			return fmt.Errorf("pkg-tap was called: %q", tap)
		}
		return nil
	}},
	// OCI repositories are lowercase; github.repository_owner may not be.
	{"repository and index are lowercased", func(a *actionFile, j *job) error {
		if _, err := succeeds(a, j, with("repository", "ghcr.io/Longshore-Dev/Hello", "index", "ghcr.io/Longshore-Dev/Index")); err != nil {
			return err
		}
		if pub := publishCalls(j); len(pub) != 1 || flag(pub[0], "--to") != "ghcr.io/longshore-dev/hello" {
			return fmt.Errorf("publish calls = %q, want --to ghcr.io/longshore-dev/hello", pub)
		}
		if tap := j.callsTo("pkg-tap"); len(tap) != 1 || flag(tap[0], "--to") != "ghcr.io/longshore-dev/index" {
			return fmt.Errorf("pkg-tap calls = %q, want --to ghcr.io/longshore-dev/index", tap)
		}
		return nil
	}},
	{"the index's tag keeps its case", func(a *actionFile, j *job) error {
		if _, err := succeeds(a, j, with("index", "localhost:5000/Org/index:Stable")); err != nil {
			return err
		}
		if tap := j.callsTo("pkg-tap"); len(tap) != 1 || flag(tap[0], "--to") != "localhost:5000/org/index:Stable" {
			return fmt.Errorf("pkg-tap calls = %q, want --to localhost:5000/org/index:Stable", tap)
		}
		return nil
	}},
	{"two uses in one job keep their own published document", func(a *actionFile, j *job) error {
		first, err := succeeds(a, j, with("repository", "ghcr.io/org/first"))
		if err != nil {
			return err
		}
		second, err := succeeds(a, j, with("repository", "ghcr.io/org/second"))
		if err != nil {
			return err
		}
		for _, u := range []struct {
			use        *use
			repository string
		}{{first, "ghcr.io/org/first"}, {second, "ghcr.io/org/second"}} {
			p := u.use.outputs["publish"]["published"]
			doc, err := os.ReadFile(p)
			if err != nil || !strings.Contains(string(doc), "repository: "+u.repository+"\n") {
				return fmt.Errorf("output published of the use for %s is %s, holding %q (%v)", u.repository, p, doc, err)
			}
		}
		return nil
	}},
	{"strict and cascade take true or false", func(a *actionFile, j *job) error {
		if err := refuses(a, j, with("strict", "yes"), "Lint the package", "input strict must be true or false"); err != nil {
			return err
		}
		return refuses(a, j, with("cascade", "yes"), "Publish", "input cascade must be true or false")
	}},
	// setup-go puts its Go first on PATH for the rest of the job; go-version: "" leaves
	// the caller's.
	{"go-version: empty skips setup-go", func(a *actionFile, j *job) error {
		u, err := succeeds(a, j, with())
		if err != nil {
			return err
		}
		if len(u.uses) != 1 || !strings.HasPrefix(u.uses[0], "actions/setup-go@") {
			return fmt.Errorf("uses: steps run = %q, want setup-go", u.uses)
		}
		if u, err = succeeds(a, j, with("go-version", "")); err != nil {
			return err
		}
		if len(u.uses) != 0 {
			return fmt.Errorf("go-version empty: uses: steps run = %q, want none", u.uses)
		}
		return nil
	}},
	{"the action's own revision is built", func(a *actionFile, j *job) error {
		if _, err := succeeds(a, j, with()); err != nil {
			return err
		}
		if git := j.callsTo("git"); len(git) != 0 {
			return fmt.Errorf("git was called: %q", git)
		}
		if in := j.callsTo("install.sh"); len(in) != 1 || in[0][0] != "LONGSHORE_VERSION=v0" {
			return fmt.Errorf("install.sh calls = %q, want one with LONGSHORE_VERSION=v0", in)
		}
		return nil
	}},
	{"version: that revision is fetched and built", func(a *actionFile, j *job) error {
		for _, v := range []string{"v0.1.0", "0123456789abcdef0123456789abcdef01234567", "release/0.x", "v1.0.0-rc.1+b5", "main"} {
			if _, err := succeeds(a, j, with("version", v)); err != nil {
				return err
			}
			var fetch []string
			for _, c := range j.callsTo("git") {
				if i := slices.Index(c, "fetch"); i >= 0 {
					fetch = c[i:]
				}
			}
			// -- ends git's options: nothing after it is read as one.
			want := []string{"--", "https://github.com/longshore-dev/longshore", v}
			if len(fetch) < 3 || !slices.Equal(fetch[len(fetch)-3:], want) {
				return fmt.Errorf("git fetch = %q, want it to end with %q", fetch, want)
			}
			if in := j.callsTo("install.sh"); in[len(in)-1][0] != "LONGSHORE_VERSION="+v {
				return fmt.Errorf("install.sh calls = %q, want the last with LONGSHORE_VERSION=%s", in, v)
			}
		}
		return nil
	}},
	{"version: a value git could read as an option is refused", func(a *actionFile, j *job) error {
		for _, v := range []string{
			"--upload-pack=touch /tmp/pwned", // git runs it
			"-h",
			"v1 --depth=2",        // also reaches install.sh's -ldflags
			"main:refs/heads/x",   // a refspec with a destination
			".v1",                 // not a name git accepts for a ref
			"v1\n::warning::fake", // a second workflow command
		} {
			if err := refuses(a, j, with("version", v), "Build longshore", "input version"); err != nil {
				return err
			}
		}
		if git := j.callsTo("git"); len(git) != 0 {
			return fmt.Errorf("git was called: %q", git)
		}
		return nil
	}},
}

// runChecks runs every check, each in a job of its own, and reports what fails.
func runChecks(file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		report(file, 0, "%v", err)
		return
	}
	var a actionFile
	if err := yaml.Unmarshal(data, &a); err != nil {
		report(file, 0, "%v", err)
		return
	}
	for _, c := range checks {
		j, err := newJob()
		if err == nil {
			err = c.run(&a, j)
			j.remove()
		}
		if err != nil {
			report(file, 0, "running the scripts: %s: %v", c.name, err)
		}
	}
}
