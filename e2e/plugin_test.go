package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var binaries = []string{"pkg-tap", "pkg-push", "pkg-pull", "pkg-dep", "pkg-gc"}

// TestPluginHelp checks that each plugin name reaches the right binary and that the
// binary shows the command the way the user typed it.
func TestPluginHelp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want []string // substrings of stdout
	}{
		{"kubectl", []string{"pkg", "push", "--help"}, []string{"Usage:\n  kubectl pkg push DIR --to REPOSITORY"}},
		{"kubectl", []string{"pkg", "add", "--help"}, []string{"kubectl pkg add"}},
		{"kubectl", []string{"pkg", "remove", "--help"}, []string{"Usage:\n  kubectl pkg remove PKG"}},
		{"kubectl", []string{"pkg", "list", "--help"}, []string{"Usage:\n  kubectl pkg list"}},
		{"kubectl", []string{"pkg", "pull", "--help"}, []string{"Usage:\n  kubectl pkg pull REF"}},
		{"git", []string{"pkg-push", "-h"}, []string{"Usage:\n  git pkg-push DIR --to REPOSITORY"}},
		// Through the git-pkg dispatcher entry.
		{"git", []string{"pkg", "push", "-h"}, []string{"Usage:\n  git pkg push DIR --to REPOSITORY"}},
		{"pkg-pull", []string{"--help"}, []string{"Usage:\n  pkg-pull REF"}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			res := runOK(t, runOpts{}, tt.name, tt.args...)
			for _, want := range tt.want {
				if !strings.Contains(res.Stdout, want) {
					t.Errorf("stdout lacks %q\n%s", want, res)
				}
			}
		})
	}
}

// TestDispatcherListsAreas checks the dispatcher's help names every area and shortcut.
func TestDispatcherListsAreas(t *testing.T) {
	t.Parallel()
	res := runOK(t, runOpts{}, "kubectl", "pkg", "--help")
	if !strings.Contains(res.Stdout, "Usage:\n  kubectl pkg COMMAND") {
		t.Errorf("stdout lacks the dispatcher's usage line\n%s", res)
	}
	for _, word := range []string{"tap", "push", "pull", "dep", "gc", "add", "upgrade", "remove", "list", "env", "exec", "init", "lint"} {
		if !regexp.MustCompile(`(?m)^\s+` + word + `\s`).MatchString(res.Stdout) {
			t.Errorf("kubectl pkg --help does not list %q\n%s", word, res)
		}
	}
}

// TestPluginVerbThroughKubectl runs a verb through kubectl's longest-name lookup of
// kubectl-pkg-dep: its error reaches stderr with its own exit code, stdout stays empty.
// (It replaced the test of a planned verb once no verb was left unbuilt.)
func TestPluginVerbThroughKubectl(t *testing.T) {
	t.Parallel()
	res := run(t, runOpts{}, "kubectl", "pkg", "dep", "why", "hello")
	if res.Code != 3 || !strings.Contains(res.Stderr, "hello is not installed") {
		t.Errorf("want exit 3 and the error\n%s", res)
	}
	if res.Stdout != "" {
		t.Errorf("stdout is for data only, got\n%s", res)
	}
}

// TestUnknownCommand checks the dispatcher rejects a word that names no area.
func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	res := run(t, runOpts{}, "git", "pkg", "frobnicate")
	if res.Code != 2 || !strings.Contains(res.Stderr, "frobnicate") {
		t.Errorf("want exit 2 and an error naming the command\n%s", res)
	}
}

// TestDispatcherWordAfterFlags checks the dispatcher finds its word after the binary's
// flags, and suggests one for a typo, through the real kubectl and git.
func TestDispatcherWordAfterFlags(t *testing.T) {
	t.Parallel()
	res := run(t, runOpts{}, "kubectl", "pkg", "-v", "list", "-o", "yaml")
	if res.Code != 0 || strings.Contains(res.Stderr, "unknown command") {
		t.Errorf("kubectl pkg -v list: want pkg-pull list to run\n%s", res)
	}
	res = run(t, runOpts{}, "git", "pkg", "lsit")
	if res.Code != 2 || !strings.Contains(res.Stderr, `Hint: did you mean "git pkg list"?`) {
		t.Errorf("git pkg lsit: want exit 2 and a suggestion\n%s", res)
	}
}

