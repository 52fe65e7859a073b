package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"
)

// tapDoc is the subset of Tap and PackageRef documents the tests read.
type tapDoc struct {
	Kind     string `yaml:"kind"`
	Name     string `yaml:"name"`
	Source   string `yaml:"source"`
	Digest   string `yaml:"digest"`
	Packages int    `yaml:"packages"`
}

// entryDoc is the subset of an IndexEntry (pkg-tap show -o json) the tests read.
type entryDoc struct {
	Name     string `json:"name"`
	Versions []struct {
		Version string `json:"version"`
		Digest  string `json:"digest"`
	} `json:"versions"`
}

// decodeDocs reads a YAML stream of documents.
func decodeDocs(t *testing.T, out string) []tapDoc {
	t.Helper()
	var docs []tapDoc
	dec := yaml.NewDecoder(strings.NewReader(out))
	for {
		var d tapDoc
		if err := dec.Decode(&d); err != nil {
			if err.Error() == "EOF" {
				return docs
			}
			t.Fatalf("not a YAML stream: %v\n%s", err, out)
		}
		docs = append(docs, d)
	}
}

// publishToIndex pushes a package version and adds what pkg-push printed to the index,
// the pipeline a publisher runs: pkg-push … -o yaml | pkg-tap index add -f - --to INDEX.
// It returns the Published digest.
func publishToIndex(t *testing.T, opt runOpts, name, version, repo, index string) string {
	t.Helper()
	published := runOK(t, opt, "pkg-push", newPackage(t, name, version), "--to", repo, "-o", "yaml")
	add := opt
	add.Stdin = published.Stdout
	runOK(t, add, "pkg-tap", "index", "add", "-f", "-", "--to", index)
	return decodeDoc(t, published.Stdout).Digest
}

