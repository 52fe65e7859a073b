package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/cli/clitest"
	"longshore.dev/lib/mirror"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/publish"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/stream"
)

// run is one in-process invocation of pkg-pull.
type run = clitest.Result

// pkgPull runs `pkg-pull ARGS…` in-process (stdin and stdout are never terminals).
func pkgPull(t *testing.T, env map[string]string, stdin string, args ...string) run {
	t.Helper()
	return clitest.Run(newApp(), env, stdin, args...)
}

func mustPull(t *testing.T, env map[string]string, stdin string, args ...string) run {
	t.Helper()
	return clitest.Must(t, newApp(), env, stdin, args...)
}

func newEnv(t *testing.T) map[string]string {
	return map[string]string{"LONGSHORE_HOME": t.TempDir(), "HOME": t.TempDir()}
}

type pkg struct {
	name, version, spec string
	files               map[string]string
}

// publishAll pushes each package to its own layout under one directory and returns
// the Published documents as YAML, keyed by name.
func publishAll(t *testing.T, pkgs ...pkg) map[string]*publish.Result {
	t.Helper()
	out := map[string]*publish.Result{}
	for _, res := range publishTo(t, t.TempDir(), pkgs...) {
		out[res.Published.Name] = res
	}
	return out
}

// publishTo pushes each package to the layout reg/NAME (versions of one package share
// it) and returns what each push printed, in order.
func publishTo(t *testing.T, reg string, pkgs ...pkg) []*publish.Result {
	t.Helper()
	var out []*publish.Result
	for _, p := range pkgs {
		dir := t.TempDir()
		manifest := fmt.Sprintf("apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata:\n  name: %s\n  version: %s\nspec:\n%s", p.name, p.version, p.spec)
		os.WriteFile(filepath.Join(dir, "package.yaml"), []byte(manifest), 0o644)
		for f, body := range p.files {
			path := filepath.Join(dir, filepath.FromSlash(f))
			os.MkdirAll(filepath.Dir(path), 0o755)
			os.WriteFile(path, []byte(body), 0o755)
		}
		spec, err := pkgspec.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		a, err := publish.Build(dir, spec, publish.Options{Getenv: func(string) string { return "0" }})
		if err != nil {
			t.Fatal(err)
		}
		r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(reg, p.name))
		target, err := oci.Open(context.Background(), r, oci.Options{Create: true})
		if err != nil {
			t.Fatal(err)
		}
		res, err := publish.Push(context.Background(), target, a, publish.PushOptions{})
		target.Close()
		a.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res)
	}
	return out
}

// lockYAML writes a Lock over published packages: app depends on lib and is patched
// by ca.
func toolboxLock(t *testing.T) string {
	t.Helper()
	pub := publishAll(t,
		pkg{"lib", "1.0.0", "  env:\n    - {name: MODE, op: set, value: lib}\n    - {name: PATH, op: prepend, value: \"${installPath}/bin\"}\n", map[string]string{"bin/lib": "#!/bin/sh\n"}},
		pkg{"app", "2.0.0", "  bin: [bin/app]\n  env:\n    - {name: PATH, op: prepend, value: \"${installPath}/bin\"}\n    - {name: MODE, op: set, value: \"app at ${deps.lib.installPath}\"}\n  dependencies:\n    - {name: lib, version: ^1}\n", map[string]string{"bin/app": "#!/bin/sh\n"}},
		pkg{"ca", "1.0.0", "  env:\n    - {name: MODE, op: set, value: \"site's\"}\n", map[string]string{"ca.pem": "cert"}},
	)
	entry := func(name, reason, edges string) string {
		p := pub[name]
		return fmt.Sprintf("  - name: %s\n    version: %s\n    repository: %s\n    digest: %s\n    platforms:\n      - {platform: any, digest: %s}\n%s    reason: %s\n",
			name, p.Published.Version, p.Published.Repository, p.Published.Digest, p.Published.Digest, edges, reason)
	}
	return "apiVersion: longshore.dev/v1alpha1\nkind: Lock\nrequests:\n  - name: app\npackages:\n" +
		entry("app", "requested", "    dependencies: [lib]\n    patches: [ca]\n") +
		entry("ca", "patch", "    requiredBy: [app]\n") +
		entry("lib", "dependency", "    requiredBy: [app]\n") +
		"order: [lib, app, ca]\n"
}

