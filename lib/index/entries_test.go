package index

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/fault"
)

const helloEntry = `apiVersion: longshore.dev/v1alpha1
kind: IndexEntry
name: hello
repository: ghcr.io/org/hello
description: Say hello
license: MIT
keywords: [demo, cli]
versions:
  - version: 1.1.0
    digest: sha256:1111111111111111111111111111111111111111111111111111111111111111
    platforms:
      - {platform: linux/arm64, digest: "sha256:3333333333333333333333333333333333333333333333333333333333333333"}
      - {platform: linux/amd64, digest: "sha256:2222222222222222222222222222222222222222222222222222222222222222"}
    dependencies:
      - {name: libgreet, version: ^1.0}
  - version: 1.0.0
    digest: sha256:4444444444444444444444444444444444444444444444444444444444444444
    yanked: true
`

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func entryFor(name string) string {
	return strings.Replace(strings.Replace(helloEntry, "name: hello", "name: "+name, 1), "org/hello", "org/"+name, 1)
}

func TestLoadEntries(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"h/hello.yaml":      helloEntry,
		"w/world.yml":       entryFor("world"),
		"two.yaml":          entryFor("a") + "---\n" + entryFor("b"),
		"README.md":         "not an entry",
		".git/config.yaml":  "not read",
		"json/zeta.json":    `{"apiVersion":"longshore.dev/v1alpha1","kind":"IndexEntry","name":"zeta","repository":"ocidir:///srv/reg/zeta","versions":[{"version":"0.1.0","digest":"sha256:5555555555555555555555555555555555555555555555555555555555555555"}]}`,
		"h/.hidden.yaml":    "not read",
		"empty/nothing.txt": "",
	})
	entries, err := LoadEntries(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name)
	}
	if strings.Join(names, ",") != "a,b,hello,world,zeta" {
		t.Fatalf("names %v", names)
	}
	h := entries[2]
	if !strings.HasSuffix(h.Source, filepath.Join("h", "hello.yaml")+":1") {
		t.Errorf("source %q", h.Source)
	}
	if h.Versions[0].Version != "1.0.0" || !h.Versions[0].Yanked || h.Versions[1].Platforms[0].Platform != "linux/amd64" {
		t.Errorf("not normalized: %+v", h.Versions)
	}
	if strings.Join(h.Keywords, ",") != "cli,demo" {
		t.Errorf("keywords %v", h.Keywords)
	}
	// A single file works as well.
	one, err := LoadEntries(filepath.Join(dir, "two.yaml"))
	if err != nil || len(one) != 2 || !strings.HasSuffix(one[1].Source, "two.yaml:20") {
		t.Fatalf("file: %v %v", one, err)
	}
}

func TestLoadEntriesRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"duplicate names", map[string]string{"a.yaml": helloEntry, "sub/b.yaml": helloEntry},
			[]string{"package hello is defined twice", "a.yaml:1", filepath.Join("sub", "b.yaml") + ":1"}},
		{"one package at two repositories", map[string]string{"a.yaml": helloEntry, "b.yaml": strings.Replace(helloEntry, "ghcr.io/org/hello", "ghcr.io/other/hello", 1)},
			[]string{"package hello is defined twice, at two repositories: ", "a.yaml:1 at ghcr.io/org/hello and ", "b.yaml:1 at ghcr.io/other/hello"}},
		{"invalid version", map[string]string{"hello.yaml": strings.Replace(helloEntry, "1.1.0", "1.1", 1)},
			[]string{"hello.yaml:9: package hello: version \"1.1\" is not a semantic version"}},
		{"invalid repository", map[string]string{"hello.yaml": strings.Replace(helloEntry, "ghcr.io/org/hello", "ghcr.io/Org/Hello", 1)},
			[]string{"hello.yaml:4: package hello: repository \"ghcr.io/Org/Hello\" is not a valid reference"}},
		{"unknown field", map[string]string{"hello.yaml": helloEntry + "maintainer: me\n"},
			[]string{"hello.yaml", "maintainer"}},
		{"other kind", map[string]string{"hello.yaml": "apiVersion: longshore.dev/v1alpha1\nkind: Published\nname: x\n"},
			[]string{`kind "Published" is not read here`}},
		{"empty", map[string]string{"README.md": "x"}, []string{"holds no IndexEntry documents"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadEntries(writeTree(t, tc.files))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if fault.KindOf(err) != fault.Usage {
				t.Errorf("kind %v", fault.KindOf(err))
			}
		})
	}
	// Two entries of one package at two repositories are not merged into one entry:
	// one repository must hold every version.
	_, err := LoadEntries(writeTree(t, map[string]string{"a.yaml": helloEntry, "b.yaml": strings.Replace(helloEntry, "ghcr.io/org/hello", "ghcr.io/other/hello", 1)}))
	if hint := fault.HintOf(err); !strings.Contains(hint, "list the versions in one entry at the repository that holds them all") {
		t.Errorf("two repositories: hint %q", hint)
	}
	if _, err := LoadEntries(filepath.Join(t.TempDir(), "missing")); fault.KindOf(err) != fault.NotFound {
		t.Errorf("missing dir: %v", err)
	}
}