// TestTapRegistryAndLayout adds a tap from the real registry and one from a local
// layout, and goes through search, show, TAP/NAME and the ambiguity, update and remove.
func TestTapRegistryAndLayout(t *testing.T) {
	t.Parallel()
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
	core := registryAddr + "/e2e/tap/index"
	v1 := publishToIndex(t, opt, "hello", "1.0.0", registryAddr+"/e2e/tap/hello", core)
	publishToIndex(t, opt, "greet", "0.3.0", registryAddr+"/e2e/tap/greet", core)
	layout := filepath.Join(t.TempDir(), "registry")
	publishToIndex(t, opt, "hello", "2.0.0", "ocidir://"+layout+"/hello", "ocidir://"+layout+"/index")

	added := runOK(t, opt, "pkg-tap", "add", "core", core, "-o", "yaml")
	if d := decodeDocs(t, added.Stdout); len(d) != 1 || d[0].Kind != "Tap" || d[0].Packages != 2 || !strings.HasPrefix(d[0].Digest, "sha256:") {
		t.Fatalf("add core printed %s", added)
	}
	runOK(t, opt, "pkg-tap", "add", "local", "ocidir://"+layout+"/index")
	if res := run(t, opt, "pkg-tap", "add", "local", core); res.Code != 5 || !strings.Contains(res.Stderr, "a tap named local already exists") {
		t.Errorf("a second tap named local: %s", res)
	}
	if res := run(t, opt, "pkg-tap", "add", "nothing", registryAddr+"/e2e/tap/no-such-index"); res.Code != 3 {
		t.Errorf("add of a missing index: %s", res)
	}

	list := decodeDocs(t, runOK(t, opt, "pkg-tap", "list", "-o", "yaml").Stdout)
	if len(list) != 2 || list[0].Name != "core" || list[0].Source != core || list[1].Source != "ocidir://"+layout+"/index" {
		t.Errorf("list: %+v", list)
	}

	// search: both taps' hello, exact name first; -o yaml is PackageRefs.
	refs := decodeDocs(t, runOK(t, opt, "pkg-tap", "search", "hello", "-o", "yaml").Stdout)
	if len(refs) != 2 || refs[0].Kind != "PackageRef" || refs[0].Name != "core/hello" || refs[1].Name != "local/hello" {
		t.Errorf("search hello: %+v", refs)
	}
	if out := runOK(t, opt, "pkg-tap", "search", "e2e tests", "--tap", "core", "-o", "name").Stdout; out != "packageref/core/greet\npackageref/core/hello\n" {
		t.Errorf("search by description in core: %q", out)
	}

	// show: TAP/NAME always; a bare name in both taps is an error naming both.
	var entry entryDoc
	if err := json.Unmarshal([]byte(runOK(t, opt, "pkg-tap", "show", "core/hello", "-o", "json").Stdout), &entry); err != nil {
		t.Fatal(err)
	}
	if entry.Name != "hello" || len(entry.Versions) != 1 || entry.Versions[0].Digest != v1 {
		t.Errorf("show core/hello: %+v", entry)
	}
	if res := run(t, opt, "pkg-tap", "show", "hello"); res.Code != 2 || !strings.Contains(res.Stderr, "core/hello, local/hello") {
		t.Errorf("show of an ambiguous name: %s", res)
	}
	if out := runOK(t, opt, "pkg-tap", "show", "greet").Stdout; !strings.Contains(out, "name: greet") {
		t.Errorf("show greet: %s", out)
	}

	// update: unchanged costs nothing; a new version arrives with its shard only.
	res := runOK(t, opt, "pkg-tap", "update")
	if !strings.Contains(res.Stderr, "core is up to date") || !strings.Contains(res.Stderr, "local is up to date") {
		t.Errorf("update without changes: %s", res)
	}
	publishToIndex(t, opt, "hello", "1.1.0", registryAddr+"/e2e/tap/hello", core)
	res = runOK(t, opt, "pkg-tap", "update", "core")
	if !strings.Contains(res.Stderr, "Updated core: 2 packages, 3 versions") || !strings.Contains(res.Stderr, " in 1 of ") {
		t.Errorf("update after a publish: %s", res)
	}
	if out := runOK(t, opt, "pkg-tap", "search", "hello", "--tap", "core", "-o", "table").Stdout; !strings.Contains(out, "core/hello   1.1.0") {
		t.Errorf("search after update:\n%s", out)
	}

	runOK(t, opt, "pkg-tap", "remove", "local")
	if out := runOK(t, opt, "pkg-tap", "show", "hello", "-o", "name").Stdout; out != "indexentry/hello\n" {
		t.Errorf("show hello once local is gone: %q", out)
	}
	if out := runOK(t, opt, "pkg-tap", "list", "-o", "name").Stdout; out != "tap/core\n" {
		t.Errorf("list after remove: %q", out)
	}
}