func TestPullLockThenListEnvRemove(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	lock := toolboxLock(t)
	out := mustPull(t, env, lock, "-f", "-", "-o", "name")
	if out.Stdout != "installed/lib@1.0.0\ninstalled/app@2.0.0\ninstalled/ca@1.0.0\n" {
		t.Errorf("installed, in the lock's order:\n%s", out)
	}
	// Again: nothing to download.
	if again := mustPull(t, env, lock, "-f", "-", "-o", "name"); strings.Contains(again.Stderr, "Installed ") {
		t.Errorf("a second pull downloaded again:\n%s", again)
	}
	table := mustPull(t, env, "", "list", "-o", "table").Stdout
	rows := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(table), "\n") {
		f := strings.Fields(line)
		rows[f[0]] = strings.Join(f[1:len(f)-1], " ")
	}
	for name, want := range map[string]string{
		"NAME": "VERSION PLATFORM REASON REQUIRED BY",
		"app":  "2.0.0 any explicit -",
		"lib":  "1.0.0 any dependency app",
		"ca":   "1.0.0 any patch companion app",
	} {
		if rows[name] != want {
			t.Errorf("list: %s row is %q, want %q:\n%s", name, rows[name], want, table)
		}
	}
	sh := mustPull(t, env, "", "env", "app", "--shell", "sh")
	if !strings.Contains(sh.Stdout, `export MODE='site'\''s'`) {
		t.Errorf("env: the patch companion's value should win:\n%s", sh)
	}
	if !strings.Contains(sh.Stderr, "Info: ca (a patch for app) sets MODE, overriding app's value") ||
		!strings.Contains(sh.Stderr, "Warning: app sets MODE, overriding lib's value") {
		t.Errorf("overrides not reported:\n%s", sh.Stderr)
	}
	r := pkgPull(t, env, "", "remove", "lib")
	if r.Code != 5 || !strings.Contains(r.Stderr, "app 2.0.0 depends on lib") {
		t.Errorf("remove of a dependency:\n%s", r)
	}
	installed := map[string]string{}
	list := mustPull(t, env, "", "list", "-o", "yaml").Stdout
	for _, doc := range strings.Split(strings.TrimPrefix(list, "---\n"), "---\n") {
		installed[regexp.MustCompile(`(?m)^name: (.*)$`).FindStringSubmatch(doc)[1]] = "---\n" + doc
	}
	r = mustPull(t, env, "", "remove", "app")
	if !strings.Contains(r.Stderr, "Removed app 2.0.0") || !strings.Contains(r.Stderr, "Removed lib 1.0.0 (a dependency nothing installed needs any more)") {
		t.Errorf("remove app:\n%s", r)
	}
	// Into a pipe it prints the records it removed, as list printed them: what was
	// asked for, then what went with it (by name).
	if want := installed["app"] + installed["ca"] + installed["lib"]; r.Stdout != want {
		t.Errorf("remove app, stdout:\n%s\nwant:\n%s", r.Stdout, want)
	}
	if list := mustPull(t, env, "", "list", "-o", "name").Stdout; list != "" {
		t.Errorf("left installed:\n%s", list)
	}
}

// A lock installed without a companion it had (a rule changed, and pkg-dep patch sync
// dropped it) leaves the companion installed: every install warns, naming it and the
// command that removes it, until it is removed.
func TestUnneededCompanionIsNamed(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	lock := toolboxLock(t)
	if r := mustPull(t, env, lock, "-f", "-"); strings.Contains(r.Stderr, "Warning:") {
		t.Errorf("the first install warned:\n%s", r)
	}
	// The same lock without ca: app no longer lists it, nothing else does.
	without := strings.Replace(lock, "    patches: [ca]\n", "", 1)
	ca, lib := strings.Index(without, "  - name: ca\n"), strings.Index(without, "  - name: lib\n")
	without = without[:ca] + without[lib:]
	without = strings.Replace(without, "order: [lib, app, ca]", "order: [lib, app]", 1)
	const warning = "Warning: ca is a patch companion no installed package needs any more: pkg-pull remove ca\n"
	if r := mustPull(t, env, without, "-f", "-"); !strings.Contains(r.Stderr, warning) {
		t.Errorf("installing a lock without ca:\n%s\nwant %q", r, warning)
	}
	if r := mustPull(t, env, "", "list", "-o", "name"); !strings.Contains(r.Stdout, "installed/ca@1.0.0") {
		t.Errorf("ca was removed without being named:\n%s", r)
	}
	if r := mustPull(t, env, "", "remove", "ca", "-o", "name"); r.Stdout != "installed/ca@1.0.0\n" {
		t.Errorf("remove ca -o name: %q", r.Stdout)
	}
	if r := mustPull(t, env, without, "-f", "-"); strings.Contains(r.Stderr, "Warning:") {
		t.Errorf("after removing ca:\n%s", r)
	}
}

