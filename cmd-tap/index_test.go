package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/cli"
	"longshore.dev/lib/index"
)

// unreachable is a registry nothing listens on: a command that must refuse its input
// before any request fails with a network error instead if it does not.
const unreachable = "127.0.0.1:1"

// reviewEntry is the entry of the review that `index build` published: every field
// but the name and the repository is wrong.
const reviewEntry = `apiVersion: longshore.dev/v1alpha1
kind: IndexEntry
name: bad
repository: ghcr.io/org/bad
homepage: not a url
license: Not A License
versions:
  - version: 1.0.0
    digest: sha256:1111111111111111111111111111111111111111111111111111111111111111
    platforms:
      - {platform: linux/x86_64, digest: "sha256:2222222222222222222222222222222222222222222222222222222222222222"}
    dependencies:
      - {name: Zed, version: what}
      - {ref: x, version: "1"}
`

func writeEntry(t *testing.T, name, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestIndexRefusesBadEntries: `index build` and `index add` check every field of an
// entry before publishing, and name the file, the line, the package and the field.
func TestIndexRefusesBadEntries(t *testing.T) {
	t.Parallel()
	fix := func(entry string, fixes ...string) string {
		for i := 0; i+1 < len(fixes); i += 2 {
			if !strings.Contains(entry, fixes[i]) {
				t.Fatalf("the entry has no %q", fixes[i])
			}
			entry = strings.Replace(entry, fixes[i], fixes[i+1], 1)
		}
		return entry
	}
	// Fixed one field at a time, the entry is refused for the next.
	tests := []struct {
		entry string
		want  string
	}{
		{reviewEntry, `bad.yaml:5: package bad: homepage "not a url" is not an absolute http(s) URL`},
		{fix(reviewEntry, "not a url", "https://example.com/bad"),
			`bad.yaml:6: package bad: license "Not A License" is not an SPDX license expression`},
		{fix(reviewEntry, "not a url", "https://example.com/bad", "Not A License", "MIT"),
			`bad.yaml:11: package bad@1.0.0: platforms[0].platform "linux/x86_64" uses "x86_64" for the architecture: OCI platforms use Go's names, write linux/amd64`},
		{fix(reviewEntry, "not a url", "https://example.com/bad", "Not A License", "MIT", "x86_64", "amd64"),
			`bad.yaml:13: package bad@1.0.0: dependencies[0].name "Zed" is not NAME or TAP/NAME`},
		{fix(reviewEntry, "not a url", "https://example.com/bad", "Not A License", "MIT", "x86_64", "amd64", "Zed", "zed"),
			`bad.yaml:13: package bad@1.0.0: dependencies[0].version: version constraint "what" does not parse`},
		{fix(reviewEntry, "not a url", "https://example.com/bad", "Not A License", "MIT", "x86_64", "amd64", "Zed", "zed", "what", "^1"),
			`bad.yaml:14: package bad@1.0.0: dependencies[1].ref "x" is not a repository reference`},
	}
	for i, tc := range tests {
		dir := writeEntry(t, "bad.yaml", tc.entry)
		file := filepath.Join(dir, "bad.yaml")
		for _, args := range [][]string{
			{"index", "build", dir, "--to", unreachable + "/org/index"},
			{"index", "add", "-f", file, "--to", unreachable + "/org/index"},
			{"index", "build", dir, "--to", "ocidir://" + filepath.Join(t.TempDir(), "index")},
		} {
			r := pkgTap(t, newEnv(t), "", args...)
			if r.Code != cli.ExitUsage || !strings.Contains(r.Stderr, "Error: "+dir) || !strings.Contains(r.Stderr, tc.want) || r.Stdout != "" {
				t.Errorf("case %d: pkg-tap %s: want exit 2 and %q; got %s", i, strings.Join(args[:2], " "), tc.want, r)
			}
		}
	}
	// With the last field fixed, it is published.
	good := fix(reviewEntry, "not a url", "https://example.com/bad", "Not A License", "MIT", "x86_64", "amd64", "Zed", "zed", "what", "^1", "ref: x", "ref: ghcr.io/org/x")
	mustRun(t, newEnv(t), "index", "build", writeEntry(t, "bad.yaml", good), "--to", "ocidir://"+filepath.Join(t.TempDir(), "index"))
}

// TestIndexAddRefusesLayoutsInARegistryIndex: a Published document of a package pushed
// to a layout cannot go into an index in a registry, which other machines read; into
// an index in a layout it can.
func TestIndexAddRefusesLayoutsInARegistryIndex(t *testing.T) {
	t.Parallel()
	layout := "ocidir://" + filepath.Join(t.TempDir(), "registry", "hello")
	published := `apiVersion: longshore.dev/v1alpha1
kind: Published
name: hello
version: 1.0.0
repository: ` + layout + `
digest: sha256:1111111111111111111111111111111111111111111111111111111111111111
mediaType: application/vnd.oci.image.index.v1+json
`
	r := pkgTap(t, newEnv(t), published, "index", "add", "-f", "-", "--to", unreachable+"/org/index")
	if r.Code != cli.ExitUsage || !strings.Contains(r.Stderr, "package hello: repository is the local OCI layout "+layout+", and the index "+unreachable+"/org/index is in a registry") ||
		!strings.Contains(r.Stderr, "Hint: push the package to a registry") || !strings.Contains(r.Stderr, "publish this index to a layout too") {
		t.Errorf("index add of a layout package to a registry index: %s", r)
	}
	index := "ocidir://" + filepath.Join(t.TempDir(), "index")
	r = pkgTap(t, newEnv(t), published, "index", "add", "-f", "-", "--to", index)
	if r.Code != 0 || !strings.Contains(r.Stderr, "Added hello@1.0.0 to index") || !strings.Contains(r.Stderr, ": 1 package, 1 version") {
		t.Errorf("index add of a layout package to a layout index: %s", r)
	}
}

// TestIndexAddSaysWhatItChanged: versions the index had already are not "added":
// re-adding one to yank it replaces it, re-adding one as it is leaves it unchanged.
func TestIndexAddSaysWhatItChanged(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	index := "ocidir://" + filepath.Join(t.TempDir(), "index")
	entry := func(versions ...string) string {
		doc := "apiVersion: longshore.dev/v1alpha1\nkind: IndexEntry\nname: hello\nrepository: " + index + "-hello\nversions:\n"
		for _, v := range versions {
			ver, yanked := strings.CutSuffix(v, " yanked")
			doc += "  - version: " + ver + "\n    digest: sha256:" + strings.Repeat(ver[:1], 64) + "\n"
			if yanked {
				doc += "    yanked: true\n"
			}
		}
		return doc
	}
	tests := []struct{ name, entry, want string }{
		{"new", entry("1.0.0", "1.1.0"), "Added hello@1.0.0, hello@1.1.0 to index " + index + ":latest ("},
		{"yank one, add one", entry("1.0.0", "1.1.0 yanked", "2.0.0"),
			"Added hello@2.0.0; replaced hello@1.1.0; left hello@1.0.0 unchanged in index " + index + ":latest ("},
		{"the same again", entry("1.0.0", "1.1.0 yanked"), "Left hello@1.0.0, hello@1.1.0 unchanged in index " + index + ":latest ("},
		// Yanking is sticky: 1.1.0 without yanked: true is still the version the index has.
		{"unyank", entry("1.1.0"), "Left hello@1.1.0 unchanged in index "},
	}
	for _, tt := range tests {
		r := pkgTap(t, env, tt.entry, "index", "add", "-f", "-", "--to", index)
		if r.Code != 0 || !strings.Contains(r.Stderr, tt.want) {
			t.Errorf("%s: %s\nwant stderr with %q", tt.name, r, tt.want)
		}
	}
}

// TestCredentialsNeverEchoed: every argument that takes a reference or a registry
// refuses one with credentials in it, without printing them.
func TestCredentialsNeverEchoed(t *testing.T) {
	t.Parallel()
	const pw = "s3cret"
	entries := entries(t, map[string]string{"hello": ""})
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"add", "core", "user:" + pw + "@HOST:5000/x"}, `tap source "***@HOST:5000/x": invalid reference "***@HOST:5000/x": credentials do not go in a reference`},
		{[]string{"add", "core", "oci://user:" + pw + "@HOST/x"}, "log in with `pkg-tap login HOST -u USER --password-stdin`"},
		{[]string{"index", "build", entries, "--to", "user:" + pw + "@HOST:5000/x"}, `--to: invalid reference "***@HOST:5000/x"`},
		{[]string{"index", "add", "-f", filepath.Join(entries, "hello.yaml"), "--to", "oci://user:" + pw + "@HOST/x"}, `--to: invalid reference "oci://***@HOST/x"`},
		{[]string{"login", "user:" + pw + "@ghcr.io", "-u", "alice", "--password-stdin"}, `registry "***@ghcr.io" has credentials in it: give the host alone (ghcr.io)`},
		{[]string{"logout", "https://user:" + pw + "@ghcr.io"}, `registry "https://***@ghcr.io" has credentials in it`},
		{[]string{"show", "user:" + pw + "@ghcr.io/org/hello"}, `"***@ghcr.io/org/hello" is not a package name`},
	}
	for _, tt := range tests {
		r := pkgTap(t, newEnv(t), "x\n", tt.args...)
		if r.Code != cli.ExitUsage || !strings.Contains(r.Stderr, tt.want) {
			t.Errorf("pkg-tap %s: want exit 2 and %q; got %s", tt.args[0], tt.want, strings.ReplaceAll(r.String(), pw, "<the password>"))
		}
		if strings.Contains(r.Stdout+r.Stderr, pw) {
			t.Errorf("pkg-tap %s printed the password", tt.args[0])
		}
	}
}

