package plan

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/stream"
)

// writeInstalled records packages in home's installed.yaml as pkg-pull does:
// "tap/name version reason [dep,dep… [companion,companion…]]" ("-" for no dependency).
func writeInstalled(t *testing.T, home string, lines ...string) {
	t.Helper()
	var docs []any
	for _, l := range lines {
		f := strings.Fields(l)
		inst := api.NewInstalled()
		tapName, name, ok := strings.Cut(f[0], "/")
		if !ok {
			tapName, name = "", f[0]
		}
		inst.Name, inst.Tap, inst.Version, inst.Reason = name, tapName, f[1], f[2]
		inst.Platform = "linux/amd64"
		inst.Digest = fakeDigest(name + f[1] + "amd64")
		inst.Source = "registry.example/" + name + "@" + fakeDigest(name+f[1])
		inst.Path = "pkgs/sha256/" + strings.TrimPrefix(inst.Digest, "sha256:")
		if len(f) > 3 && f[3] != "-" {
			inst.Dependencies = strings.Split(f[3], ",")
		}
		if len(f) > 4 {
			inst.Patches = strings.Split(f[4], ",")
		}
		docs = append(docs, inst)
	}
	writeRecords(t, home, docs...)
}

// writeRecords writes records as home's installed.yaml.
func writeRecords(t *testing.T, home string, docs ...any) {
	t.Helper()
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, docs...); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "installed.yaml"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSync(t *testing.T) {
	t.Parallel()
	home, registry := patchUniverse(t, true)
	ctx := context.Background()
	// hello 1.1.0 is installed explicitly with its dependencies, at versions older than
	// the newest; sync must not move them. hello came in by reference: its tap is found
	// by repository.
	addTap(t, home, "extra", false, entry("zlib", v("1.4.0")))
	writeInstalled(t, home, "hello 1.1.0 explicit", "main/libgreet 1.2.0 dependency", "main/zlib 1.3.0 dependency", "main/old-shim 0.1.0 patch")
	res, err := Sync(ctx, home, Options{Platform: "linux/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	want := "zlib 1.3.0 dependency main\nlibgreet 1.2.0 dependency main\ncerts 1.0.0 patch main\nhello 1.1.0 requested main\nca-bundle 1.0.0 patch main\nproxy 1.0.0 patch main"
	if got := summary(res.Lock); got != want {
		t.Errorf("lock:\n%s\nwant:\n%s", got, want)
	}
	// hello was asked for without a constraint: its request has none, though the solve
	// held it at 1.1.0.
	if len(res.Lock.Requests) != 1 || res.Lock.Requests[0].Name != "main/hello" || res.Lock.Requests[0].Version != "" {
		t.Errorf("requests: %+v", res.Lock.Requests)
	}
	if errs := Check(res.Lock); len(errs) != 0 {
		t.Errorf("Check: %v", errs)
	}
	// Only installed names and _global were asked about.
	if got := strings.Join(res.Checked, " "); got != "_global hello libgreet old-shim zlib" {
		t.Errorf("checked: %s", got)
	}
	// Only those the registry has a descriptor for changed; the others were checked.
	if got := strings.Join(res.Changed, " "); got != "_global hello" {
		t.Errorf("changed: %s", got)
	}
	if len(res.Cached) != 0 {
		t.Errorf("cached: %v, want every descriptor checked", res.Cached)
	}
	// old-shim came from rule 2 (hello <1.1); hello is 1.1.0 now, so nothing adds it.
	if got := strings.Join(res.Dropped, " "); got != "old-shim" {
		t.Errorf("dropped: %q, want old-shim", got)
	}
	if _, err := os.Stat(filepath.Join(home, "patches", "ca-bundle.json")); err == nil {
		t.Error("sync cached the descriptor of a package that is not installed")
	}
	first := lockYAML(t, res.Lock)
	before := snapshot(t, filepath.Join(home, "patches"))

	// Nothing changed: nothing is rewritten, and the lock is the same.
	again, err := Sync(ctx, home, Options{Platform: "linux/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Changed) != 0 || lockYAML(t, again.Lock) != first {
		t.Errorf("second sync: changed %v\n%s", again.Changed, lockYAML(t, again.Lock))
	}
	if after := snapshot(t, filepath.Join(home, "patches")); !equalMaps(before, after) {
		t.Error("a sync without changes rewrote the cache")
	}

	// A changed descriptor is fetched again.
	publishDescriptor(t, registry, "hello", "  - match: {name: hello}\n    companions: [{name: tool}]\n")
	third, err := Sync(ctx, home, Options{Platform: "linux/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(third.Changed, " ") != "hello" || !strings.Contains(summary(third.Lock), "tool 3.1.0 patch main") || strings.Contains(summary(third.Lock), "ca-bundle") {
		t.Errorf("after a change: %v\n%s", third.Changed, summary(third.Lock))
	}

	// Installed is what is installed, not what sync would install: the companion
	// installed (old-shim), not the one the rules add now (tool).
	inst, err := Installed(ctx, home, Options{Platform: "linux/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(inst), "hello 1.1.0 requested main\nlibgreet 1.2.0 dependency main\nold-shim 0.1.0 patch main\nzlib 1.3.0 dependency main"; got != want {
		t.Errorf("installed:\n%s\nwant:\n%s", got, want)
	}

	// The site withdraws hello's rules (rules: []): tool is no longer added, here and
	// offline from the cache.
	publishDescriptor(t, registry, "hello", " []\n")
	for _, offline := range []bool{false, true} {
		fourth, err := Sync(ctx, home, Options{Platform: "linux/amd64", Offline: offline})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(summary(fourth.Lock), "tool") || !strings.Contains(summary(fourth.Lock), "hello 1.1.0 requested main") {
			t.Errorf("after the rules were withdrawn (offline %v):\n%s", offline, summary(fourth.Lock))
		}
	}
}

func TestSyncWithoutRegistry(t *testing.T) {
	t.Parallel()
	home := twoTaps(t, false)
	_, err := Sync(context.Background(), home, Options{})
	if err == nil || err.Error() != "no patch registry is configured" || cli.ExitCode(err) != cli.ExitNotFound {
		t.Errorf("err = %v", err)
	}
}

func TestInstalledNothing(t *testing.T) {
	t.Parallel()
	home := twoTaps(t, false)
	lock, err := Installed(context.Background(), home, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lock.Packages) != 0 || lock.Validate() != nil {
		t.Errorf("lock: %+v", lock)
	}
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, _ := e.Info()
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		out[e.Name()] = string(data) + info.ModTime().String()
	}
	return out
}

func equalMaps(a, b map[string]string) bool {
	ka, kb := keys(a), keys(b)
	if !slices.Equal(ka, kb) {
		return false
	}
	for k := range a {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// The lock sync prints is installed with pkg-pull -f, which records each request's
// constraint: a request at =VERSION would hold the package there for every later
// pkg-pull upgrade. The requests carry the constraints installed.yaml recorded.
func TestSyncRequestsAreTheRecordedConstraints(t *testing.T) {
	t.Parallel()
	home, _ := patchUniverse(t, true)
	writeInstalled(t, home, "main/hello 1.1.0 explicit libgreet", "main/libgreet 1.2.0 dependency", "main/zlib 1.3.0 dependency")
	path := filepath.Join(home, "installed.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	withConstraint := strings.Replace(string(data), "reason: explicit\n", "reason: explicit\nconstraint: ~1.1\n", 1)
	if withConstraint == string(data) {
		t.Fatal("no explicit record to give a constraint")
	}
	if err := os.WriteFile(path, []byte(withConstraint), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Sync(context.Background(), home, Options{Platform: "linux/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Lock.Requests) != 1 || res.Lock.Requests[0].Name != "main/hello" || res.Lock.Requests[0].Version != "~1.1" {
		t.Errorf("requests: %+v, want main/hello at ~1.1, as installed.yaml records it", res.Lock.Requests)
	}
	if p, ok := res.Lock.Package("hello"); !ok || p.Version != "1.1.0" {
		t.Errorf("hello: %+v, want it held at its installed 1.1.0", p)
	}
}