func TestInstalledMatchesSchema(t *testing.T) {
	t.Parallel()
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "manifests", "schemas", "installed.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	env := newEnv(t)
	mustPull(t, env, toolboxLock(t), "-f", "-")
	// What list prints, and the records in installed.yaml themselves.
	listed := mustPull(t, env, "", "list", "-o", "yaml").Stdout
	file, err := os.ReadFile(filepath.Join(env["LONGSHORE_HOME"], "installed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, stream := range map[string]string{"list -o yaml": listed, "installed.yaml": string(file)} {
		docs := strings.Split(strings.TrimPrefix(stream, "---\n"), "---\n")
		if len(docs) != 3 {
			t.Fatalf("%s: want 3 documents:\n%s", name, stream)
		}
		for _, doc := range docs {
			if err := schema.Validate(clitest.YAMLValue(t, doc)); err != nil {
				t.Errorf("%s: a document does not validate: %v\n%s", name, err, doc)
			}
		}
	}
	// Not vacuous: it refuses a typo, a bad reason, a tree outside pkgs/.
	good := strings.Split(strings.TrimPrefix(listed, "---\n"), "---\n")[0]
	for _, bad := range []string{
		good + "reasn: explicit\n",
		strings.Replace(good, "reason: ", "reason: x", 1),
		regexpReplace(good, "path: .*\n", "path: /etc\n"),
	} {
		if err := schema.Validate(clitest.YAMLValue(t, bad)); err == nil {
			t.Errorf("the schema accepts:\n%s", bad)
		}
	}
}

func regexpReplace(s, pattern, with string) string {
	lines := strings.Split(s, "\n")
	prefix := strings.TrimSuffix(pattern, ".*\n")
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			lines[i] = strings.TrimSuffix(with, "\n")
		}
	}
	return strings.Join(lines, "\n")
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, 0, "Usage:"},
		{[]string{"add"}, 2, "nothing to add"},
		{[]string{"add", "hello@^1"}, 3, "no taps are configured"},
		{[]string{"add", "localhost:5000/x/hello:1.0.0"}, 2, "names one version"},
		{[]string{"add", "Hello"}, 2, "upper-case"},
		{[]string{"exec", "hello"}, 2, "missing --"},
		{[]string{"exec", "--", "true"}, 2, "missing PKG"},
		{[]string{"exec", "hello", "--"}, 2, "missing CMD"},
		{[]string{"exec", "hello", "--", "true"}, 3, "hello is not installed"},
		{[]string{"env", "hello", "--shell", "tcsh"}, 2, "unknown --shell"},
		{[]string{"env", "hello", "--shell", "github"}, 3, "hello is not installed"},
		{[]string{"remove", "hello"}, 3, "hello is not installed"},
		{[]string{"mirror", "-f", "-"}, 2, "--to is required"},
		{[]string{"mirror", "--to", "ocidir://x"}, 2, "-f is required"},
		{[]string{"x.io/a/b:1", "--max-size", "lots"}, 2, "--max-size"},
		{[]string{"x.io/a/b:1", "--concurrency", "0"}, 2, "--concurrency"},
		{[]string{"x.io/a/b:1", "--offline"}, 3, "never installed from this store"},
		{[]string{"x.io/a/b:1", "--platform", "linux/amd64/v1/x"}, 2, `--platform "linux/amd64/v1/x": not os/arch[/variant]`},
		{[]string{"add", "hello", "--platform", "linux"}, 2, `--platform "linux": not os/arch[/variant]`},
		{[]string{"-f", "-"}, 2, "expected one of: Installed, Lock, Published"},
		{[]string{"-f", "list"}, 3, "-f list: file not found"},
		{[]string{"app"}, 2, `did you mean "pkg-pull add"? (available commands: add, upgrade, remove, list, env, exec, mirror, completion); to install the package app: pkg-pull add app`},
	} {
		stdin := ""
		if slices.Contains(tc.args, "-f") {
			stdin = "apiVersion: longshore.dev/v1alpha1\nkind: PackageRef\nname: hello\n"
		}
		r := pkgPull(t, env, stdin, tc.args...)
		if r.Code != tc.code || !strings.Contains(r.Stdout+r.Stderr, tc.want) {
			t.Errorf("pkg-pull %s: want exit %d and %q\n%s", strings.Join(tc.args, " "), tc.code, tc.want, r)
		}
	}
}

// A reference mistyped as a path or as a package name is told what to write instead.
func TestRefNotAReferenceSaysWhatInstead(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	r := pkgPull(t, env, "", "./registry/hello:0.1.0")
	if r.Code != 2 || !strings.Contains(r.Stderr, "a local OCI layout is written ocidir://./registry/hello:0.1.0") || strings.Contains(r.Stderr, "pkg-pull add") {
		t.Errorf("a path: %s", r)
	}
	r = pkgPull(t, env, "", "hello")
	if r.Code != 2 || !strings.Contains(r.Stderr, "Hint: to install a package by name through taps, use `pkg-pull add NAME`") {
		t.Errorf("a package name: %s", r)
	}
}

func TestParseRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, name, ref, version string }{
		{"hello", "hello", "", ""},
		{"core/hello@^1.2", "core/hello", "", "^1.2"},
		{"localhost:5000/org/fonts", "", "localhost:5000/org/fonts", ""},
		{"localhost:5000/org/fonts@>=2 <3", "", "localhost:5000/org/fonts", ">=2 <3"},
		{"ocidir:///tmp/reg/fonts@~1.4", "", "ocidir:///tmp/reg/fonts", "~1.4"},
	} {
		r, err := parseRequest(tc.in)
		if err != nil || r.Name != tc.name || r.Ref != tc.ref || r.Version != tc.version {
			t.Errorf("%q: %+v %v", tc.in, r, err)
		}
	}
	for _, bad := range []string{"localhost:5000/org/fonts@sha256:" + strings.Repeat("a", 64), "a/b/c", ""} {
		if _, err := parseRequest(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"100": 100, "1KiB": 1024, "10 MiB": 10 << 20, "4GiB": 4 << 30, "2MB": 2e6, "7B": 7} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "0", "1.5GiB", "lots", "9999999999GiB"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

// TestNewMirrorCmdSides checks argv → how each side of a mirror is reached: the shared
// registry flags set both, --from-… and --to-… one side, and win.
func TestNewMirrorCmdSides(t *testing.T) {
	t.Parallel()
	auth := filepath.Join(t.TempDir(), "auth.json")
	os.WriteFile(auth, []byte(`{"auths":{}}`), 0o600)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, []byte("not parsed until a registry is dialled"), 0o644)
	// side is what a test expects of one side's oci.Options.
	type side struct {
		plain    string // "default" (nil: plain HTTP for localhost only), "true", "false"
		caFile   string
		insecure bool
		creds    bool // a docker config file from --…-registry-config
	}
	for _, tc := range []struct {
		name      string
		args      []string
		from, to  side
		referrers bool
	}{
		{"defaults", nil, side{plain: "default"}, side{plain: "default"}, true},
		{"shared", []string{"--plain-http", "--insecure", "--ca-file", ca}, side{"true", ca, true, false}, side{"true", ca, true, false}, true},
		{"to only", []string{"--to-plain-http"}, side{plain: "default"}, side{plain: "true"}, true},
		{"to overrides", []string{"--plain-http", "--to-plain-http=false", "--to-ca-file", ca}, side{plain: "true"}, side{"false", ca, false, false}, true},
		{"from only", []string{"--from-insecure", "--from-registry-config", auth, "--referrers=false"}, side{"default", "", true, true}, side{plain: "default"}, false},
		{"to insecure off", []string{"--insecure", "--to-insecure=false", "--to-registry-config", auth}, side{"default", "", true, false}, side{"default", "", false, true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := newMirrorOptions()
			fs := pflag.NewFlagSet("mirror", pflag.ContinueOnError)
			o.addFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			from, to, err := o.registries(&cli.Env{Binary: "pkg-pull", Stderr: io.Discard})
			if err != nil {
				t.Fatal(err)
			}
			for name, got := range map[string]oci.Options{"from": from, "to": to} {
				want := tc.from
				if name == "to" {
					want = tc.to
				}
				plain := "default"
				if got.PlainHTTP != nil {
					plain = fmt.Sprint(*got.PlainHTTP)
				}
				if plain != want.plain || got.CAFile != want.caFile || got.Insecure != want.insecure || (got.RegistryConfig != "") != want.creds {
					t.Errorf("%s side: plain-http %s, ca-file %q, insecure %v, credentials %v; want %+v",
						name, plain, got.CAFile, got.Insecure, got.RegistryConfig != "", want)
				}
				if got.UserAgent == "" {
					t.Errorf("%s side has no user agent", name)
				}
			}
			if o.referrers != tc.referrers {
				t.Errorf("referrers %v, want %v", o.referrers, tc.referrers)
			}
		})
	}
}

func TestMirrorSideUsageErrors(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	missing := filepath.Join(t.TempDir(), "missing.json")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--from-registry-config", missing}, "--from-registry-config"},
		{[]string{"--to-ca-file", missing}, "--to-ca-file"},
		{[]string{"--to-plain-http=maybe"}, "--to-plain-http"},
		{[]string{"--referrers=perhaps"}, "--referrers"},
	} {
		args := append([]string{"mirror", "-f", "-", "--to", "ocidir://" + t.TempDir()}, tc.args...)
		r := pkgPull(t, env, "", args...)
		if r.Code != 2 || !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("pkg-pull %s: want exit 2 naming %s\n%s", strings.Join(args, " "), tc.want, r)
		}
	}
}

