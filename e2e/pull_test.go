package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// pulled is the subset of Published, Installed and Lock packages the pull tests read.
type pulled struct {
	Kind       string `yaml:"kind"`
	Name       string `yaml:"name"`
	Version    string `yaml:"version"`
	Repository string `yaml:"repository"`
	Digest     string `yaml:"digest"`
	Platform   string `yaml:"platform"`
	Path       string `yaml:"path"`
	Reason     string `yaml:"reason"`
	Platforms  []struct {
		Platform string `yaml:"platform"`
		Digest   string `yaml:"digest"`
	} `yaml:"platforms"`
	// Dependencies are names in Installed and Lock documents, maps in Published ones.
	Dependencies []any    `yaml:"dependencies"`
	Patches      []string `yaml:"patches"`
	// raw is the document as printed.
	raw string
}

func decodeStream(t *testing.T, out string) []pulled {
	t.Helper()
	var docs []pulled
	dec := yaml.NewDecoder(strings.NewReader(out))
	for {
		var d pulled
		err := dec.Decode(&d)
		if err != nil {
			if err.Error() == "EOF" {
				return docs
			}
			t.Fatalf("not a YAML stream: %v\n%s", err, out)
		}
		docs = append(docs, d)
	}
}

// writePkg writes a package directory: package.yaml with the given spec lines and the
// files (mode 0755 for bin/*).
func writePkg(t *testing.T, name, version, spec string, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	manifest := fmt.Sprintf("apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata:\n  name: %s\n  version: %s\n  description: %s, made by the pull tests\n  license: MIT\nspec:\n%s",
		name, version, name, spec)
	files["package.yaml"] = manifest
	for f, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasPrefix(f, "bin/") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// pushPkg publishes dir to repo and returns what pkg-push printed.
func pushPkg(t *testing.T, dir, repo string) pulled {
	t.Helper()
	out := runOK(t, runOpts{}, "pkg-push", dir, "--to", repo, "-o", "yaml").Stdout
	docs := decodeStream(t, out)
	if len(docs) != 1 || docs[0].Kind != "Published" {
		t.Fatalf("pkg-push printed %+v", docs)
	}
	docs[0].raw = out
	return docs[0]
}

// lockEntry is one package of a hand-written Lock.
type lockEntry struct {
	pub           pulled
	repo          string // overrides pub.Repository (a proxy in front of the registry)
	reason        string
	deps, patches []string
}

// writeLock writes a Lock of entries, which must be in install order.
func writeLock(t *testing.T, request string, entries ...lockEntry) string {
	t.Helper()
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b lockEntry) int { return strings.Compare(a.pub.Name, b.pub.Name) })
	requiredBy := map[string][]string{}
	for _, e := range entries {
		for _, d := range append(slices.Clone(e.deps), e.patches...) {
			requiredBy[d] = append(requiredBy[d], e.pub.Name)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: longshore.dev/v1alpha1\nkind: Lock\nrequests:\n  - name: %s\npackages:\n", request)
	for _, e := range sorted {
		repo := e.pub.Repository
		if e.repo != "" {
			repo = e.repo
		}
		fmt.Fprintf(&b, "  - name: %s\n    version: %s\n    repository: %s\n    digest: %s\n    platforms:\n", e.pub.Name, e.pub.Version, repo, e.pub.Digest)
		for _, p := range e.pub.Platforms {
			fmt.Fprintf(&b, "      - {platform: %s, digest: %s}\n", p.Platform, p.Digest)
		}
		list := func(key string, names []string) {
			if len(names) > 0 {
				s := slices.Sorted(slices.Values(names))
				fmt.Fprintf(&b, "    %s: [%s]\n", key, strings.Join(s, ", "))
			}
		}
		list("dependencies", e.deps)
		list("patches", e.patches)
		fmt.Fprintf(&b, "    reason: %s\n", e.reason)
		list("requiredBy", requiredBy[e.pub.Name])
	}
	b.WriteString("order:\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "  - %s\n", e.pub.Name)
	}
	path := filepath.Join(t.TempDir(), "lock.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// proxy is an HTTP server in front of the test registry; handle sees every request
// and decides what the client gets (next forwards it unchanged).
type proxy struct {
	*httptest.Server
	addr string
}

func newProxy(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, next http.Handler)) *proxy {
	t.Helper()
	target, _ := url.Parse("http://" + registryAddr)
	next := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handle(w, r, next)
	}))
	t.Cleanup(srv.Close)
	return &proxy{Server: srv, addr: strings.TrimPrefix(srv.URL, "http://")}
}

// via rewrites a repository of the test registry to go through the proxy.
func (p *proxy) via(repo string) string { return strings.Replace(repo, registryAddr, p.addr, 1) }

func passThrough(w http.ResponseWriter, r *http.Request, next http.Handler) { next.ServeHTTP(w, r) }

// assertNothingInstalled checks that home holds no package: no tree, no record, no
// link, no staging left behind.
func assertNothingInstalled(t *testing.T, home string) {
	t.Helper()
	for _, dir := range []string{"pkgs/sha256", "bin"} {
		if ents, _ := os.ReadDir(filepath.Join(home, dir)); len(ents) != 0 {
			t.Errorf("%s holds %d entries (%s…)", dir, len(ents), ents[0].Name())
		}
	}
	if data, err := os.ReadFile(filepath.Join(home, "installed.yaml")); err == nil && strings.Contains(string(data), "kind: Installed") {
		t.Errorf("installed.yaml records:\n%s", data)
	}
	assertNoStaging(t, home)
}