// TestIndexAddKeepsVersionsAtTheirRepository: the review's repro. hello 0.1.0 and
// 0.2.0 are in one repository; 0.9.0, published to another, must not silently send
// the older versions there (an index has one repository per package): the add is
// refused, naming them, and with --move-repository it says that they moved.
func TestIndexAddKeepsVersionsAtTheirRepository(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	dir := t.TempDir()
	index := "ocidir://" + filepath.Join(dir, "index")
	demo, other := "ocidir://"+filepath.Join(dir, "demo", "hello"), "ocidir://"+filepath.Join(dir, "other", "hello")
	published := func(repo string, versions ...string) string {
		var docs string
		for _, v := range versions {
			docs += "---\napiVersion: longshore.dev/v1alpha1\nkind: Published\nname: hello\nversion: " + v + "\nrepository: " + repo +
				"\ndigest: sha256:" + strings.Repeat(v[2:3], 64) + "\nmediaType: application/vnd.oci.image.manifest.v1+json\n"
		}
		return docs
	}
	if r := pkgTap(t, env, published(demo, "0.1.0", "0.2.0"), "index", "add", "-f", "-", "--to", index); r.Code != 0 {
		t.Fatal(r)
	}
	show := func() string {
		t.Helper()
		home := newEnv(t)
		mustRun(t, home, "add", "demo", index)
		return mustRun(t, home, "show", "hello", "-o", "yaml").Stdout
	}

	r := pkgTap(t, env, published(other, "0.9.0"), "index", "add", "-f", "-", "--to", index)
	if r.Code != cli.ExitConflict || r.Stdout != "" ||
		!strings.Contains(r.Stderr, "Error: package hello: the index "+index+":latest lists it at "+demo+" with versions 0.1.0, 0.2.0, and this adds 0.9.0 at "+other+": an index has one repository per package, so 0.1.0, 0.2.0 would be installed from "+other+" too") ||
		!strings.Contains(r.Stderr, "Hint: publish hello to "+demo+" instead (pkg-push DIR --to "+demo+" -o yaml | pkg-tap index add -f - --to "+index+"); or, if "+other+" holds 0.1.0, 0.2.0 too (copied with crane copy or pkg-pull mirror), add again with --move-repository") {
		t.Errorf("adding 0.9.0 at another repository: %s", r)
	}
	if got := show(); !strings.Contains(got, "repository: "+demo+"\n") || strings.Contains(got, "0.9.0") {
		t.Errorf("the refused add changed the index:\n%s", got)
	}

	r = pkgTap(t, env, published(other, "0.9.0"), "index", "add", "-f", "-", "--to", index, "--move-repository")
	if r.Code != 0 || !strings.Contains(r.Stderr, "Added hello@0.9.0 to index "+index+":latest (") ||
		!strings.Contains(r.Stderr, "Moved hello from "+demo+" to "+other+", with hello@0.1.0, hello@0.2.0 (now installed from there too)\n") {
		t.Errorf("--move-repository: %s", r)
	}
	if got := show(); !strings.Contains(got, "repository: "+other+"\n") {
		t.Errorf("after --move-repository:\n%s", got)
	}

	// Back at the old repository, the same bytes: never "unchanged".
	if r := pkgTap(t, env, published(demo, "0.1.0"), "index", "add", "-f", "-", "--to", index); r.Code != cli.ExitConflict {
		t.Errorf("moving back without --move-repository: %s", r)
	}
	r = pkgTap(t, env, published(demo, "0.1.0"), "index", "add", "-f", "-", "--to", index, "--move-repository")
	if r.Code != 0 || strings.Contains(r.Stderr, "unchanged") || !strings.Contains(r.Stderr, "Replaced hello@0.1.0 in index ") ||
		!strings.Contains(r.Stderr, "Moved hello from "+other+" to "+demo+", with hello@0.2.0, hello@0.9.0 (now installed from there too)\n") {
		t.Errorf("moving back: %s", r)
	}
}