// A tag the repository lacks gets a hint with the versions it has.
func TestMissingTagNamesTheVersionsThere(t *testing.T) {
	t.Parallel()
	// One layout, three versions (publishAll pushes packages of one name to one layout).
	pub := publishAll(t, pkg{"hello", "1.0.0", "", map[string]string{"f": "1"}},
		pkg{"hello", "1.1.0", "", map[string]string{"f": "2"}}, pkg{"hello", "0.9.0", "", map[string]string{"f": "3"}})
	repo := pub["hello"].Published.Repository
	env := newEnv(t)
	r := pkgPull(t, env, "", repo+":9.9.9")
	if r.Code != 3 || !strings.Contains(r.Stderr, "Hint: "+repo+" has versions 1.1.0, 1.0.0, 0.9.0; e.g. pkg-pull "+repo+":1.1.0") {
		t.Errorf("a missing tag: %s", r)
	}
	r = pkgPull(t, env, "", repo)
	if r.Code != 3 || !strings.Contains(r.Stderr, `Hint: no tag was given and there is no "latest": `+repo+" has versions 1.1.0") {
		t.Errorf("no tag, no latest: %s", r)
	}
}

// A layout whose index.json lists its manifest without a tag, as crane writes one, is
// named by the digest reference that installs it, and that reference does.
func TestUntaggedLayoutNamesTheDigest(t *testing.T) {
	t.Parallel()
	pub := publishAll(t, pkg{"hello", "1.0.0", "", map[string]string{"f": "1"}})
	repo := pub["hello"].Published.Repository
	path := filepath.Join(strings.TrimPrefix(repo, "ocidir://"), "index.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var index map[string]any
	if err := json.Unmarshal(data, &index); err != nil {
		t.Fatal(err)
	}
	for _, m := range index["manifests"].([]any) {
		delete(m.(map[string]any)["annotations"].(map[string]any), ocispec.AnnotationRefName)
	}
	if data, err = json.Marshal(index); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	env := newEnv(t)
	byDigest := repo + "@" + pub["hello"].Published.Digest
	r := pkgPull(t, env, "", repo+":1.0.0")
	if r.Code != 3 || !strings.Contains(r.Stderr, "Hint: "+repo+" has no tags, but its index.json lists 1 manifest without a tag") ||
		!strings.Contains(r.Stderr, byDigest+" (hello 1.0.0); pkg-pull installs one by that reference") {
		t.Errorf("an untagged layout: %s", r)
	}
	mustPull(t, env, "", byDigest)
}

// Reading verbs do not create a home that is not there; an empty table says how to
// install something.
func TestReadingVerbsLeaveNoHome(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "never")
	env := map[string]string{"LONGSHORE_HOME": home, "HOME": t.TempDir()}
	if r := mustPull(t, env, "", "list", "-o", "table"); !strings.Contains(r.Stderr, "No packages are installed. Install one with: pkg-pull add NAME") {
		t.Errorf("empty list:\n%s", r)
	}
	if r := pkgPull(t, env, "", "env", "hello"); r.Code != 3 {
		t.Errorf("env of nothing: %s", r)
	}
	if r := pkgPull(t, env, "", "remove", "hello"); r.Code != 3 || !strings.Contains(r.Stderr, "hello is not installed") {
		t.Errorf("remove of nothing: %s", r)
	}
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Errorf("list, env or remove created %s (%v)", home, err)
	}
}

// TestMirrorToNeverEchoesCredentials: credentials typed into --to are refused without
// being repeated, with a scheme or without.
func TestMirrorToNeverEchoesCredentials(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	lock := toolboxLock(t)
	for _, to := range []string{
		"user:s3cret@127.0.0.1:35031/m",
		"https://user:s3cret@127.0.0.1:35031/m",
		"oci://user:s3cret@127.0.0.1:35031",
		"user:s3cret@mirror.corp:5000",
	} {
		r := pkgPull(t, env, lock, "mirror", "-f", "-", "--to", to)
		if r.Code != 2 || r.Stdout != "" || strings.Contains(r.Stderr, "s3cret") || !strings.Contains(r.Stderr, "***@") {
			t.Errorf("mirror --to %s: want exit 2 with the credentials masked:\n%s", to, r)
		}
	}
}