func assertNoStaging(t *testing.T, home string) {
	t.Helper()
	ents, _ := os.ReadDir(filepath.Join(home, "tmp"))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "install-") {
			t.Errorf("tmp/ holds %s", e.Name())
		}
	}
}

// toolbox publishes greet (a library with an environment), hello (depends on greet,
// prints its environment) and ca (a patch companion for hello) to the test registry.
func toolbox(t *testing.T, prefix string) (greet, hello, ca pulled) {
	t.Helper()
	base := registryAddr + "/e2e/pull/" + prefix + "/"
	greet = pushPkg(t, writePkg(t, "greet", "1.2.0", `  env:
    - {name: GREETING, op: set, value: "greet's \"default\" greeting"}
    - {name: PATH, op: prepend, value: "${installPath}/bin"}
`, map[string]string{"bin/greet-helper": "#!/bin/sh\necho helper\n"}), base+"greet")
	hello = pushPkg(t, writePkg(t, "hello", "1.0.0", `  bin: [bin/hello]
  env:
    - {name: PATH, op: prepend, value: "${installPath}/bin"}
    - {name: GREETING, op: set, value: "it's hello's greeting"}
    - {name: GREET_HOME, op: set, value: "${deps.greet.installPath}"}
  dependencies:
    - {name: greet, version: "^1"}
`, map[string]string{"bin/hello": "#!/bin/sh\necho \"greeting=$GREETING\"\necho \"ca=$SSL_CERT_FILE\"\necho \"greet=$GREET_HOME\"\ngreet-helper\n"}), base+"hello")
	ca = pushPkg(t, writePkg(t, "ca", "1.0.0", `  env:
    - {name: SSL_CERT_FILE, op: set, value: "${installPath}/certs/ca.pem"}
    - {name: GREETING, op: set, value: "site greeting, with spaces"}
`, map[string]string{"certs/ca.pem": "-----BEGIN CERTIFICATE-----\n"}), base+"ca")
	return greet, hello, ca
}

func toolboxLock(t *testing.T, greet, hello, ca pulled, via *proxy) string {
	t.Helper()
	entry := func(p pulled, reason string, deps, patches []string) lockEntry {
		e := lockEntry{pub: p, reason: reason, deps: deps, patches: patches}
		if via != nil {
			e.repo = via.via(p.Repository)
		}
		return e
	}
	return writeLock(t, "hello",
		entry(greet, "dependency", nil, nil),
		entry(hello, "requested", []string{"greet"}, []string{"ca"}),
		entry(ca, "patch", nil, nil))
}