// TestUpdateSummary: what index add says about a package's own fields.
func TestUpdateSummary(t *testing.T) {
	t.Parallel()
	many := []string{"a@1.0.0", "a@1.1.0", "a@1.2.0", "a@1.3.0", "a@1.4.0", "a@1.5.0", "a@1.6.0"}
	tests := []struct {
		u    index.PackageUpdate
		want string
	}{
		{index.PackageUpdate{Name: "a", Fields: []string{"description", "keywords"}}, "Updated a's description, keywords"},
		{index.PackageUpdate{Name: "a", Fields: []string{"repository"}, From: "r/x", To: "r/y"}, "Moved a from r/x to r/y"},
		{index.PackageUpdate{Name: "a", Fields: []string{"repository", "license"}, From: "r/x", To: "r/y", Moved: many},
			"Moved a from r/x to r/y, with a@1.0.0, a@1.1.0, a@1.2.0, a@1.3.0, a@1.4.0 and 2 more (now installed from there too); updated its license"},
	}
	for _, tt := range tests {
		if got := updateSummary(tt.u); got != tt.want {
			t.Errorf("updateSummary(%+v) = %q, want %q", tt.u, got, tt.want)
		}
	}
}

// TestIndexWarnsAboutUnlistedDependencies: an index with app, which depends on
// libgreet, built or added without libgreet, publishes (another tap may have it), and
// says that consumers without such a tap cannot install app. Dependencies on another
// tap's package or on a repository are not the index's to list.
func TestIndexWarnsAboutUnlistedDependencies(t *testing.T) {
	t.Parallel()
	entry := func(name, deps string) string {
		return "apiVersion: longshore.dev/v1alpha1\nkind: IndexEntry\nname: " + name + "\nrepository: ghcr.io/org/" + name +
			"\nversions:\n  - version: 1.0.0\n    digest: " + fakeDigest(name) + "\n" + deps
	}
	app := entry("app", "    dependencies:\n      - {name: libgreet, version: ^1}\n      - {name: core/fonts}\n      - {ref: ghcr.io/org/zlib}\n")
	libgreet := entry("libgreet", "")
	const warning = "Warning: app@1.0.0 depends on libgreet, which the index does not list: installing it needs another tap that has libgreet; if libgreet belongs in this index, "

	dir := writeEntry(t, "app.yaml", app)
	r := mustRun(t, newEnv(t), "index", "build", dir, "--to", "ocidir://"+filepath.Join(t.TempDir(), "index"))
	if !strings.Contains(r.Stderr, warning+"add an entry for it\n") || strings.Count(r.Stderr, "Warning:") != 1 {
		t.Errorf("index build without libgreet: %s", r)
	}
	if err := os.WriteFile(filepath.Join(dir, "libgreet.yaml"), []byte(libgreet), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := mustRun(t, newEnv(t), "index", "build", dir, "--to", "ocidir://"+filepath.Join(t.TempDir(), "index")); strings.Contains(r.Stderr, "Warning:") {
		t.Errorf("index build with libgreet: %s", r)
	}

	index := "ocidir://" + filepath.Join(t.TempDir(), "index")
	r = pkgTap(t, newEnv(t), app, "index", "add", "-f", "-", "--to", index)
	if r.Code != 0 || !strings.Contains(r.Stderr, warning+"publish it and add it (pkg-push DIR --to REPO -o yaml | pkg-tap index add -f - --to "+index+")\n") {
		t.Errorf("index add without libgreet: %s", r)
	}
	mustRun(t, newEnv(t), "index", "add", "-f", writeEntry(t, "libgreet.yaml", libgreet), "--to", index)
	if r := pkgTap(t, newEnv(t), app, "index", "add", "-f", "-", "--to", index); r.Code != 0 || strings.Contains(r.Stderr, "Warning:") {
		t.Errorf("index add with libgreet in the index: %s", r)
	}

	if help := mustRun(t, newEnv(t), "index", "build", "--help").Stdout; strings.Contains(help, "dependencies that resolve") ||
		!strings.Contains(help, "A dependency by name that no entry defines is a warning, not an error") {
		t.Errorf("index build --help claims what it does not check:\n%s", help)
	}
}