// TestPullRefusesWhatValidateRefuses: pkg-pull -f checks a lock as pkg-dep validate
// does (without --remote) before installing anything: same messages, exit 6, a hint to
// resolve again; credentials in a repository are not repeated.
func TestPullRefusesWhatValidateRefuses(t *testing.T) {
	t.Parallel()
	lock := toolboxLock(t)
	for _, tc := range []struct {
		name   string
		edit   func(string) string
		want   []string
		absent string
	}{
		{"a companion nothing patches", func(l string) string { return strings.Replace(l, "    patches: [ca]\n", "", 1) },
			[]string{"  - ca has reason patch, but no package lists it among its patches\n", "  - ca: requiredBy is [app], but the packages that depend on it or that it patches are []\n"}, ""},
		{"an order against the dependencies", func(l string) string { return strings.Replace(l, "order: [lib, app, ca]", "order: [app, lib, ca]", 1) },
			[]string{"  - order: app comes before its dependency lib\n"}, ""},
		{"credentials in a repository", func(l string) string {
			return regexp.MustCompile(`(?m)^(  - name: lib\n    version: .*\n    repository: ).*$`).ReplaceAllString(l, "${1}user:s3cret@registry.example/lib")
		}, []string{`  - lib: repository "***@registry.example/lib" is not REGISTRY/REPO or ocidir://PATH`}, "s3cret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newEnv(t)
			bad := tc.edit(lock)
			if bad == lock {
				t.Fatal("the edit changed nothing")
			}
			r := pkgPull(t, env, bad, "-f", "-")
			if r.Code != 6 || r.Stdout != "" || !strings.Contains(r.Stderr, "Error: <stdin>:1: the lock is not valid: ") ||
				!strings.Contains(r.Stderr, "Hint: resolve it again with `pkg-dep resolve -f LOCK`") {
				t.Errorf("want exit 6 and the hint:\n%s", r)
			}
			for _, want := range tc.want {
				if !strings.Contains(r.Stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
				}
			}
			if tc.absent != "" && strings.Contains(r.Stderr, tc.absent) {
				t.Errorf("stderr repeats %q:\n%s", tc.absent, r.Stderr)
			}
			if list := mustPull(t, env, "", "list", "-o", "name").Stdout; list != "" {
				t.Errorf("installed from a lock that is not valid:\n%s", list)
			}
		})
	}
}

// TestMirrorSummary: the summary counts packages and blobs each in its own unit; a
// repeat says every package was there and nothing was copied.
func TestMirrorSummary(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	lock := toolboxLock(t)
	dir := filepath.Join(t.TempDir(), "mirror")
	first := mustPull(t, env, lock, "mirror", "-f", "-", "--to", "ocidir://"+dir)
	// Three packages of three blobs each (manifest, config, layer): all copied.
	if want := "Mirrored 3 packages to ocidir://" + dir + ": copied 9 blobs and manifests ("; !strings.Contains(first.Stderr, want) {
		t.Errorf("first mirror: want %q\n%s", want, first)
	}
	again := mustPull(t, env, lock, "mirror", "-f", "-", "--to", "ocidir://"+dir)
	if want := "Mirrored 3 packages to ocidir://" + dir + ": all 3 were already there; copied nothing\n"; again.Stderr != want || again.Stdout != first.Stdout {
		t.Errorf("mirroring again: want %q\n%s", want, again)
	}

	dest, _ := mirror.ParseDestination("mirror.corp:5000/tools")
	for _, tc := range []struct {
		stats mirror.Stats
		want  string
	}{
		{mirror.Stats{Packages: 3, Complete: 2, Copied: 3, Bytes: 484}, "Mirrored 3 packages to mirror.corp:5000/tools: 2 were already there; copied 3 blobs and manifests (484 B)"},
		{mirror.Stats{Packages: 2, Complete: 1, Copied: 1, Bytes: 10}, "Mirrored 2 packages to mirror.corp:5000/tools: 1 was already there; copied 1 blob or manifest (10 B)"},
		{mirror.Stats{Packages: 1, Copied: 3, Bytes: 200}, "Mirrored 1 package to mirror.corp:5000/tools: copied 3 blobs and manifests (200 B)"},
		{mirror.Stats{Packages: 1, Complete: 1, Copied: 2, Bytes: 99}, "Mirrored 1 package to mirror.corp:5000/tools: it was already there; copied 2 blobs and manifests (99 B)"},
	} {
		if got := mirrorSummary(tc.stats, dest); got != tc.want {
			t.Errorf("%+v:\n got %q\nwant %q", tc.stats, got, tc.want)
		}
	}
}