// TestTapPrivateLogin runs a second registry that wants a password: pkg-tap login
// stores it in DOCKER_CONFIG, the private index can then be published and added, and
// after logout the next update is refused with exit 4 and a hint naming the registry.
func TestTapPrivateLogin(t *testing.T) {
	t.Parallel()
	const password = "correct-horse-battery-staple"
	private, stop := startPasswordRegistry(t, "alice", password)
	dockerConfig := t.TempDir()
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir(), "DOCKER_CONFIG=" + dockerConfig}}
	index := private + "/private/index"
	var outputs []string
	check := func(r result) result {
		outputs = append(outputs, r.Stdout, r.Stderr)
		return r
	}

	// Not logged in: refused, and told how to log in.
	res := check(run(t, opt, "pkg-tap", "add", "private", index))
	if res.Code != 4 || !strings.Contains(res.Stderr, "pkg-tap login "+private) {
		t.Errorf("add without credentials: %s", res)
	}
	// A wrong password is refused and stores nothing.
	wrong := opt
	wrong.Stdin = "not-" + password + "\n"
	res = check(run(t, wrong, "pkg-tap", "login", private, "-u", "alice", "--password-stdin"))
	if res.Code != 4 || !strings.Contains(res.Stderr, private+" refused the credentials of alice") {
		t.Errorf("login with a wrong password: %s", res)
	}
	if _, err := os.Stat(filepath.Join(dockerConfig, "config.json")); err == nil {
		t.Error("a refused login wrote config.json")
	}

	login := opt
	login.Stdin = password + "\n"
	res = check(run(t, login, "pkg-tap", "login", private, "-u", "alice", "--password-stdin"))
	if res.Code != 0 || !strings.Contains(res.Stderr, "Login succeeded for "+private) || !strings.Contains(res.Stderr, "unencrypted") {
		t.Fatalf("login: %s", res)
	}
	config, err := os.ReadFile(filepath.Join(dockerConfig, "config.json"))
	if err != nil || !strings.Contains(string(config), private) {
		t.Fatalf("config.json after login: %v\n%s", err, config)
	}

	// Logged in, every binary uses the credentials: publish, then add the private tap.
	publishToIndex(t, opt, "secret-tool", "1.0.0", private+"/private/secret-tool", index)
	check(runOK(t, opt, "pkg-tap", "add", "private", index))
	if out := check(runOK(t, opt, "pkg-tap", "search", "secret", "-o", "name")).Stdout; out != "packageref/private/secret-tool\n" {
		t.Errorf("search in the private tap: %q", out)
	}

	check(runOK(t, opt, "pkg-tap", "logout", private))
	res = check(run(t, opt, "pkg-tap", "update", "private"))
	if res.Code != 4 || !strings.Contains(res.Stderr, private) || !strings.Contains(res.Stderr, "pkg-tap login "+private) {
		t.Errorf("update after logout: %s", res)
	}

	// The registry goes away: the cache still answers, update says the network failed.
	stop()
	if out := check(runOK(t, opt, "pkg-tap", "show", "private/secret-tool")).Stdout; !strings.Contains(out, "1.0.0") {
		t.Errorf("show offline: %s", out)
	}
	check(runOK(t, opt, "pkg-tap", "list"))
	res = check(run(t, opt, "pkg-tap", "update"))
	if res.Code != 7 {
		t.Errorf("update with the registry down: %s", res)
	}
	for _, out := range outputs {
		if strings.Contains(out, password) {
			t.Errorf("the password appears in the output:\n%s", out)
		}
	}
}

// TestTapUpdateRepairsCache damages a tap's cache as a crash or a careless hand would
// (a shard gone, one truncated): show fails and says to update, and the update that
// follows, although the index did not change, refetches what was lost.
func TestTapUpdateRepairsCache(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}
	index := registryAddr + "/e2e/tap-repair/index"
	publishToIndex(t, opt, "mend", "1.0.0", registryAddr+"/e2e/tap-repair/mend", index)
	runOK(t, opt, "pkg-tap", "add", "core", index)

	shards, err := filepath.Glob(filepath.Join(home, "taps", "core", "blobs", "sha256", "*"))
	if err != nil || len(shards) == 0 {
		t.Fatalf("no cached blobs: %v", err)
	}
	for _, b := range shards {
		// The manifest and config stay; every shard ({"packages":[…]}) is truncated.
		if data, err := os.ReadFile(b); err == nil && strings.HasPrefix(string(data), `{"packages":`) {
			if err := os.WriteFile(b, []byte("{"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if res := run(t, opt, "pkg-tap", "show", "core/mend"); res.Code != 6 || !strings.Contains(res.Stderr, "update the tap again") {
		t.Fatalf("show of a damaged cache: %s", res)
	}
	if res := runOK(t, opt, "pkg-tap", "update", "core"); !strings.Contains(res.Stderr, "Updated core") {
		t.Errorf("update of a damaged cache did not refetch: %s", res)
	}
	if out := runOK(t, opt, "pkg-tap", "show", "core/mend").Stdout; !strings.Contains(out, "1.0.0") {
		t.Errorf("show after the repair: %s", out)
	}
}

// startPasswordRegistry starts a registry of its own that wants user's password
// (htpasswd), stopped when t ends or by stop (either may come first), and returns its
// address.
func startPasswordRegistry(t *testing.T, user, password string) (addr string, stop func()) {
	t.Helper()
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	htpasswd := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(htpasswd, []byte(user+":"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stop, addr, err = startRegistry(filepath.Join(dir, "registry"), fmt.Sprintf(`auth:
  htpasswd:
    realm: longshore-e2e
    path: %s
`, htpasswd))
	if stop != nil {
		t.Cleanup(stop)
	}
	if err != nil {
		t.Fatal(err)
	}
	return addr, stop
}