func TestEntryRoundTrip(t *testing.T) {
	t.Parallel()
	p := genPackages(1, 3)[0]
	p.Versions[1].Yanked = true
	back := FromEntry(ToEntry(p))
	a, _ := EncodeShard([]Package{p})
	b, _ := EncodeShard([]Package{back})
	if string(a) != string(b) {
		t.Errorf("round trip changed the package:\n%s\n%s", a, b)
	}
}

// TestLoadEntriesNamesTheField: a bad field of an entry file is refused (exit 2) with
// the file, the line of the field, the package and version, and the field.
func TestLoadEntriesNamesTheField(t *testing.T) {
	t.Parallel()
	const deps = "      - {name: libgreet, version: ^1.0}\n"
	tests := []struct {
		name, old, new string
		want           string
	}{
		{"dependency name", deps, "      - {name: Zed, version: ^1.0}\n",
			`hello.yaml:15: package hello@1.1.0: dependencies[0].name "Zed" is not NAME or TAP/NAME`},
		{"dependency ref that is a name", deps, deps + "      - {ref: x, version: \"1\"}\n",
			`hello.yaml:16: package hello@1.1.0: dependencies[1].ref "x" is not a repository reference`},
		{"dependency constraint", deps, "      - name: libgreet\n        version: what\n",
			`hello.yaml:16: package hello@1.1.0: dependencies[0].version: version constraint "what" does not parse`},
		{"dependency with neither name nor ref", deps, "      - {version: ^1.0}\n",
			`hello.yaml:15: package hello@1.1.0: dependencies[0] needs exactly one of name and ref`},
		{"platform", "platform: linux/amd64", "platform: linux/x86_64",
			`hello.yaml:13: package hello@1.1.0: platforms[1].platform "linux/x86_64" uses "x86_64" for the architecture`},
		{"license", "license: MIT", "license: Not A License",
			`hello.yaml:6: package hello: license "Not A License" is not an SPDX license expression`},
		{"homepage", "license: MIT\n", "license: MIT\nhomepage: not a url\n",
			`hello.yaml:7: package hello: homepage "not a url" is not an absolute http(s) URL`},
		{"second version", "  - version: 1.0.0\n    digest: sha256:4444", "  - version: 1.0.0\n    digest: sha256:444",
			`hello.yaml:17: package hello@1.0.0: digest: "sha256:444`},
		{"missing repository", "repository: ghcr.io/org/hello\n", "",
			`hello.yaml:1: package hello: repository is empty`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(helloEntry, tc.old) {
				t.Fatalf("the entry has no %q", tc.old)
			}
			_, err := LoadEntries(writeTree(t, map[string]string{"hello.yaml": strings.Replace(helloEntry, tc.old, tc.new, 1)}))
			if err == nil || !strings.Contains(err.Error(), tc.want) || fault.KindOf(err) != fault.Usage {
				t.Fatalf("err = %v (kind %v), want a usage fault with %q", err, fault.KindOf(err), tc.want)
			}
		})
	}
	// The entry of the review, JSON this time: the first bad field, on its line.
	review := `{"apiVersion": "longshore.dev/v1alpha1", "kind": "IndexEntry",
 "name": "bad", "repository": "ghcr.io/org/bad",
 "versions": [{"version": "1.0.0",
   "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111",
   "dependencies": [{"name": "Zed", "version": "what"}, {"ref": "x", "version": "1"}]}]}
`
	_, err := LoadEntries(writeTree(t, map[string]string{"bad.json": review}))
	if want := `bad.json:5: package bad@1.0.0: dependencies[0].name "Zed"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want %q", err, want)
	}
}