// TestMirrorOutput: mirror takes -o as every verb does, and prints its Lock in each
// format: the document (yaml into a pipe), the table pkg-dep resolve draws of a Lock,
// and the lock's name.
func TestMirrorOutput(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	help := mustPull(t, env, "", "mirror", "-h").Stdout
	if !strings.Contains(help, "output format: table|yaml|json|name (default table on a terminal, yaml otherwise)") {
		t.Errorf("mirror -h on -o:\n%s", help)
	}
	lock := toolboxLock(t)
	dir := t.TempDir()
	mirrorTo := func(format ...string) string {
		t.Helper()
		return mustPull(t, env, lock, append([]string{"mirror", "-f", "-", "--to", "ocidir://" + dir}, format...)...).Stdout
	}
	out := mirrorTo()
	docs, err := stream.Decode(strings.NewReader(out), "mirror", api.Kinds)
	if err != nil || len(docs) != 1 || !strings.HasPrefix(out, "---\napiVersion: longshore.dev/v1alpha1\nkind: Lock\n") {
		t.Fatalf("mirror into a pipe is not one Lock in yaml: %v\n%s", err, out)
	}
	mirrored := docs[0].Value.(*api.Lock)
	if got := mirrorTo("-o", "yaml"); got != out {
		t.Errorf("mirror -o yaml differs from the default into a pipe:\n%s", got)
	}
	if got := mirrorTo("-o", "json"); !strings.HasPrefix(got, "{") || !strings.Contains(got, `"kind": "Lock"`) {
		t.Errorf("mirror -o json:\n%s", got)
	}
	if got := mirrorTo("-o", "name"); got != "lock/app@2.0.0\n" {
		t.Errorf("mirror -o name: %q", got)
	}
	// The table: a row per package in install order, from its mirrored repository.
	lines := strings.Split(strings.TrimSuffix(mirrorTo("-o", "table"), "\n"), "\n")
	if len(lines) != 4 || strings.Join(strings.Fields(lines[0]), " ") != "NAME VERSION REASON FROM DIGEST" {
		t.Fatalf("mirror -o table:\n%s", strings.Join(lines, "\n"))
	}
	for i, name := range []string{"lib", "app", "ca"} {
		p, _ := mirrored.Package(name)
		if f := strings.Fields(lines[i+1]); len(f) != 5 || f[0] != name || f[3] != p.Repository || !strings.HasPrefix(f[3], "ocidir://"+dir) {
			t.Errorf("mirror -o table, row %d: %q, want %s from %s", i+1, lines[i+1], name, p.Repository)
		}
	}
	if r := pkgPull(t, env, lock, "mirror", "-f", "-", "--to", "ocidir://"+dir, "-o", "tabel"); r.Code != 2 || !strings.Contains(r.Stderr, "did you mean -o table?") {
		t.Errorf("mirror -o tabel:\n%s", r)
	}
}

// TestMirrorToAFile: --to ocidir://FILE says a file is in the way, not "no OCI layout
// there… push to it first".
func TestMirrorToAFile(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	file := filepath.Join(t.TempDir(), "afile")
	os.WriteFile(file, []byte("x"), 0o644)
	lock := toolboxLock(t)
	for _, to := range []string{file, file + "/sub"} {
		r := pkgPull(t, env, lock, "mirror", "-f", "-", "--to", "ocidir://"+to)
		if r.Code != 2 || r.Stdout != "" || !strings.Contains(r.Stderr, file+" is a file, not a directory") || strings.Contains(r.Stderr, "push to it first") {
			t.Errorf("mirror --to ocidir://%s:\n%s", to, r)
		}
	}
}