// TestPullLockEnvExec installs a lock through a proxy, then shows that re-installing,
// env and exec need no registry at all: the proxy is closed first.
func TestPullLockEnvExec(t *testing.T) {
	t.Parallel()
	greet, hello, ca := toolbox(t, "lock")
	var requests sync.Map
	px := newProxy(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		requests.Store(r.URL.Path, true)
		next.ServeHTTP(w, r)
	})
	lock := toolboxLock(t, greet, hello, ca, px)
	home := t.TempDir()
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}

	// kubectl pkg pull is pkg-pull through the plugin entry.
	res := runOK(t, opt, "kubectl", "pkg", "pull", "-f", lock, "-o", "yaml")
	docs := decodeStream(t, res.Stdout)
	var order []string
	for _, d := range docs {
		order = append(order, d.Name+":"+d.Reason)
	}
	if got := strings.Join(order, " "); got != "greet:dependency hello:explicit ca:patch" {
		t.Errorf("installed %s, want the lock's order and reasons", got)
	}
	if !strings.HasPrefix(docs[1].Path, home) || docs[1].Digest != hello.Digest || fmt.Sprint(docs[1].Dependencies) != "[greet]" || !slices.Equal(docs[1].Patches, []string{"ca"}) {
		t.Errorf("hello as installed: %+v", docs[1])
	}
	px.Close()

	// Everything is there: the same lock again downloads nothing and needs no registry.
	again := runOK(t, opt, "pkg-pull", "-f", lock, "-o", "name")
	if strings.Contains(again.Stderr, "Installed ") || !strings.Contains(again.Stderr, "Up to date: hello 1.0.0") {
		t.Errorf("a second pull:\n%s", again)
	}

	// exec: the composed environment, the command's own exit code.
	out := runOK(t, opt, "pkg-pull", "exec", "hello", "--", "hello")
	greetPath := filepath.Join(home, "pkgs", "sha256", strings.TrimPrefix(greet.Digest, "sha256:"))
	caPath := filepath.Join(home, "pkgs", "sha256", strings.TrimPrefix(ca.Digest, "sha256:"))
	for _, want := range []string{
		"greeting=site greeting, with spaces\n", // the patch companion composes last
		"ca=" + caPath + "/certs/ca.pem\n",
		"greet=" + greetPath + "\n",
		"helper\n", // greet's bin/ is on the composed PATH
	} {
		if !strings.Contains(out.Stdout, want) {
			t.Errorf("exec output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out.Stderr, "Warning: hello sets GREETING, overriding greet's value") ||
		!strings.Contains(out.Stderr, "Info: ca (a patch for hello) sets GREETING, overriding hello's value") {
		t.Errorf("overrides not reported on stderr:\n%s", out.Stderr)
	}
	if res := run(t, opt, "pkg-pull", "exec", "hello", "--", "sh", "-c", "exit 42"); res.Code != 42 {
		t.Errorf("exec exit code: %d, want 42", res.Code)
	}
	// As a shell does: 127 for a command not found, 126 for one that cannot run.
	if res := run(t, opt, "pkg-pull", "exec", "hello", "--", "no-such-command"); res.Code != 127 || !strings.Contains(res.Stderr, "command not found") {
		t.Errorf("exec of a missing command: %s", res)
	}
	notExec := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := run(t, opt, "pkg-pull", "exec", "hello", "--", notExec); res.Code != 126 || !strings.Contains(res.Stderr, "not an executable file") {
		t.Errorf("exec of a file that is not executable: %s", res)
	}
	// A login shell env has no syntax for is said, not silently given sh syntax.
	tcsh := opt
	tcsh.Env = append(slices.Clone(opt.Env), "SHELL=/bin/tcsh")
	if res := runOK(t, tcsh, "pkg-pull", "env", "hello"); !strings.Contains(res.Stderr, "Warning: pkg-pull env has no syntax for $SHELL, tcsh,") || !strings.Contains(res.Stdout, "export ") {
		t.Errorf("env with SHELL=/bin/tcsh: %s", res)
	}
	// Without --shell, the shell running pkg-pull decides, not the login shell: a fish
	// user's bash script gets bash syntax, through git too; fish gets fish's.
	fishUser, bashUser := opt, opt
	fishUser.Env = append(slices.Clone(opt.Env), "SHELL=/usr/bin/fish")
	bashUser.Env = append(slices.Clone(opt.Env), "SHELL=/bin/bash")
	for _, tc := range []struct {
		opt  runOpts
		args []string
	}{
		{fishUser, []string{"bash", "-c", `eval "$(pkg-pull env hello)" && printf %s "$GREETING"`}},
		{fishUser, []string{"bash", "-c", `eval "$(git pkg env hello)" && printf %s "$GREETING"`}},
		{bashUser, []string{"fish", "--no-config", "-c", `pkg-pull env hello | source; and printf %s "$GREETING"`}},
	} {
		if _, err := exec.LookPath(tc.args[0]); err != nil {
			continue // fish where it is installed
		}
		if res := runOK(t, tc.opt, tc.args[0], tc.args[1:]...); res.Stdout != "site greeting, with spaces" {
			t.Errorf("%q: %s", tc.args, res)
		}
	}

	// env, for sh: eval it and read the values back, quotes and spaces intact.
	sh := runOK(t, opt, "pkg-pull", "env", "hello", "--shell", "sh").Stdout
	back := runOK(t, runOpts{Stdin: sh}, "sh", "-c", `eval "$(cat)"; printf '%s|%s' "$GREETING" "$GREET_HOME"`)
	if back.Stdout != "site greeting, with spaces|"+greetPath {
		t.Errorf("eval of env --shell sh gave %q\n%s", back.Stdout, sh)
	}
	// github: $GITHUB_PATH gets the PATH entries (hello's first), $GITHUB_ENV the rest.
	ghEnv, ghPath := filepath.Join(t.TempDir(), "env"), filepath.Join(t.TempDir(), "path")
	gh := opt
	gh.Env = append(slices.Clone(opt.Env), "GITHUB_ENV="+ghEnv, "GITHUB_PATH="+ghPath)
	runOK(t, gh, "pkg-pull", "env", "hello", "--shell", "github")
	envData, _ := os.ReadFile(ghEnv)
	pathData, _ := os.ReadFile(ghPath)
	helloPath := filepath.Join(home, "pkgs", "sha256", strings.TrimPrefix(hello.Digest, "sha256:"))
	if string(pathData) != greetPath+"/bin\n"+helloPath+"/bin\n" {
		t.Errorf("GITHUB_PATH:\n%s", pathData)
	}
	if !strings.Contains(string(envData), "GREETING=site greeting, with spaces\n") || strings.Contains(string(envData), "PATH=") {
		t.Errorf("GITHUB_ENV:\n%s", envData)
	}
	// The entry point is linked, relative, into bin/.
	if link, err := os.Readlink(filepath.Join(home, "bin", "hello")); err != nil || filepath.IsAbs(link) {
		t.Errorf("bin/hello: %q %v", link, err)
	}
	if n := countRequests(&requests); n == 0 {
		t.Error("the proxy saw no request: the test proves nothing")
	}
}

func countRequests(m *sync.Map) int {
	n := 0
	m.Range(func(any, any) bool { n++; return true })
	return n
}

// TestEnvHostileValuesAcrossShells: env's output evaluated by another shell than the
// one it was printed for never runs a package's value as code. A program between the
// shell and pkg-pull (xargs here; python3 or node in the field) hides the shell, so
// pkg-pull prints for $SHELL: a fish user's bash script that runs
// `eval "$(xargs pkg-pull env envy)"` gets fish syntax, a bash user's fish function
// gets sh syntax. Each value, written to close the quotes of one shell's syntax as read
// by another, is a package of its own: a value that breaks the quoting may leave the
// rest of the output unparsable, which would hide another that runs code.
func TestEnvHostileValuesAcrossShells(t *testing.T) {
	t.Parallel()
	for i, value := range []string{
		"'; touch CANARY; #",  // closed fish's quotes for sh
		`\'; touch CANARY; #`, // closed sh's quotes for fish
		`\\'; touch CANARY; #`,
		"'' ; touch CANARY ; ''", // zsh's RC_QUOTES
		`x\`,                     // escaped fish's closing quote
		"x'\ntouch CANARY\n'",
		"$(touch CANARY) (touch CANARY) `touch CANARY`",
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			canary := filepath.Join(t.TempDir(), "pwned")
			value = strings.ReplaceAll(value, "CANARY", canary)
			quoted, _ := json.Marshal(value) // a YAML double-quoted scalar
			name := fmt.Sprintf("envy%d", i)
			pub := pushPkg(t, writePkg(t, name, "1.0.0", fmt.Sprintf("  env:\n    - {name: V, op: set, value: %s}\n", quoted), map[string]string{}),
				registryAddr+"/e2e/env/hostile/"+name)
			opt := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
			runOK(t, opt, "pkg-pull", pub.Repository+"@"+pub.Digest)
			env := "xargs pkg-pull env " + name + " </dev/null"
			consumers := map[string][]string{
				"sh":   {"sh", "-c", `eval "$(` + env + `)"; printf %s "$V"`},
				"bash": {"bash", "-c", `eval "$(` + env + `)"; printf %s "$V"`},
				"zsh":  {"zsh", "-o", "rcquotes", "-c", `eval "$(` + env + `)"; printf %s "$V"`},
				"fish": {"fish", "--no-config", "-c", env + ` | source; printf %s "$V"`},
			}
			ran := 0
			for _, producer := range []string{"sh", "bash", "zsh", "fish"} {
				login := opt
				login.Env = append(slices.Clone(opt.Env), "SHELL=/bin/"+producer)
				for consumer, argv := range consumers {
					if _, err := exec.LookPath(argv[0]); err != nil {
						continue // zsh and fish where installed
					}
					ran++
					res := run(t, login, argv[0], argv[1:]...)
					if _, err := os.Stat(canary); err == nil {
						t.Errorf("%s output read by %s ran %q as code\n%s", producer, consumer, value, res)
						os.Remove(canary)
					}
					// The value comes back where the syntax is shared: a family's own,
					// and sh's read by fish (its export function), but for a value of
					// lines, which that splits.
					fish := producer == "fish"
					shared := fish == (consumer == "fish") || consumer == "fish" && !strings.Contains(value, "\n")
					if shared && res.Stdout != value {
						t.Errorf("%s output read by %s: V is %q, want %q\n%s", producer, consumer, res.Stdout, value, res)
					}
				}
			}
			if ran == 0 {
				t.Fatal("no shell to test with")
			}
		})
	}
}

// TestEnvSaysWhenShellDecides: which shell decided is said at -v when no shell runs
// pkg-pull (here the test does), since another shell may read the output.
func TestEnvSaysWhenShellDecides(t *testing.T) {
	t.Parallel()
	pub := pushPkg(t, writePkg(t, "envsays", "1.0.0", "  env:\n    - {name: V, op: set, value: v}\n", map[string]string{}), registryAddr+"/e2e/env/says/envsays")
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir(), "SHELL=/usr/bin/fish"}}
	runOK(t, opt, "pkg-pull", pub.Repository+"@"+pub.Digest)
	const says = "printing fish syntax, for $SHELL (/usr/bin/fish): no shell runs pkg-pull directly"
	if res := runOK(t, opt, "pkg-pull", "env", "envsays", "-v"); !strings.Contains(res.Stderr, says) || res.Stdout != "set -gx V 'v'\n" {
		t.Errorf("env -v does not say $SHELL decided:\n%s", res)
	}
	if res := runOK(t, opt, "pkg-pull", "env", "envsays"); strings.Contains(res.Stderr, says) {
		t.Errorf("env says which shell decided without -v:\n%s", res)
	}
}

// TestPullExecSignal: a command killed by a signal kills pkg-pull exec the same way,
// because exec replaces the process.
func TestPullExecSignal(t *testing.T) {
	t.Parallel()
	pub := pushPkg(t, newPackage(t, "sig", "1.0.0"), registryAddr+"/e2e/pull/signal/sig")
	home := t.TempDir()
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}
	runOK(t, opt, "pkg-pull", pub.Repository+"@"+pub.Digest)
	cmd := exec.Command("pkg-pull", "exec", "sig", "--", "sh", "-c", "echo $$; exec sleep 30")
	cmd.Env = append(baseEnv(t), opt.Env...)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Fscan(stdout, &pid); err != nil {
		t.Fatal(err)
	}
	if pid != cmd.Process.Pid {
		t.Errorf("the command runs as pid %d, pkg-pull was %d: exec did not replace the process", pid, cmd.Process.Pid)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		t.Fatalf("wait: %v", err)
	}
	if ws := exitErr.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("status %v, want killed by SIGTERM", ws)
	}
}

// TestPullMovedHome installs, moves the whole home elsewhere and runs from there:
// every link and record is relative.
func TestPullMovedHome(t *testing.T) {
	t.Parallel()
	greet, hello, ca := toolbox(t, "move")
	lock := toolboxLock(t, greet, hello, ca, nil)
	home := filepath.Join(t.TempDir(), "home")
	runOK(t, runOpts{Env: []string{"LONGSHORE_HOME=" + home}}, "pkg-pull", "-f", lock)
	moved := filepath.Join(t.TempDir(), "elsewhere", "home")
	os.MkdirAll(filepath.Dir(moved), 0o755)
	if out, err := exec.Command("mv", home, moved).CombinedOutput(); err != nil {
		t.Fatalf("mv: %v %s", err, out)
	}
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + moved}}
	out := runOK(t, opt, "pkg-pull", "exec", "hello", "--", "hello")
	if !strings.Contains(out.Stdout, "greet="+filepath.Join(moved, "pkgs")) || !strings.Contains(out.Stdout, "helper") {
		t.Errorf("exec from the moved home:\n%s", out)
	}
	// The relative link still leads to the script (which needs exec's PATH to finish).
	if res := run(t, opt, filepath.Join(moved, "bin", "hello")); !strings.Contains(res.Stdout, "greeting=") {
		t.Errorf("bin/hello from the moved home: %s", res)
	}
	if list := runOK(t, opt, "pkg-pull", "list", "-o", "yaml").Stdout; !strings.Contains(list, "path: "+moved) {
		t.Errorf("list from the moved home:\n%s", list)
	}
}

// TestPullConcurrentSamePackage runs two installs of one package into one home at the
// same time: both succeed and the store holds one copy.
func TestPullConcurrentSamePackage(t *testing.T) {
	t.Parallel()
	dir := writePkg(t, "twice", "1.0.0", "  bin: [bin/twice]\n", map[string]string{
		"bin/twice": "#!/bin/sh\necho twice\n", "data.bin": noise(4 << 20),
	})
	pub := pushPkg(t, dir, registryAddr+"/e2e/pull/concurrent/twice")
	home := t.TempDir()
	env := append(baseEnv(t), "LONGSHORE_HOME="+home)
	var cmds []*exec.Cmd
	var outs [2]strings.Builder
	for i := range 2 {
		cmd := exec.Command("pkg-pull", pub.Repository+":1.0.0")
		cmd.Env = env
		cmd.Stderr = &outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("install %d: %v\n%s", i, err, outs[i].String())
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(home, "pkgs", "sha256")); len(ents) != 1 {
		t.Errorf("%d trees, want one copy", len(ents))
	}
	list := runOK(t, runOpts{Env: []string{"LONGSHORE_HOME=" + home}}, "pkg-pull", "list", "-o", "name").Stdout
	if list != "installed/twice@1.0.0\n" {
		t.Errorf("list: %q", list)
	}
	assertNoStaging(t, home)
}

// noise is n bytes that gzip cannot shrink much, from a fixed seed.
func noise(n int) string {
	b := make([]byte, n)
	x := uint64(88172645463325252)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return string(b)
}

// TestPullPlatform installs the host's platform by default, another with --platform,
// and names the published platforms when the asked one is missing — from a tag and
// from a lock alike.
func TestPullPlatform(t *testing.T) {
	t.Parallel()
	dir := writePkg(t, "multi", "1.0.0", "  platforms:\n    linux/amd64: amd64\n    linux/arm64: arm64\n", map[string]string{
		"amd64/which": "amd64", "arm64/which": "arm64",
	})
	pub := pushPkg(t, dir, registryAddr+"/e2e/pull/platform/multi")
	host := runtime.GOARCH
	for _, tc := range []struct{ platform, want string }{{"", host}, {"linux/arm64", "arm64"}, {"linux/amd64", "amd64"}} {
		home := t.TempDir()
		args := []string{pub.Repository + ":1.0.0", "-o", "yaml"}
		if tc.platform != "" {
			args = append(args, "--platform", tc.platform)
		}
		docs := decodeStream(t, runOK(t, runOpts{Env: []string{"LONGSHORE_HOME=" + home}}, "pkg-pull", args...).Stdout)
		if data, _ := os.ReadFile(filepath.Join(docs[0].Path, "which")); string(data) != tc.want {
			t.Errorf("--platform %q installed %q (%s), want %s", tc.platform, data, docs[0].Platform, tc.want)
		}
	}
	lock := writeLock(t, "multi", lockEntry{pub: pub, reason: "requested"})
	for _, args := range [][]string{{pub.Repository + ":1.0.0"}, {"-f", lock}} {
		res := run(t, runOpts{}, "pkg-pull", append(args, "--platform", "windows/amd64")...)
		if res.Code != 3 || !strings.Contains(res.Stderr, "has no windows/amd64 build; it has: linux/amd64, linux/arm64") {
			t.Errorf("a missing platform (%v): %s", args, res)
		}
	}
}

// TestPullOffline: what the store has installs offline; what it lacks is named.
func TestPullOffline(t *testing.T) {
	t.Parallel()
	greet, hello, ca := toolbox(t, "offline")
	lock := toolboxLock(t, greet, hello, ca, nil)
	fresh := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
	res := run(t, fresh, "pkg-pull", "-f", lock, "--offline")
	if res.Code != 3 {
		t.Errorf("offline into an empty store: %s", res)
	}
	for _, want := range []string{"offline, and the store lacks", "greet 1.2.0", "hello 1.0.0", "ca 1.0.0", "Hint: run without --offline"} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("offline error lacks %q:\n%s", want, res.Stderr)
		}
	}
	home := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
	runOK(t, home, "pkg-pull", "-f", lock)
	// A new home of another user, offline, cannot resolve a tag it never saw…
	if res := run(t, fresh, "pkg-pull", hello.Repository+":1.0.0", "--offline"); res.Code != 3 || !strings.Contains(res.Stderr, "never installed from this store") {
		t.Errorf("offline tag in a fresh home: %s", res)
	}
	// …a home that resolved it once can, and the lock installs offline too.
	runOK(t, home, "pkg-pull", "-f", lock, "--offline")
	runOK(t, home, "pkg-pull", greet.Repository+":1.2.0")
	runOK(t, home, "pkg-pull", greet.Repository+":1.2.0", "--offline")
}

// TestPullDigestBeatsTag: REPO:TAG@DIGEST installs the digest, as docker does; the
// record keeps the tag only when it names that digest, so that an --offline install
// of the tag later does not take the record's word for a tag that names something
// else, or nothing.
func TestPullDigestBeatsTag(t *testing.T) {
	t.Parallel()
	greet, _, _ := toolbox(t, "digesttag")
	home := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
	source := func() string {
		t.Helper()
		list := runOK(t, home, "pkg-pull", "list", "-o", "yaml").Stdout
		_, rest, _ := strings.Cut(list, "\nsource: ")
		src, _, _ := strings.Cut(rest, "\n")
		return src
	}
	pinned := greet.Repository + "@" + greet.Digest

	res := runOK(t, home, "pkg-pull", greet.Repository+":nosuch@"+greet.Digest)
	if !strings.Contains(res.Stderr, "Warning: "+greet.Repository+" has no tag nosuch; installing "+greet.Repository+":nosuch@"+greet.Digest+" by its digest, recorded without the tag\n") {
		t.Errorf("a tag that does not exist: %s", res)
	}
	if got := source(); got != pinned {
		t.Errorf("source %s, want %s", got, pinned)
	}
	if res := run(t, home, "pkg-pull", greet.Repository+":nosuch", "--offline"); res.Code != 3 || !strings.Contains(res.Stderr, "never installed from this store") {
		t.Errorf("offline install of the tag that does not exist: %s", res)
	}

	// The tag names the digest: recorded, and offline it is checked against that record.
	if res := runOK(t, home, "pkg-pull", greet.Repository+":1.2.0@"+greet.Digest); strings.Contains(res.Stderr, "Warning") {
		t.Errorf("the tag names the digest: %s", res)
	}
	if got := source(); got != greet.Repository+":1.2.0@"+greet.Digest {
		t.Errorf("source %s, want the tag kept", got)
	}
	if res := runOK(t, home, "pkg-pull", greet.Repository+":1.2.0@"+greet.Digest, "--offline"); strings.Contains(res.Stderr, "Warning") {
		t.Errorf("offline, the record says the tag names the digest: %s", res)
	}
	res = runOK(t, home, "pkg-pull", greet.Repository+":other@"+greet.Digest, "--offline")
	if !strings.Contains(res.Stderr, "Warning: offline, tag other of "+greet.Repository+" cannot be checked against "+greet.Digest+"; installing") {
		t.Errorf("offline, a tag never seen: %s", res)
	}
	if got := source(); got != pinned {
		t.Errorf("source %s, want %s", got, pinned)
	}
}

// TestPullFetchesEachThingOnce: a first pull asks the registry for each manifest and
// blob once (a single-platform package's root is also its platform manifest, and the
// tag is resolved with the GET that fetches it), and pulling it again into the same
// home only resolves the tag, with a HEAD.
func TestPullFetchesEachThingOnce(t *testing.T) {
	t.Parallel()
	pub := pushPkg(t, newPackage(t, "once", "1.0.0"), registryAddr+"/e2e/pull/once")
	var mu sync.Mutex
	var seen []string
	px := newProxy(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.URL.Path != "/v2/" {
			mu.Lock()
			seen = append(seen, r.Method+" "+r.URL.Path)
			mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
	home := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
	runOK(t, home, "pkg-pull", px.via(pub.Repository)+":1.0.0")
	mu.Lock()
	first := slices.Clone(seen)
	seen = nil
	mu.Unlock()
	counts := map[string]int{}
	for _, req := range first {
		counts[req]++
	}
	for req, n := range counts {
		if n > 1 {
			t.Errorf("%s: %d times in one pull (all: %q)", req, n, first)
		}
	}
	// The root, a single manifest, takes one request: a GET of the tag, which a first
	// install needs the bytes of anyway.
	var manifestRequests int
	for _, req := range first {
		if strings.Contains(req, "/manifests/") {
			manifestRequests++
		}
	}
	if manifestRequests != 1 || counts["GET /v2/e2e/pull/once/manifests/1.0.0"] != 1 {
		t.Errorf("want one GET of the tag for the manifest, got: %q", first)
	}
	runOK(t, home, "pkg-pull", px.via(pub.Repository)+":1.0.0")
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != "HEAD /v2/e2e/pull/once/manifests/1.0.0" {
		t.Errorf("pulling an installed package: want one HEAD of the tag, got %q", seen)
	}
}

// TestPullFetchesConfigBesideLayers: the config is fetched while the layer downloads,
// not before it (a round trip saved per package on a distant registry). The proxy holds the config request until the layer
// is asked for; a client that waits for the config first never asks, and the proxy
// gives up after a while.
func TestPullFetchesConfigBesideLayers(t *testing.T) {
	t.Parallel()
	dir := writePkg(t, "beside", "1.0.0", "  platforms:\n    linux/amd64: amd64\n    linux/arm64: arm64\n", map[string]string{
		"amd64/which": "amd64", "arm64/which": "arm64",
	})
	pub := pushPkg(t, dir, registryAddr+"/e2e/pull/beside")
	var platformManifest string
	for _, pl := range pub.Platforms {
		if pl.Platform == "linux/amd64" {
			platformManifest = pl.Digest
		}
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+registryAddr+"/v2/e2e/pull/beside/manifests/"+platformManifest, nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Config struct{ Digest string }
		Layers []struct{ Digest string }
	}
	err = json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	if err != nil || m.Config.Digest == "" || len(m.Layers) != 1 {
		t.Fatalf("the linux/amd64 manifest %s: %+v %v", platformManifest, m, err)
	}
	layerAsked := make(chan struct{})
	var once sync.Once
	var overlapped atomic.Bool
	px := newProxy(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/blobs/"+m.Layers[0].Digest):
			once.Do(func() { close(layerAsked) })
		case strings.HasSuffix(r.URL.Path, "/blobs/"+m.Config.Digest) && r.Method == http.MethodGet:
			select {
			case <-layerAsked:
				overlapped.Store(true)
			case <-time.After(5 * time.Second):
			}
		}
		next.ServeHTTP(w, r)
	})
	home := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
	docs := decodeStream(t, runOK(t, home, "pkg-pull", px.via(pub.Repository)+":1.0.0", "--platform", "linux/amd64", "-o", "yaml").Stdout)
	if data, _ := os.ReadFile(filepath.Join(docs[0].Path, "which")); string(data) != "amd64" {
		t.Errorf("installed %q, want amd64", data)
	}
	if !overlapped.Load() {
		t.Error("the config was fetched before the layer was asked for: one more round trip than needed")
	}
}

// TestPullMirror copies a lock's packages to an ocidir:// directory and to another
// repository path of a registry, then installs from the directory with the original
// registry out of reach.
func TestPullMirror(t *testing.T) {
	t.Parallel()
	greet, hello, ca := toolbox(t, "mirror")
	multi := pushPkg(t, writePkg(t, "multi", "2.0.0", "  platforms:\n    linux/amd64: a\n    linux/arm64: b\n", map[string]string{"a/f": "a", "b/f": "b"}),
		registryAddr+"/e2e/pull/mirror/multi")
	px := newProxy(t, passThrough)
	lock := writeLock(t, "hello",
		lockEntry{pub: greet, repo: px.via(greet.Repository), reason: "dependency"},
		lockEntry{pub: hello, repo: px.via(hello.Repository), reason: "requested", deps: []string{"greet"}, patches: []string{"ca"}},
		lockEntry{pub: ca, repo: px.via(ca.Repository), reason: "patch"},
		lockEntry{pub: multi, repo: px.via(multi.Repository), reason: "requested"})
	dir := filepath.Join(t.TempDir(), "mirror")
	res := runOK(t, runOpts{}, "pkg-pull", "mirror", "-f", lock, "--to", "ocidir://"+dir)
	mirrored := filepath.Join(t.TempDir(), "mirror.lock.yaml")
	os.WriteFile(mirrored, []byte(res.Stdout), 0o644)
	for _, want := range []string{"repository: ocidir://" + dir + "/e2e/pull/mirror/hello", "digest: " + hello.Digest, "digest: " + multi.Platforms[1].Digest} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("mirrored lock lacks %q:\n%s", want, res.Stdout)
		}
	}
	again := runOK(t, runOpts{}, "pkg-pull", "mirror", "-f", lock, "--to", "ocidir://"+dir)
	if !strings.Contains(again.Stderr, ": all 4 were already there; copied nothing\n") || again.Stdout != res.Stdout {
		t.Errorf("mirroring again:\n%s", again)
	}
	// To a registry under a prefix: the same digests, every platform.
	toReg := runOK(t, runOpts{}, "pkg-pull", "mirror", "-f", lock, "--to", registryAddr+"/e2e/pull/mirrored")
	if !strings.Contains(toReg.Stdout, "repository: "+registryAddr+"/e2e/pull/mirrored/e2e/pull/mirror/multi") {
		t.Errorf("registry mirror lock:\n%s", toReg.Stdout)
	}
	for _, p := range multi.Platforms {
		fetchManifest(t, registryAddr+"/e2e/pull/mirrored/e2e/pull/mirror/multi", p.Digest)
	}

	px.Close()
	// The original is unreachable now; the mirror installs with no network at all.
	if res := run(t, runOpts{}, "pkg-pull", "-f", lock); res.Code != 7 {
		t.Errorf("the original lock with its registry gone: %s", res)
	}
	home := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
	runOK(t, home, "pkg-pull", "-f", mirrored, "--offline")
	if out := runOK(t, home, "pkg-pull", "exec", "hello", "--", "hello").Stdout; !strings.Contains(out, "greeting=site greeting") {
		t.Errorf("exec after installing from the mirror:\n%s", out)
	}
	// The registry mirror installs too.
	regLock := filepath.Join(t.TempDir(), "reg.lock.yaml")
	os.WriteFile(regLock, []byte(toReg.Stdout), 0o644)
	runOK(t, runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}, "pkg-pull", "-f", regLock, "--platform", "linux/arm64")
}

// TestPullKubectlAdd is the whole loop a consumer runs: packages with a dependency in an
// index, a tap, a patch registry adding a companion, then `kubectl pkg add hello` and
// `pkg-pull exec hello -- hello`; re-adding downloads nothing; remove takes the rest.
func TestPullKubectlAdd(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}
	index := registryAddr + "/e2e/pull/add/index"
	greet, hello, ca := toolbox(t, "add")
	add := opt
	add.Stdin = greet.raw + hello.raw + ca.raw
	runOK(t, add, "pkg-tap", "index", "add", "-f", "-", "--to", index)
	runOK(t, opt, "pkg-tap", "add", "core", index)
	rules := filepath.Join(t.TempDir(), "hello-patches.yaml")
	os.WriteFile(rules, []byte("apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\nrules:\n  - match: {name: hello}\n    companions: [{name: core/ca, version: \"^1\"}]\n"), 0o644)
	patches := registryAddr + "/e2e/pull/add/patches"
	runOK(t, opt, "pkg-push", "patch", rules, "--for", "hello", "--to", patches)
	runOK(t, opt, "pkg-dep", "patch", "registry", patches)

	res := runOK(t, opt, "kubectl", "pkg", "add", "hello", "-o", "yaml")
	var got []string
	for _, d := range decodeStream(t, res.Stdout) {
		got = append(got, d.Name+":"+d.Reason)
	}
	if strings.Join(got, " ") != "greet:dependency hello:explicit ca:patch" {
		t.Errorf("kubectl pkg add hello installed %v\n%s", got, res)
	}
	out := runOK(t, opt, "pkg-pull", "exec", "hello", "--", "hello")
	if !strings.Contains(out.Stdout, "greeting=site greeting, with spaces") || !strings.Contains(out.Stdout, "ca="+home) {
		t.Errorf("exec hello:\n%s", out)
	}
	again := runOK(t, opt, "pkg-pull", "add", "hello")
	if strings.Contains(again.Stderr, "Installed ") {
		t.Errorf("adding an installed package downloaded:\n%s", again)
	}
	runOK(t, opt, "pkg-pull", "remove", "hello")
	if list := runOK(t, opt, "pkg-pull", "list", "-o", "name").Stdout; list != "" {
		t.Errorf("after remove hello: %q", list)
	}
}

// TestPullCorruptInstalledFile: a damaged installed.yaml is an error that says how to
// repair it, and nothing is rewritten over it.
func TestPullCorruptInstalledFile(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, "installed.yaml"), []byte("apiVersion: longshore.dev/v1alpha1\nkind: Installed\nname: x\nversoin: 1\n"), 0o644)
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}
	res := run(t, opt, "pkg-pull", "list")
	if res.Code != 6 || !strings.Contains(res.Stderr, "installed.yaml is corrupt") || !strings.Contains(res.Stderr, ":4") ||
		!strings.Contains(res.Stderr, "Hint: fix the line named above, or move the file away and reinstall") {
		t.Errorf("list with a corrupt installed.yaml: %s", res)
	}
	pub := pushPkg(t, newPackage(t, "fine", "1.0.0"), registryAddr+"/e2e/pull/corrupt/fine")
	if res := run(t, opt, "pkg-pull", pub.Repository+":1.0.0"); res.Code != 6 {
		t.Errorf("install over a corrupt installed.yaml: %s", res)
	}
	if data, _ := os.ReadFile(filepath.Join(home, "installed.yaml")); !strings.Contains(string(data), "versoin") {
		t.Errorf("the corrupt file was overwritten:\n%s", data)
	}
}

// TestPullProgressOnTTY: pkg-pull -f LOCK with stderr on a terminal draws the download
// while the layer is held half-way, and its "Installed" line starts on a cleared line
// rather than running onto the end of the status line.
func TestPullProgressOnTTY(t *testing.T) {
	t.Parallel()
	pub := pushPkg(t, writePkg(t, "bigpull", "1.0.0", "", map[string]string{"data/blob": noise(256 << 10)}),
		registryAddr+"/e2e/pull/progress/bigpull")
	g := newGate()
	defer g.open()
	px := newProxy(t, g.handle)
	lock := writeLock(t, "bigpull", lockEntry{pub: pub, repo: px.via(pub.Repository), reason: "requested"})
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "pkg-pull", "-f", lock)
	cmd.Env = baseEnv(t)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	out, m := onTTY(t, cmd, g, progressLine("Downloading"), anyLine)
	if m[3] == m[4] || m[5] == "100" {
		t.Errorf("the line drawn mid-download says it is complete: %q", m[0])
	}
	if !regexp.MustCompile(`\r +\rInstalled bigpull 1\.0\.0 \(any\)`).MatchString(out) {
		t.Errorf("the Installed line does not start on a cleared line:\n%q", out)
	}
}