// TestVersion checks the version install.sh stamped reaches the binaries and the
// dispatcher.
func TestVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"pkg-push", "--version"}, {"kubectl", "pkg", "--version"}} {
		res := runOK(t, runOpts{}, args[0], args[1:]...)
		if !strings.Contains(res.Stdout, "version "+e2eVersion) {
			t.Errorf("%s: want version %s\n%s", strings.Join(args, " "), e2eVersion, res)
		}
	}
}

// TestKrewLayout installs the binaries the way krew does: all five in one directory and
// only kubectl-pkg, a link to pkg-pull, on PATH. The dispatcher must find pkg-push next
// to the link's target, since nothing else puts it on PATH.
func TestKrewLayout(t *testing.T) {
	t.Parallel()
	store := t.TempDir()
	for _, b := range binaries {
		data, err := os.ReadFile(filepath.Join(prefix, "bin", b))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(store, b), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	links := t.TempDir()
	if err := os.Symlink(filepath.Join(store, "pkg-pull"), filepath.Join(links, "kubectl-pkg")); err != nil {
		t.Fatal(err)
	}
	path := []string{links}
	for _, dir := range filepath.SplitList(basePath) {
		// A longshore installed on this machine must not stand in for the sibling.
		if _, err := os.Stat(filepath.Join(dir, "pkg-push")); err == nil {
			continue
		}
		path = append(path, dir)
	}
	opt := runOpts{Env: []string{"PATH=" + strings.Join(path, string(os.PathListSeparator))}}

	res := runOK(t, opt, "kubectl", "pkg", "push", "--help")
	if !strings.Contains(res.Stdout, "kubectl pkg push") {
		t.Errorf("stdout lacks %q\n%s", "kubectl pkg push", res)
	}
	// A second sibling, and the dispatcher's note on how the user typed it.
	res = runOK(t, opt, "kubectl", "pkg", "tap", "list", "--help")
	if !strings.Contains(res.Stdout, "Usage:\n  kubectl pkg tap list") {
		t.Errorf("pkg-tap's usage should read %q\n%s", "kubectl pkg tap list", res)
	}
}

// TestManPages checks install.sh shipped the man pages and that git finds them: git turns
// `git pkg-push --help` into `man git-pkg-push`.
func TestManPages(t *testing.T) {
	t.Parallel()
	for _, b := range binaries {
		for _, page := range []string{b, "git-" + b} {
			if _, err := os.Stat(filepath.Join(prefix, "share", "man", "man1", page+".1")); err != nil {
				t.Errorf("man page: %v", err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(prefix, "share", "man", "man1", "git-pkg.1")); err != nil {
		t.Errorf("man page: %v", err)
	}
	if _, err := exec.LookPath("man"); err != nil {
		t.Skip("man is not installed")
	}
	res := runOK(t, runOpts{Env: []string{"MANPAGER=cat", "PAGER=cat", "MANWIDTH=100"}},
		"git", "pkg-push", "--help")
	for _, want := range []string{"git-pkg-push", "git pkg-push DIR --to REPOSITORY"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("man page lacks %q\n%s", want, res)
		}
	}
}

// TestPluginPushPull publishes a package to the real registry with pkg-push and installs
// it with kubectl pkg pull, then runs its entry point.
func TestPluginPushPull(t *testing.T) {
	t.Parallel()
	dir := newPackage(t, "plugin-hello", "1.0.0")
	repo := registryAddr + "/e2e/plugin-hello"

	res := runOK(t, runOpts{}, "pkg-push", dir, "--to", repo, "-o", "yaml")
	if docs := yamlDocs(t, res.Stdout); len(docs) != 1 || docs[0]["kind"] != "Published" {
		t.Errorf("pkg-push -o yaml: want one Published document\n%s", res)
	}
	// Ask the registry itself, not our binaries, whether the tag exists.
	if tags := registryTags(t, "e2e/plugin-hello"); !slices.Contains(tags, "1.0.0") {
		t.Fatalf("registry tags of e2e/plugin-hello = %v, want 1.0.0 among them", tags)
	}

	home := t.TempDir()
	res = runOK(t, runOpts{Env: []string{"LONGSHORE_HOME=" + home}},
		"kubectl", "pkg", "pull", repo+":1.0.0", "-o", "yaml")
	var installed map[string]any
	for _, doc := range yamlDocs(t, res.Stdout) {
		if doc["kind"] == "Installed" {
			installed = doc
		}
	}
	if installed == nil {
		t.Fatalf("kubectl pkg pull -o yaml printed no kind: Installed document\n%s", res)
	}
	if installed["name"] != "plugin-hello" || installed["version"] != "1.0.0" {
		t.Errorf("Installed name/version = %v/%v, want plugin-hello/1.0.0\n%s",
			installed["name"], installed["version"], res)
	}
	if d, _ := installed["digest"].(string); !strings.HasPrefix(d, "sha256:") {
		t.Errorf("Installed digest = %q, want sha256:…", d)
	}

	res = runOK(t, runOpts{}, filepath.Join(home, "bin", "plugin-hello"))
	if got := strings.TrimSpace(res.Stdout); got != "hello from plugin-hello 1.0.0" {
		t.Errorf("installed entry point printed %q", got)
	}
}

// yamlDocs decodes every document of a YAML stream.
func yamlDocs(t *testing.T, s string) []map[string]any {
	t.Helper()
	var docs []map[string]any
	dec := yaml.NewDecoder(strings.NewReader(s))
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("decoding YAML: %v\n%s", err, s)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

// registryTags lists a repository's tags with the registry's own API.
func registryTags(t *testing.T, repo string) []string {
	t.Helper()
	resp, err := http.Get("http://" + registryAddr + "/v2/" + repo + "/tags/list")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("tags/list of %s: %s\n%s", repo, resp.Status, body)
	}
	var list struct {
		Tags []string `json:"tags"`
	}
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&list); err != nil {
		t.Fatal(err)
	}
	return list.Tags
}

// TestFamiliarVerbsThroughKubectl: `kubectl pkg install`, `rm`, `uninstall`, which no
// kubectl-pkg-WORD link serves, reach pkg-pull through the dispatcher as add and remove;
// `kubectl pkg search` names the command that searches, as the user types it there.
func TestFamiliarVerbsThroughKubectl(t *testing.T) {
	t.Parallel()
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
	repo := registryAddr + "/e2e/plugin/familiar/hello"
	runOK(t, opt, "pkg-push", newPackage(t, "hello", "1.0.0"), "--to", repo)
	if res := runOK(t, opt, "kubectl", "pkg", "install", "--help"); !strings.Contains(res.Stdout, "Usage:\n  kubectl pkg add PKG") || !strings.Contains(res.Stdout, "Aliases:\n  add, install\n") {
		t.Errorf("kubectl pkg install --help:\n%s", res)
	}
	if res := runOK(t, opt, "kubectl", "pkg", "install", repo, "-o", "name"); res.Stdout != "installed/hello@1.0.0\n" {
		t.Errorf("kubectl pkg install %s:\n%s", repo, res)
	}
	if res := runOK(t, opt, "kubectl", "pkg", "rm", "hello", "-o", "name"); res.Stdout != "installed/hello@1.0.0\n" {
		t.Errorf("kubectl pkg rm hello:\n%s", res)
	}
	if res := run(t, opt, "git", "pkg", "uninstall", "hello"); res.Code != 3 || !strings.Contains(res.Stderr, "Error: hello is not installed") {
		t.Errorf("git pkg uninstall hello, once removed:\n%s", res)
	}
	res := run(t, opt, "kubectl", "pkg", "search", "hello")
	if res.Code != 2 || !strings.Contains(res.Stderr, "Hint: to search the taps for a package: kubectl pkg tap search hello\n") {
		t.Errorf("kubectl pkg search hello:\n%s", res)
	}
	res = run(t, opt, "kubectl", "pkg", "pull", "search", "hello")
	if res.Code != 2 || !strings.Contains(res.Stderr, "Hint: to search the taps for a package: kubectl pkg tap search hello\n") {
		t.Errorf("kubectl pkg pull search hello:\n%s", res)
	}
}