// A mirror to a layout directory, with --relative and its lock saved inside, can be
// carried anywhere: pkg-pull -f reads the relative layouts against the lock's directory.
func TestMirrorRelativeTravels(t *testing.T) {
	t.Parallel()
	lock := toolboxLock(t)
	usb := filepath.Join(t.TempDir(), "usb")
	r := mustPull(t, newEnv(t), lock, "mirror", "-f", "-", "--to", "ocidir://"+usb, "--relative", "-o", "yaml")
	if !strings.Contains(r.Stdout, "repository: ocidir://./app") || strings.Contains(r.Stdout, usb) {
		t.Fatalf("the lock does not name the layouts relative to the directory:\n%s", r.Stdout)
	}
	if err := os.WriteFile(filepath.Join(usb, "tools.lock.yaml"), []byte(r.Stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(t.TempDir(), "elsewhere", "mnt")
	os.MkdirAll(filepath.Dir(moved), 0o755)
	if err := os.Rename(usb, moved); err != nil {
		t.Fatal(err)
	}
	env := newEnv(t)
	mustPull(t, env, "", "-f", filepath.Join(moved, "tools.lock.yaml"), "--offline")
	if out := mustPull(t, env, "", "list", "-o", "name").Stdout; !strings.Contains(out, "installed/app@2.0.0") || !strings.Contains(out, "installed/lib@1.0.0") {
		t.Errorf("installed from the moved mirror:\n%s", out)
	}
	if r := pkgPull(t, newEnv(t), "", "mirror", "-f", "-", "--to", "localhost:5000/m", "--relative"); r.Code != 2 || !strings.Contains(r.Stderr, "--relative names layouts relative to an ocidir://DIR") {
		t.Errorf("--relative to a registry: %s", r)
	}
}

// A layout's REPO:TAG@DIGEST installs the digest; the record keeps the tag only when
// the tag names that digest, and says so when it does not.
func TestDigestBeatsTagOfALayout(t *testing.T) {
	t.Parallel()
	pub := publishAll(t, pkg{"hello", "1.0.0", "", map[string]string{"a": "a"}}, pkg{"world", "2.0.0", "", map[string]string{"b": "b"}})
	hello, world := pub["hello"].Published, pub["world"].Published
	env := newEnv(t)
	tests := []struct{ ref, warning, source string }{
		{hello.Repository + ":1.0.0@" + hello.Digest, "", hello.Repository + ":1.0.0@" + hello.Digest},
		{hello.Repository + ":nosuch@" + hello.Digest, "Warning: " + hello.Repository + " has no tag nosuch; installing " + hello.Repository + ":nosuch@" + hello.Digest + " by its digest, recorded without the tag\n",
			hello.Repository + "@" + hello.Digest},
		// world's tag names world, not hello (whose blobs the store has by now).
		{world.Repository + ":2.0.0@" + hello.Digest, "Warning: tag 2.0.0 of " + world.Repository + " names " + world.Digest + ", not " + hello.Digest + "; installing",
			world.Repository + "@" + hello.Digest},
	}
	for _, tt := range tests {
		r := mustPull(t, env, "", tt.ref)
		if tt.warning == "" && strings.Contains(r.Stderr, "Warning") || !strings.Contains(r.Stderr, tt.warning) {
			t.Errorf("pkg-pull %s: %s\nwant the warning %q", tt.ref, r, tt.warning)
		}
		if list := mustPull(t, env, "", "list", "-o", "yaml").Stdout; !strings.Contains(list, "\nsource: "+tt.source+"\n") {
			t.Errorf("pkg-pull %s recorded:\n%s\nwant source %s", tt.ref, list, tt.source)
		}
	}
}

// A layout named by a relative path is recorded by its absolute one: the record must
// mean the same layout from any directory.
func TestRelativeLayoutIsRecordedAbsolute(t *testing.T) {
	t.Parallel()
	refs, err := parseRefs([]string{"ocidir://./reg/hello:1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if got, want := refs[0].String(), "ocidir://"+filepath.Join(wd, "reg", "hello")+":1.0.0"; got != want {
		t.Errorf("parsed %s, want %s", got, want)
	}
}

// An upgrade whose explicit installs all came through a tap no longer configured (a
// Lock resolved elsewhere, installed from a mirror) names them and their tap, rather
// than saying nothing is installed.
func TestUpgradeNamesInstallsOfAMissingTap(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	lock := strings.ReplaceAll(toolboxLock(t), "    version: ", "    tap: demo\n    version: ")
	mustPull(t, env, lock, "-f", "-")
	for _, args := range [][]string{{"upgrade"}, {"upgrade", "--dry-run"}} {
		r := mustPull(t, env, "", args...)
		const want = "Nothing to upgrade: every explicit install came through a tap that is not configured, so it has no versions to move to: app 2.0.0 (tap demo); `pkg-tap add TAP REF` adds a tap back\n"
		if r.Stderr != want || r.Stdout != "" {
			t.Errorf("%v:\n%s\nwant stderr %q", args, r, want)
		}
	}
}

// TestNothingToInstallIsRefused: -f that reads no document installs nothing and says
// so (exit 2), as add, resolve and mirror do: an empty file or stream is what a failed
// `pkg-dep resolve … | pkg-pull -f -` leaves, and exiting 0 would hide that failure.
func TestNothingToInstallIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.yaml")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-f", "-"}, {"-f", empty}, {"-f", dir, "-f", "-"}} {
		r := pkgPull(t, newEnv(t), "", args...)
		want := "Error: nothing to install: -f " + strings.Join(slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "-f" }), ", -f ") +
			" holds no Lock, Installed or Published document\n"
		if r.Code != cli.ExitUsage || r.Stdout != "" || !strings.Contains(r.Stderr, want) {
			t.Errorf("pkg-pull %s: want exit 2 and %q\n%s", strings.Join(args, " "), want, r)
		}
	}
}
