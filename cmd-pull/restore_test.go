package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/stream"
)

// decodeInstalled decodes what pkg-pull prints with -o yaml.
func decodeInstalled(t *testing.T, out string) []*api.Installed {
	t.Helper()
	docs, err := stream.Decode(strings.NewReader(out), "stdout", api.Kinds)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var list []*api.Installed
	for _, d := range docs {
		list = append(list, d.Value.(*api.Installed))
	}
	return list
}

// TestRestoreInstalled: what `pkg-pull list -o yaml` prints in one home, read by
// `pkg-pull -f` in another, installs the same packages at the same digests, with their
// reasons (explicit, dependency, patch companion), constraints, edges, and the tag a
// reference was installed from: the second home's list is the first's, but for where
// the home is. Its entry points are linked.
func TestRestoreInstalled(t *testing.T) {
	t.Parallel()
	pub := publishAll(t, pkg{"tool", "1.0.0", "  bin: [bin/tool]\n", map[string]string{"bin/tool": "#!/bin/sh\n"}})
	lock := strings.Replace(toolboxLock(t), "requests:\n  - name: app\n", "requests:\n  - {name: app, version: ^2}\n", 1)
	from := newEnv(t)
	mustPull(t, from, lock, "-f", "-")
	mustPull(t, from, "", pub["tool"].Published.Repository+":1.0.0")
	exported := mustPull(t, from, "", "list", "-o", "yaml").Stdout
	for _, want := range []string{"reason: explicit\nconstraint: ^2\n", "reason: dependency\n", "reason: patch\n", ":1.0.0@sha256:"} {
		if !strings.Contains(exported, want) {
			t.Fatalf("the home to export has no %q:\n%s", want, exported)
		}
	}

	to := newEnv(t)
	r := mustPull(t, to, exported, "-f", "-", "-o", "name")
	if got := strings.Fields(r.Stdout); len(got) != 4 || !strings.Contains(r.Stdout, "installed/lib@1.0.0\ninstalled/app@2.0.0\ninstalled/ca@1.0.0\n") {
		t.Errorf("restored, in the order of the lock the records make:\n%s", r)
	}
	restored := mustPull(t, to, "", "list", "-o", "yaml").Stdout
	if got := strings.ReplaceAll(restored, to["LONGSHORE_HOME"], from["LONGSHORE_HOME"]); got != exported {
		t.Errorf("the restored home lists\n%s\nwant what the other listed\n%s", got, exported)
	}
	for _, entry := range []string{"app", "tool"} {
		if _, err := os.Stat(filepath.Join(to["LONGSHORE_HOME"], "bin", entry)); err != nil {
			t.Errorf("bin/%s after the restore: %v", entry, err)
		}
	}
	// Again: the same set, nothing to change.
	if again := mustPull(t, to, exported, "-f", "-", "-o", "name"); mustPull(t, to, "", "list", "-o", "yaml").Stdout != restored {
		t.Errorf("restoring twice changed the records:\n%s", again)
	}
}

// TestRestoreOnAnotherPlatform: records made on one platform install another's build
// of each version, chosen from its index (the version's root, which the records keep),
// and a version with no build for this platform is refused, naming those it has.
func TestRestoreOnAnotherPlatform(t *testing.T) {
	t.Parallel()
	pub := publishAll(t, pkg{"cross", "1.0.0", "  platforms:\n    linux/amd64: amd64\n    linux/arm64: arm64\n", map[string]string{"amd64/which": "amd64", "arm64/which": "arm64"}})
	p := pub["cross"].Published
	from := newEnv(t)
	mustPull(t, from, "", p.Repository+"@"+p.Digest, "--platform", "linux/amd64")
	exported := mustPull(t, from, "", "list", "-o", "yaml").Stdout
	was := decodeInstalled(t, exported)[0]

	for _, platform := range []string{"linux/amd64", "linux/arm64"} {
		docs := decodeInstalled(t, mustPull(t, newEnv(t), exported, "-f", "-", "--platform", platform, "-o", "yaml").Stdout)
		got := docs[0]
		if len(docs) != 1 || got.Platform != platform || got.Index != was.Index || got.Source != was.Source || (got.Digest == was.Digest) != (platform == "linux/amd64") {
			t.Errorf("restored for %s: %+v\nfrom %+v", platform, got, was)
			continue
		}
		if data, err := os.ReadFile(filepath.Join(got.Path, "which")); err != nil || string(data) != strings.TrimPrefix(platform, "linux/") {
			t.Errorf("restored for %s: which says %q (%v)", platform, data, err)
		}
	}
	r := pkgPull(t, newEnv(t), exported, "-f", "-", "--platform", "windows/amd64")
	if r.Code != 3 || !strings.Contains(r.Stderr, "has no windows/amd64 build; it has: linux/amd64, linux/arm64") {
		t.Errorf("restored for a platform the version has no build for:\n%s", r)
	}
}

// TestRestoreRefusesPartOfAHome: records that cannot be restored whole — a package
// whose dependency is not among them, a record the store would not have written — are
// refused before anything is installed, naming the document and the way out.
func TestRestoreRefusesPartOfAHome(t *testing.T) {
	t.Parallel()
	from := newEnv(t)
	mustPull(t, from, toolboxLock(t), "-f", "-")
	exported := mustPull(t, from, "", "list", "-o", "yaml").Stdout
	docs := strings.SplitAfter(exported, "---\n")
	for _, tc := range []struct {
		name, in, want string
	}{
		{"without lib", strings.Join(docs[:len(docs)-1], ""), "app 2.0.0 depends on lib, which the records do not hold"},
		{"a bogus reason", strings.Replace(exported, "reason: dependency", "reason: wanted", 1), `lib: reason "wanted" is not explicit, dependency or patch`},
	} {
		to := newEnv(t)
		r := pkgPull(t, to, tc.in, "-f", "-")
		if r.Code != 2 || !strings.Contains(r.Stderr, "Error: <stdin>:") || !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("%s: want exit 2 and %q\n%s", tc.name, tc.want, r)
		}
		if list := mustPull(t, to, "", "list", "-o", "name").Stdout; list != "" {
			t.Errorf("%s: installed %s", tc.name, list)
		}
	}
}
