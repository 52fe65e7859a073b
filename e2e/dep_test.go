package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// lockDoc is the subset of a Lock the tests read.
type lockDoc struct {
	Kind     string `yaml:"kind"`
	Requests []struct {
		Name    string `yaml:"name"`
		Version string `yaml:"version"`
	} `yaml:"requests"`
	Packages []struct {
		Name         string   `yaml:"name"`
		Tap          string   `yaml:"tap"`
		Version      string   `yaml:"version"`
		Repository   string   `yaml:"repository"`
		Digest       string   `yaml:"digest"`
		Dependencies []string `yaml:"dependencies"`
		Patches      []string `yaml:"patches"`
		Reason       string   `yaml:"reason"`
	} `yaml:"packages"`
	Order []string `yaml:"order"`
}

func decodeLock(t *testing.T, out string) lockDoc {
	t.Helper()
	var l lockDoc
	if err := yaml.Unmarshal([]byte(out), &l); err != nil || l.Kind != "Lock" {
		t.Fatalf("not a Lock (%v):\n%s", err, out)
	}
	return l
}

// publishDep pushes a package whose package.yaml has the given dependencies (YAML flow
// items) and adds it to the index, as a publisher's pipeline does.
func publishDep(t *testing.T, opt runOpts, name, version, index string, deps ...string) string {
	t.Helper()
	dir := newPackage(t, name, version)
	if len(deps) > 0 {
		f, err := os.OpenFile(filepath.Join(dir, "package.yaml"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("  dependencies:\n")
		for _, d := range deps {
			f.WriteString("    - " + d + "\n")
		}
		f.Close()
	}
	repo := registryAddr + "/e2e/dep/" + name
	published := runOK(t, opt, "pkg-push", dir, "--to", repo, "-o", "yaml")
	if index != "" {
		add := opt
		add.Stdin = published.Stdout
		runOK(t, add, "pkg-tap", "index", "add", "-f", "-", "--to", index)
	}
	return decodeDoc(t, published.Stdout).Digest
}

// TestDepResolve publishes packages with dependencies (one of them a repository's
// tags) and an index to the real registry, taps it, and resolves: the lock is the same
// bytes twice, its digests exist (validate --remote), the tree renders with graphviz, a
// conflict is explained, and a patch registry's companion lands right after its base.
func TestDepResolve(t *testing.T) {
	t.Parallel()
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
	index := registryAddr + "/e2e/dep/index"
	fonts := registryAddr + "/e2e/dep/fonts"
	publishDep(t, opt, "fonts", "1.0.0", "")
	publishDep(t, opt, "fonts", "2.0.0", "")
	publishDep(t, opt, "zlib", "1.3.0", index)
	publishDep(t, opt, "libgreet", "1.2.0", index, `{name: zlib, version: "^1"}`)
	publishDep(t, opt, "hello", "1.0.0", index, `{name: libgreet, version: "^1"}`, `{ref: `+fonts+`, version: "^2"}`)
	publishDep(t, opt, "old-greet", "1.0.0", index, `{name: libgreet, version: "<1.2"}`)
	publishDep(t, opt, "ca-bundle", "1.0.0", index, `{name: zlib}`)
	runOK(t, opt, "pkg-tap", "add", "core", index)

	first := runOK(t, opt, "pkg-dep", "resolve", "hello", "-o", "yaml")
	second := runOK(t, opt, "pkg-dep", "resolve", "hello", "-o", "yaml")
	if first.Stdout != second.Stdout {
		t.Errorf("two resolves differ:\n%s\n%s", first.Stdout, second.Stdout)
	}
	lock := decodeLock(t, first.Stdout)
	if got := strings.Join(lock.Order, " "); got != fonts+" zlib libgreet hello" {
		t.Errorf("order: %s", got)
	}
	for _, p := range lock.Packages {
		if p.Name == fonts && (p.Version != "2.0.0" || p.Tap != "" || p.Repository != fonts) {
			t.Errorf("the ref: dependency: %+v", p)
		}
		if p.Name == "hello" && (p.Tap != "core" || p.Reason != "requested" || strings.Join(p.Dependencies, " ") != fonts+" libgreet") {
			t.Errorf("hello: %+v", p)
		}
	}
	check := opt
	check.Stdin = first.Stdout
	if res := runOK(t, check, "pkg-dep", "validate", "-f", "-", "--remote"); !strings.Contains(res.Stderr, "every digest exists") {
		t.Errorf("validate --remote: %s", res)
	}

	// The lock installs: pkg-dep resolve … | pkg-pull -f -, every package in order.
	install := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}, Stdin: first.Stdout}
	runOK(t, install, "pkg-pull", "-f", "-")
	listed := runOK(t, install, "pkg-pull", "list", "-o", "yaml").Stdout
	for _, name := range []string{"name: hello", "name: libgreet", "name: zlib", "name: fonts"} {
		if !strings.Contains(listed, name) {
			t.Errorf("installed from the lock: no %q in\n%s", name, listed)
		}
	}

	// The pipeline from search: PackageRef documents in.
	search := runOK(t, opt, "pkg-tap", "search", "hello", "-o", "yaml")
	piped := opt
	piped.Stdin = search.Stdout
	if l := decodeLock(t, runOK(t, piped, "pkg-dep", "resolve", "-f", "-").Stdout); len(l.Requests) != 1 || l.Requests[0].Name != "core/hello" || len(l.Packages) != 4 {
		t.Errorf("resolve of search's PackageRefs: %+v", l)
	}
	// … and into pkg-pull add, in a home of its own. They carry what the search table
	// shows (latest, description), which readers take for no part of the request.
	if !strings.Contains(search.Stdout, "\nlatest: 1.0.0\n") || !strings.Contains(search.Stdout, "\ndescription: ") {
		t.Errorf("search -o yaml has no latest version or description:\n%s", search.Stdout)
	}
	fresh := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
	runOK(t, fresh, "pkg-tap", "add", "core", index)
	fresh.Stdin = search.Stdout
	if res := runOK(t, fresh, "pkg-pull", "add", "-f", "-", "-o", "name"); !strings.Contains(res.Stdout, "installed/hello@1.0.0\n") {
		t.Errorf("pkg-tap search -o yaml | pkg-pull add -f -: %s", res)
	}

	// A conflict, explained.
	res := run(t, opt, "pkg-dep", "resolve", "hello", "old-greet")
	want := "Error: Because you requested old-greet which depends on libgreet <1.2, which matches no version of libgreet (it has 1.2.0), version solving failed.\n"
	if res.Code != 5 || !strings.HasPrefix(res.Stderr, want) || res.Stdout != "" {
		t.Errorf("conflict: %s\nwant stderr starting with %q", res, want)
	}

	// The graph, rendered by graphviz when it is installed.
	dot := runOK(t, opt, "pkg-dep", "tree", "hello", "-o", "dot")
	if !strings.HasPrefix(dot.Stdout, "digraph lock {") || !strings.Contains(dot.Stdout, `"hello" -> "libgreet";`) {
		t.Errorf("tree -o dot:\n%s", dot.Stdout)
	}
	if _, err := exec.LookPath("dot"); err != nil {
		t.Log("dot is not on PATH: skipping the render")
	} else {
		cmd := exec.Command("dot", "-Tsvg")
		cmd.Stdin = strings.NewReader(dot.Stdout)
		svg, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(svg), "<svg") {
			t.Errorf("dot -Tsvg: %v\n%s", err, svg)
		}
	}

	// Patches: a descriptor adds ca-bundle to hello; sync prints the installed packages
	// with the companion right after hello.
	rules := filepath.Join(t.TempDir(), "hello-patches.yaml")
	os.WriteFile(rules, []byte("apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\nrules:\n  - match: {name: hello, version: \">=1.0\"}\n    companions: [{name: core/ca-bundle, version: \"^1\"}]\n"), 0o644)
	patches := registryAddr + "/e2e/dep/patches"
	runOK(t, opt, "pkg-push", "patch", rules, "--for", "hello", "--to", patches)
	runOK(t, opt, "pkg-dep", "patch", "registry", patches)
	runOK(t, opt, "pkg-pull", registryAddr+"/e2e/dep/hello:1.0.0")
	sync := runOK(t, opt, "pkg-dep", "patch", "sync", "-o", "yaml")
	synced := decodeLock(t, sync.Stdout)
	if got := strings.Join(synced.Order, " "); got != fonts+" zlib libgreet hello ca-bundle" {
		t.Errorf("sync order: %s\n%s", got, sync)
	}
	if len(synced.Requests) != 1 || synced.Requests[0].Name != "core/hello" || synced.Requests[0].Version != "" {
		t.Errorf("sync requests: %+v", synced.Requests)
	}
	again := runOK(t, opt, "pkg-dep", "patch", "sync", "-o", "yaml")
	if again.Stdout != sync.Stdout || !strings.Contains(again.Stderr, "up to date") {
		t.Errorf("a second sync: %s", again)
	}
	check.Stdin = sync.Stdout
	runOK(t, check, "pkg-dep", "validate", "-f", "-", "--remote")
	// pkg-dep patch sync -o yaml | pkg-pull -f -: the companion is installed as one.
	apply := opt
	apply.Stdin = sync.Stdout
	runOK(t, apply, "pkg-pull", "-f", "-")
	// hello was installed by reference, with no constraint: the sync lock's request
	// must not record the version it held hello at, or upgrade would never move it.
	if listed := runOK(t, opt, "pkg-pull", "list", "-o", "yaml").Stdout; !strings.Contains(listed, "name: ca-bundle") || strings.Contains(listed, "constraint:") {
		t.Errorf("after applying the sync lock:\n%s", listed)
	}
	if why := runOK(t, opt, "pkg-dep", "patch", "why", "ca-bundle", "-o", "table"); !strings.Contains(why.Stdout, "ca-bundle is a companion of hello 1.0.0: rule 0 of hello") {
		t.Errorf("patch why: %s", why)
	}
	// resolve applies the rules too.
	if l := decodeLock(t, runOK(t, opt, "pkg-dep", "resolve", "hello", "-o", "yaml").Stdout); strings.Join(l.Order, " ") != fonts+" zlib libgreet hello ca-bundle" {
		t.Errorf("resolve with patches: %v", l.Order)
	}

	// The tree of what is installed is the tree of the lock it was installed from, and
	// stays so once the tap it came from is removed (pkg-tap remove --force); patch
	// sync, which solves the installed packages again, says they are installed.
	tree := runOK(t, check, "pkg-dep", "tree", "-f", "-").Stdout
	if got := runOK(t, opt, "pkg-dep", "tree").Stdout; got != tree {
		t.Errorf("tree of the installed packages:\n%s\nwant the tree of the lock installed:\n%s", got, tree)
	}
	runOK(t, opt, "pkg-tap", "remove", "core", "--force")
	if got := runOK(t, opt, "pkg-dep", "tree").Stdout; got != tree {
		t.Errorf("tree without the tap:\n%s\nwant:\n%s", got, tree)
	}
	if why := runOK(t, opt, "pkg-dep", "why", "zlib", "-o", "table").Stdout; !strings.Contains(why, "hello 1.0.0 -> libgreet 1.2.0 -> zlib 1.3.0\n") {
		t.Errorf("why zlib without the tap:\n%s", why)
	}
	if res := run(t, opt, "pkg-dep", "patch", "sync"); res.Code != 3 || strings.Contains(res.Stderr, "you requested") ||
		!strings.Contains(res.Stderr, "Error: Because the installed packages include core/") || !strings.Contains(res.Stderr, "pkg-tap add core REF") {
		t.Errorf("patch sync without the tap: %s", res)
	}
}
