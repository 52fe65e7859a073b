package lint

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/archive"
	"longshore.dev/lib/fault"
)

// validYAML is a package.yaml that passes every rule; its line numbers are used below.
const validYAML = `apiVersion: longshore.dev/v1alpha1
kind: Package
metadata:
  name: hello
  version: 1.2.3
  description: Say hello
  license: MIT
  homepage: https://example.com/hello
  source: https://github.com/org/hello
  keywords: [demo, cli]
spec:
  bin: [bin/hello]
  env:
    - {name: PATH, op: prepend, value: "${installPath}/bin"}
  dependencies:
    - {name: libgreet, version: "^1.0"}
    - {ref: ghcr.io/org/fonts, version: ">=2 <3"}
`

// edit returns validYAML with line n (1-based) replaced by lines (none deletes it).
func edit(n int, lines ...string) string {
	all := strings.Split(validYAML, "\n")
	out := append(slices.Clone(all[:n-1]), lines...)
	return strings.Join(append(out, all[n:]...), "\n")
}

// multiPlatform is validYAML with two platforms (lines 12-14), shifting spec by 3.
var multiPlatform = edit(12, "  platforms:", "    linux/amd64: ./dist/linux-amd64", "    linux/arm64: ./dist/linux-arm64", "  bin: [bin/hello]")

// fixture describes one file of a package directory.
type fixture struct {
	content string
	mode    fs.FileMode // 0 means 0644; fs.ModeDir, fs.ModeNamedPipe, fs.ModeSymlink and setuid allowed
	link    string      // symlink target
	gone    bool        // remove a default file
}

// write builds a package directory from fixtures; package.yaml defaults to validYAML
// (nil removes it) and bin/hello to an executable script.
func write(t *testing.T, yaml *string, files map[string]fixture) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string]fixture{"bin/hello": {content: "#!/bin/sh\necho hello\n", mode: 0o755}}
	if yaml != nil {
		all["package.yaml"] = fixture{content: *yaml}
	}
	for name, f := range files {
		all[name] = f
	}
	for name, f := range all {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case f.gone:
			continue
		case f.mode&fs.ModeDir != 0:
			err = os.MkdirAll(p, 0o755)
		case f.mode&fs.ModeSymlink != 0:
			err = os.Symlink(f.link, p)
		case f.mode&fs.ModeNamedPipe != 0:
			err = syscall.Mkfifo(p, 0o644)
		default:
			perm := f.mode
			if perm == 0 {
				perm = 0o644
			}
			if err = os.WriteFile(p, []byte(f.content), perm.Perm()); err == nil {
				err = os.Chmod(p, perm) // WriteFile drops setuid and is subject to umask
			}
		}
		if err != nil {
			t.Fatalf("fixture %s: %v", name, err)
		}
	}
	return dir
}

func ptr(s string) *string { return &s }

var removed = fixture{gone: true}

type want struct {
	rule     string
	file     string
	line     int
	contains string
}

var lintCases = []struct {
	name  string
	yaml  *string // nil: validYAML
	noPkg bool    // no package.yaml at all
	files map[string]fixture
	opts  Options
	want  []want // exactly these findings (rule, file, line), each message containing contains
}{
	{name: "valid package", want: nil},
	{name: "valid multi-platform package", yaml: &multiPlatform, files: map[string]fixture{
		"bin/hello":                  removed,
		"dist/linux-amd64/bin/hello": {content: "x", mode: 0o755}, "dist/linux-arm64/bin/hello": {content: "x", mode: 0o755},
	}},

	// manifest
	{name: "manifest: no package.yaml", noPkg: true, want: []want{{"manifest", "package.yaml", 0, "create one with pkg-push init"}}},
	{name: "manifest: empty", yaml: ptr("# nothing\n"), want: []want{{"manifest", "package.yaml", 0, "is empty"}}},
	{name: "manifest: wrong kind", yaml: ptr(edit(2, "kind: Pakage")), want: []want{{"manifest", "package.yaml", 2, "write kind: Package"}}},
	{name: "manifest: wrong apiVersion", yaml: ptr(edit(1, "apiVersion: v1")), want: []want{{"manifest", "package.yaml", 1, "longshore.dev/v1alpha1"}}},
	{name: "manifest: two documents", yaml: ptr(validYAML + "---\nkind: Package\n"), want: []want{{"manifest", "package.yaml", 19, "2 documents"}}},
	{name: "manifest: not a mapping", yaml: ptr("- a\n- b\n"), want: []want{{"manifest", "package.yaml", 1, "not a mapping"}}},

	// yaml
	{name: "yaml: syntax error", yaml: ptr(edit(4, "  name: [hello")), want: []want{{"yaml", "package.yaml", 4, "not valid YAML"}}},
	{name: "yaml: tab indentation", yaml: ptr(edit(5, "\tversion: 1.2.3")), want: []want{{"yaml", "package.yaml", 4, "not valid YAML"}}},

	// schema
	{name: "schema: unknown field", yaml: ptr(edit(6, "  descripton: Say hello")), want: []want{
		{"recommended-field", "package.yaml", 3, "description"},
		{"schema", "package.yaml", 6, `did you mean "description"`},
	}},
	{name: "schema: string for a list", yaml: ptr(edit(12, "  bin: bin/hello")), want: []want{{"schema", "package.yaml", 12, "spec.bin must be a list"}}},
	{name: "schema: mapping for a string", yaml: ptr(edit(6, "  description: {a: b}")), want: []want{{"schema", "package.yaml", 6, "metadata.description must be a string"}}},
	{name: "schema: duplicate key", yaml: ptr(edit(5, "  version: 1.2.3", "  version: 1.2.4")), want: []want{{"schema", "package.yaml", 6, "given twice"}}},
	{name: "schema: unknown top-level field", yaml: ptr(validYAML + "status: {}\n"), want: []want{{"schema", "package.yaml", 18, `unknown field "status"`}}},

	// required-field, recommended-field
	{name: "required-field: no version", yaml: ptr(edit(5)), want: []want{{"required-field", "package.yaml", 3, "metadata.version is missing"}}},
	{name: "required-field: empty name", yaml: ptr(edit(4, `  name: ""`)), want: []want{{"required-field", "package.yaml", 4, "metadata.name is missing"}}},
	{name: "required-field: no metadata", yaml: ptr("apiVersion: longshore.dev/v1alpha1\nkind: Package\nspec: {}\n"), want: []want{{"required-field", "package.yaml", 1, "metadata is missing"}}},
	{name: "recommended-field: no license, homepage, source", yaml: ptr(strings.Join(slices.Delete(strings.Split(validYAML, "\n"), 6, 9), "\n")), want: []want{
		{"recommended-field", "package.yaml", 3, "metadata.homepage"},
		{"recommended-field", "package.yaml", 3, "metadata.license"},
		{"recommended-field", "package.yaml", 3, "metadata.source"},
	}},

	// placeholder
	{name: "placeholder: as pkg-push init wrote them", yaml: ptr(strings.NewReplacer("Say hello", "hello, a package published with longshore", "example.com/hello", "github.com/OWNER/hello", "org/hello", "OWNER/hello").Replace(validYAML)), want: []want{
		{"placeholder", "package.yaml", 6, "metadata.description is still the one pkg-push init wrote"},
		{"placeholder", "package.yaml", 8, `metadata.homepage "https://github.com/OWNER/hello" still holds the placeholder OWNER`},
		{"placeholder", "package.yaml", 9, "metadata.source"},
	}},
	{name: "placeholder: an owner that only contains OWNER", yaml: ptr(edit(9, "  source: https://github.com/OWNERS/hello")), want: nil},

	// name, version
	{name: "name: upper case and spaces", yaml: ptr(edit(4, "  name: Hello World")), want: []want{{"name", "package.yaml", 4, "name: hello-world"}}},
	{name: "name: too long", yaml: ptr(edit(4, "  name: "+strings.Repeat("a", 129))), want: []want{{"name", "package.yaml", 4, "at most 128"}}},
	{name: "version: leading v", yaml: ptr(edit(5, "  version: v1.2.3")), want: []want{{"version", "package.yaml", 5, "drop the leading v: version: 1.2.3"}}},
	{name: "version: two numbers", yaml: ptr(edit(5, "  version: 1.2")), want: []want{{"version", "package.yaml", 5, "version: 1.2.0"}}},

	// license
	{name: "license: unknown id", yaml: ptr(edit(7, "  license: Apache 2")), want: []want{{"license", "package.yaml", 7, `"Apache-2.0"`}}},
	{name: "license: bad expression", yaml: ptr(edit(7, "  license: MIT AND")), want: []want{{"license", "package.yaml", 7, "not a valid SPDX expression"}}},
	{name: "license: lowercase operator", yaml: ptr(edit(7, "  license: MIT or Apache-2.0")), want: []want{{"license", "package.yaml", 7, "must be written OR"}}},

	// url
	{name: "url: not http", yaml: ptr(edit(8, "  homepage: ftp://example.com/hello")), want: []want{{"url", "package.yaml", 8, "ftp: scheme"}}},
	{name: "url: relative", yaml: ptr(edit(9, "  source: github.com/org/hello")), want: []want{{"url", "package.yaml", 9, "start it with https://"}}},
	{name: "url: credentials", yaml: ptr(edit(9, "  source: https://me:secret@github.com/org/hello")), want: []want{
		{"url", "package.yaml", 9, `metadata.source "https://***@github.com/org/hello" holds credentials (user:password@ or TOKEN@): credentials do not belong in package metadata`},
	}},
	{name: "url: a token as the user", yaml: ptr(edit(8, "  homepage: https://ghp_secret@example.com/hello")), want: []want{{"url", "package.yaml", 8, `"https://***@example.com/hello" holds credentials`}}},
	{name: "url: credentials and a wrong scheme", yaml: ptr(edit(8, "  homepage: ftp://me:secret@example.com/hello")), want: []want{
		{"url", "package.yaml", 8, `"ftp://***@example.com/hello" holds credentials`},
		{"url", "package.yaml", 8, `"ftp://***@example.com/hello" uses the ftp: scheme`},
	}},

	// keyword
	{name: "keyword: duplicate and empty", yaml: ptr(edit(10, `  keywords: [demo, Demo, "", "two words"]`)), want: []want{
		{"keyword", "package.yaml", 10, `"Demo" twice`},
		{"keyword", "package.yaml", 10, "is empty"},
		{"keyword", "package.yaml", 10, "contains spaces"},
	}},

	// dependency
	{name: "dependency: name and ref", yaml: ptr(edit(16, `    - {name: libgreet, ref: ghcr.io/org/libgreet, version: "^1.0"}`)), want: []want{{"dependency", "package.yaml", 16, "not both"}}},
	{name: "dependency: neither", yaml: ptr(edit(16, `    - {version: "^1.0"}`)), want: []want{{"dependency", "package.yaml", 16, "neither name nor ref"}}},
	{name: "dependency: bad constraint", yaml: ptr(edit(16, `    - {name: libgreet, version: "^^1"}`)), want: []want{{"dependency", "package.yaml", 16, "not a version constraint"}}},
	{name: "dependency: self", yaml: ptr(edit(16, `    - {name: core/hello, version: "^1.0"}`)), want: []want{{"dependency", "package.yaml", 16, "the package itself"}}},
	{name: "dependency: duplicate", yaml: ptr(edit(17, `    - {name: libgreet, version: "^2.0"}`)), want: []want{{"dependency", "package.yaml", 17, "repeats the dependency on line 16"}}},
	{name: "dependency: ref with a tag", yaml: ptr(edit(17, `    - {ref: "ghcr.io/org/fonts:2.0.0"}`)), want: []want{{"dependency", "package.yaml", 17, "give the repository only"}}},
	{name: "dependency: invalid ref", yaml: ptr(edit(17, `    - {ref: "ghcr.io/Org/fonts"}`)), want: []want{{"dependency", "package.yaml", 17, "not a repository"}}},
	{name: "dependency: name with constraint", yaml: ptr(edit(16, `    - {name: "libgreet@^1"}`)), want: []want{{"dependency", "package.yaml", 16, "put the constraint in version"}}},
	{name: "dependency: registry host as name", yaml: ptr(edit(16, `    - {name: ghcr.io/libgreet}`)), want: []want{{"dependency", "package.yaml", 16, "write ref:"}}},

	// platform
	{name: "platform: alias architecture", yaml: ptr(edit(12, "  platforms: {linux/x86_64: .}", "  bin: [bin/hello]")), want: []want{{"platform", "package.yaml", 12, "write linux/amd64"}}},
	{name: "platform: not os/arch", yaml: ptr(edit(12, "  platforms: {linux: .}", "  bin: [bin/hello]")), want: []want{{"platform", "package.yaml", 12, "os/arch[/variant]"}}},
	{name: "platform: missing directory", yaml: &multiPlatform, files: map[string]fixture{
		"bin/hello": removed, "dist/linux-amd64/bin/hello": {content: "x", mode: 0o755},
	}, want: []want{{"platform", "package.yaml", 14, "does not exist"}}},
	{name: "platform: any mixed with specific", yaml: ptr(edit(12, "  platforms:", "    any: .", "    linux/amd64: .", "  bin: [bin/hello]")), want: []want{{"platform", "package.yaml", 13, "mixes any"}}},
	{name: "platform: directory is a file", yaml: ptr(edit(12, "  platforms: {linux/amd64: ./bin/hello}", "  bin: [bin/hello]")), want: []want{{"platform", "package.yaml", 12, "not a directory"}}},
	{name: "platform: directory excluded by .pkgignore", yaml: &multiPlatform, files: map[string]fixture{
		"bin/hello": removed, ".pkgignore": {content: "dist/linux-arm64/\n"},
		"dist/linux-amd64/bin/hello": {content: "x", mode: 0o755}, "dist/linux-arm64/bin/hello": {content: "x", mode: 0o755},
	}, want: []want{{"platform", "package.yaml", 14, "excluded by .pkgignore"}}},
	{name: "platform: directory is a symlink", yaml: ptr(edit(12, "  platforms: {linux/amd64: ./out}", "  bin: [bin/hello]")), files: map[string]fixture{
		"real/bin/hello": {content: "x", mode: 0o755}, "out": {mode: fs.ModeSymlink, link: "real"},
	}, want: []want{{"platform", "package.yaml", 12, "is a symlink"}}},

	// bin
	{name: "bin: missing", files: map[string]fixture{"bin/hello": removed, "bin/other": {content: "x", mode: 0o755}}, want: []want{{"bin", "package.yaml", 12, "missing from the package content"}}},
	{name: "bin: not executable", files: map[string]fixture{"bin/hello": {content: "x", mode: 0o644}}, want: []want{{"bin", "package.yaml", 12, "chmod +x bin/hello"}}},
	{name: "bin: missing in one platform", yaml: &multiPlatform, files: map[string]fixture{
		"bin/hello": removed, "dist/linux-amd64/bin/hello": {content: "x", mode: 0o755}, "dist/linux-arm64/README": {content: "x"},
	}, want: []want{{"bin", "package.yaml", 15, "linux/arm64"}}},
	{name: "bin: a directory", yaml: ptr(edit(12, "  bin: [bin]")), want: []want{{"bin", "package.yaml", 12, "is a directory"}}},
	{name: "bin: excluded by .pkgignore", files: map[string]fixture{".pkgignore": {content: "bin/\n"}}, want: []want{{"bin", "package.yaml", 12, "excluded"}}},
	{name: "bin: listed twice", yaml: ptr(edit(12, "  bin: [bin/hello, ./bin/hello]")), want: []want{{"bin", "package.yaml", 12, "listed twice"}}},
	{name: "bin: a name pkg-pull keeps", yaml: ptr(edit(12, "  bin: [bin/hello, bin/.longshore-link-x]")), files: map[string]fixture{"bin/.longshore-link-x": {content: "x", mode: 0o755}}, want: []want{
		{"bin", "package.yaml", 12, "spec.bin[1] bin/.longshore-link-x would be linked as .longshore-link-x in $LONGSHORE_HOME/bin, and names beginning .longshore- there are pkg-pull's own"},
	}},
	{name: "bin: a name ending in .tmp-link is fine", yaml: ptr(edit(12, "  bin: [bin/tool.tmp-link]")), files: map[string]fixture{"bin/hello": removed, "bin/tool.tmp-link": {content: "x", mode: 0o755}}},
	// A link out of the package: chmod +x would change the file it points at.
	{name: "bin: symlink out of the package", yaml: ptr(edit(12, "  bin: [bin/hello, bin/link-out]")), files: map[string]fixture{"bin/link-out": {mode: fs.ModeSymlink, link: "/etc/passwd"}}, want: []want{
		{"bin", "package.yaml", 12, "spec.bin[1] bin/link-out is a symlink out of the package content, to /etc/passwd"},
		{"content-symlink", "bin/link-out", 0, "absolute path /etc/passwd"},
	}},
	{name: "bin: symlink out of the package to an executable", yaml: ptr(edit(12, "  bin: [bin/hello, bin/sh]")), files: map[string]fixture{"bin/sh": {mode: fs.ModeSymlink, link: "/bin/sh"}}, want: []want{
		{"bin", "package.yaml", 12, "spec.bin[1] bin/sh is a symlink out of the package content, to /bin/sh"},
		{"content-symlink", "bin/sh", 0, "absolute path /bin/sh"},
	}},
	{name: "bin: through a symlinked directory out of the package", yaml: ptr(edit(12, "  bin: [bin/hello, etc/passwd]")), files: map[string]fixture{"etc": {mode: fs.ModeSymlink, link: "/etc"}}, want: []want{
		{"bin", "package.yaml", 12, "spec.bin[1] etc/passwd leads out of the package content through a symlinked directory"},
		{"content-symlink", "etc", 0, "absolute path /etc"},
	}},
	{name: "bin: symlink to a non-executable inside the package", yaml: ptr(edit(12, "  bin: [bin/hi]")), files: map[string]fixture{
		"bin/hello": {content: "x", mode: 0o644}, "bin/hi": {mode: fs.ModeSymlink, link: "hello"},
	}, want: []want{{"bin", "package.yaml", 12, "chmod +x bin/hi"}}},
	{name: "bin: same link name", yaml: ptr(edit(12, "  bin: [bin/hello, tools/hello]")), files: map[string]fixture{"tools/hello": {content: "x", mode: 0o755}}, want: []want{{"bin", "package.yaml", 12, "both be linked as hello"}}},

	// env
	{name: "env: bad name", yaml: ptr(edit(14, `    - {name: 1PATH, op: prepend, value: "${installPath}/bin"}`)), want: []want{{"env", "package.yaml", 14, "not an environment variable name"}}},
	{name: "env: unknown op", yaml: ptr(edit(14, `    - {name: PATH, op: Prepend, value: "${installPath}/bin"}`)), want: []want{{"env", "package.yaml", 14, "ops are lowercase: prepend"}}},
	{name: "env: unknown variable", yaml: ptr(edit(14, `    - {name: PATH, op: prepend, value: "${prefix}/bin"}`)), want: []want{{"env", "package.yaml", 14, "unknown variable ${prefix}"}}},
	{name: "env: unknown dependency", yaml: ptr(edit(14, `    - {name: FONTS, op: set, value: "${deps.typefaces.installPath}"}`)), want: []want{{"env", "package.yaml", 14, `"typefaces" is not a dependency`}}},
	{name: "env: known dependency", yaml: ptr(edit(14, `    - {name: FONTS, op: set, value: "${deps.fonts.installPath}/share:${deps.libgreet.installPath}"}`))},
	// Package names may hold dots: such a dependency is named whole in ${deps.NAME.installPath}.
	{name: "env: dependency with a dot in its name", yaml: ptr(strings.NewReplacer("{name: libgreet,", "{name: lib.greet,", "${installPath}", "${deps.lib.greet.installPath}").Replace(validYAML))},
	{name: "env: NUL in a value", yaml: ptr(edit(14, `    - {name: A, op: set, value: "a\0b"}`)), want: []want{{"env", "package.yaml", 14, "NUL byte"}}},
	{name: "env: unterminated variable", yaml: ptr(edit(14, `    - {name: PATH, op: prepend, value: "${installPath/bin"}`)), want: []want{{"env", "package.yaml", 14, "without its closing }"}}},
	{name: "env: empty prepend", yaml: ptr(edit(14, `    - {name: PATH, op: prepend, value: ""}`)), want: []want{{"env", "package.yaml", 14, "empty entry"}}},
	{name: "env: set twice", yaml: ptr(edit(14, `    - {name: A, op: set, value: x}`, `    - {name: A, op: set, value: y}`)), want: []want{{"env", "package.yaml", 15, "sets A again"}}},

	// ignore
	{name: "ignore: invalid pattern", files: map[string]fixture{".pkgignore": {content: "# build output\n*.o\n[abc\n"}}, want: []want{{"ignore", ".pkgignore", 3, "unterminated ["}}},

	// content-path
	{name: "content-path: platform outside the package", yaml: ptr(edit(12, "  platforms: {linux/amd64: ../elsewhere}", "  bin: [bin/hello]")), want: []want{{"content-path", "package.yaml", 12, "leaves the package directory"}}},
	{name: "content-path: absolute platform directory", yaml: ptr(edit(12, "  platforms: {linux/amd64: /opt/hello}", "  bin: [bin/hello]")), want: []want{{"content-path", "package.yaml", 12, "absolute path"}}},
	{name: "content-path: bin outside", yaml: ptr(edit(12, "  bin: [../hello]")), want: []want{{"content-path", "package.yaml", 12, "leaves the content directory"}}},
	{name: "content-path: control character in a name", files: map[string]fixture{"doc/a\nb.txt": {content: "x"}}, want: []want{{"content-path", "doc/a\nb.txt", 0, "control character"}}},

	// content-symlink
	{name: "content-symlink: absolute", files: map[string]fixture{"etc/passwd": {mode: fs.ModeSymlink, link: "/etc/passwd"}}, want: []want{{"content-symlink", "etc/passwd", 0, "absolute path /etc/passwd"}}},
	{name: "content-symlink: escaping", files: map[string]fixture{"lib/up": {mode: fs.ModeSymlink, link: "../../secret"}}, want: []want{{"content-symlink", "lib/up", 0, "outside the content directory"}}},
	{name: "content-symlink: inside is fine", files: map[string]fixture{"bin/hi": {mode: fs.ModeSymlink, link: "hello"}}},
	// Each stays inside on its own: d/l is the package directory, and x its parent.
	{name: "content-symlink: out through another", files: map[string]fixture{"d/l": {mode: fs.ModeSymlink, link: ".."}, "x": {mode: fs.ModeSymlink, link: "d/l/d/l/../.."}}, want: []want{
		{"content-symlink", "x", 0, "is a symlink to d/l/d/l/../.. that leads outside the package through other symlinks"},
	}},
	{name: "content-symlink: loop", files: map[string]fixture{"lib/a": {mode: fs.ModeSymlink, link: "b/x"}, "lib/b": {mode: fs.ModeSymlink, link: "a"}}, want: []want{
		{"content-symlink", "lib/a", 0, "goes through more than 40 symlinks (a loop)"},
	}},
	{name: "content-symlink: ignored loop is fine", files: map[string]fixture{"lib/a": {mode: fs.ModeSymlink, link: "b/x"}, "lib/b": {mode: fs.ModeSymlink, link: "a"}, ".pkgignore": {content: "/lib/a\n"}}},
	{name: "content-symlink: chains and directory links are fine", files: map[string]fixture{
		"lib/libfoo.so.1.2.3": {content: "x"}, "lib/libfoo.so.1": {mode: fs.ModeSymlink, link: "libfoo.so.1.2.3"}, "lib/libfoo.so": {mode: fs.ModeSymlink, link: "libfoo.so.1"},
		"lib/v2/data": {mode: fs.ModeSymlink, link: "../share/data"}, "lib/share/data": {content: "x"}, "lib/current": {mode: fs.ModeSymlink, link: "v2"},
	}},

	// content-broken-symlink
	{name: "content-broken-symlink: missing target", files: map[string]fixture{"lib/libfoo.so": {mode: fs.ModeSymlink, link: "libfoo.so.1"}}, want: []want{
		{"content-broken-symlink", "lib/libfoo.so", 0, "points to libfoo.so.1, which does not exist"},
	}},
	{name: "content-broken-symlink: target left out", files: map[string]fixture{
		"lib/libfoo.so": {mode: fs.ModeSymlink, link: "libfoo.so.1"}, "lib/libfoo.so.1": {content: "x"}, "docs": {mode: fs.ModeSymlink, link: "build/docs"}, "build/docs/index.html": {content: "x"},
		".pkgignore": {content: "*.1\n/build/\n"},
	}, want: []want{
		{"content-broken-symlink", "docs", 0, "points to build/docs, which publishing leaves out (.pkgignore): the installed link would be broken; publish build, or"},
		{"content-broken-symlink", "lib/libfoo.so", 0, "points to libfoo.so.1, which publishing leaves out (.pkgignore): the installed link would be broken; publish lib/libfoo.so.1, or"},
	}},
	{name: "content-broken-symlink: through a directory link is fine", files: map[string]fixture{
		"lib/current": {mode: fs.ModeSymlink, link: "v2"}, "lib/v2/data": {content: "x"}, "data": {mode: fs.ModeSymlink, link: "lib/current/data"},
	}},

	// content-case: the package installs everywhere (any), macOS and Windows included.
	{name: "content-case: names differing only in case", files: map[string]fixture{"README": {content: "x"}, "readme": {content: "y"}, "Doc/a": {content: "x"}, "doc/b": {content: "y"}}, want: []want{
		{"content-case", "doc", 0, "differs from Doc only in case: on macOS and Windows, where platform any installs too, the filesystem takes both for one name"},
		{"content-case", "readme", 0, "differs from README only in case"},
	}},
	{name: "content-case: an ignored one is fine", files: map[string]fixture{"README": {content: "x"}, "readme": {content: "y"}, ".pkgignore": {content: "/readme\n"}}},
	{name: "content-case: linux only is fine", yaml: ptr(edit(12, "  platforms: {linux/amd64: .}", "  bin: [bin/hello]")), files: map[string]fixture{"README": {content: "x"}, "readme": {content: "y"}}},
	{name: "content-case: a directory macOS shares with Linux", yaml: ptr(edit(12, "  platforms: {linux/amd64: ./out, darwin/arm64: ./out}", "  bin: [bin/hello]")), files: map[string]fixture{
		"out/bin/hello": {content: "x", mode: 0o755}, "out/README": {content: "x"}, "out/readme": {content: "y"},
	}, want: []want{{"content-case", "out/readme", 0, "differs from out/README only in case: on darwin/arm64 the filesystem"}}},
	{name: "content-case: same names in different directories are fine", files: map[string]fixture{"a/README": {content: "x"}, "b/readme": {content: "y"}}},
	// é spelt as one character (NFC) and as e and an accent (NFD): one name to macOS, on
	// every platform refused by publishing and installing (archive.NameKey).
	{name: "content-path: names differing only in normalisation", files: map[string]fixture{"caf\u00e9": {content: "x"}, "cafe\u0301": {content: "y"}, "CAF\u00c9": {content: "z"}}, want: []want{
		{"content-case", "cafe\u0301", 0, "differs from CAF\u00c9 only in case"},
		{"content-path", "caf\u00e9", 0, `the name "caf\u00e9" differs from "cafe\u0301" (` + "cafe\u0301" + `) only in Unicode normalisation (NFC and NFD): macOS takes both for one name`},
	}},
	{name: "content-path: normalisation on linux too", yaml: ptr(edit(12, "  platforms: {linux/amd64: .}", "  bin: [bin/hello]")), files: map[string]fixture{"caf\u00e9": {content: "x"}, "cafe\u0301": {content: "y"}}, want: []want{
		{"content-path", "caf\u00e9", 0, "only in Unicode normalisation"},
	}},

	// content-special
	{name: "content-special: named pipe", files: map[string]fixture{"run/fifo": {mode: fs.ModeNamedPipe}}, want: []want{{"content-special", "run/fifo", 0, "named pipe"}}},
	{name: "content-special: ignored pipe is fine", files: map[string]fixture{"run/fifo": {mode: fs.ModeNamedPipe}, ".pkgignore": {content: "/run/\n"}}},

	// content-setuid
	{name: "content-setuid: setuid file", files: map[string]fixture{"bin/hello": {content: "x", mode: 0o755 | fs.ModeSetuid}}, want: []want{{"content-setuid", "bin/hello", 0, "chmod u-s,g-s"}}},

	// content-size
	{name: "content-size: one file too large", opts: Options{MaxFileSize: 30}, files: map[string]fixture{"data/big": {content: strings.Repeat("x", 31)}}, want: []want{{"content-size", "data/big", 0, "31 bytes), over the limit of 30 B (30 bytes)"}}},
	{name: "content-size: total too large", opts: Options{MaxTotalSize: 40}, files: map[string]fixture{"a": {content: strings.Repeat("x", 30)}}, want: []want{{"content-size", ".", 0, "over the limit of 40 B (40 bytes)"}}},
	{name: "content-size: too many entries", opts: Options{MaxFiles: 2}, files: map[string]fixture{"README": {content: "x"}}, want: []want{{"content-size", ".", 0, "has 3 entries, over the limit of 2"}}},
	{name: "content-size: ignored files do not count", opts: Options{MaxFileSize: 30}, files: map[string]fixture{"data/big": {content: strings.Repeat("x", 31)}, ".pkgignore": {content: "big\n"}}},
	{name: "content: .git and .github are never packed", files: map[string]fixture{".git/fifo": {mode: fs.ModeNamedPipe}, ".github/link": {mode: fs.ModeSymlink, link: "/etc"}}},
}

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, tt := range lintCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			yaml := tt.yaml
			if yaml == nil && !tt.noPkg {
				yaml = ptr(validYAML)
			}
			dir := write(t, yaml, tt.files)
			report, err := Check(dir, tt.opts)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			var got []string
			for _, f := range report.Findings {
				got = append(got, fmt.Sprintf("%s %s %s:%d: %s", f.Rule, f.Severity, f.File, f.Line, f.Message))
			}
			if len(report.Findings) != len(tt.want) {
				t.Fatalf("got %d findings, want %d:\n%s", len(report.Findings), len(tt.want), strings.Join(got, "\n"))
			}
			for i, w := range tt.want {
				f := report.Findings[i]
				if f.Rule != w.rule || f.File != w.file || f.Line != w.line || !strings.Contains(f.Message, w.contains) {
					t.Errorf("finding %d = %s\nwant %s %s:%d: …%s…", i, got[i], w.rule, w.file, w.line, w.contains)
				}
				if f.Severity != severity(w.rule) {
					t.Errorf("finding %d has severity %s, rule %s has %s", i, f.Severity, w.rule, severity(w.rule))
				}
			}
			errs, warns := 0, 0
			for _, f := range report.Findings {
				if f.Severity == api.SeverityError {
					errs++
				} else {
					warns++
				}
			}
			if report.Errors != errs || report.Warnings != warns {
				t.Errorf("counts = %d errors, %d warnings; findings hold %d, %d", report.Errors, report.Warnings, errs, warns)
			}
		})
	}
}

// TestContentSymlinkAgreesWithPublishing: lint finds a symlink at fault exactly when
// publishing refuses the content, so lint never passes a package pkg-push refuses,
// nor refuses one pkg-push would publish.
func TestContentSymlinkAgreesWithPublishing(t *testing.T) {
	t.Parallel()
	for _, tt := range lintCases {
		if !strings.HasPrefix(tt.name, "content-symlink: ") {
			continue
		}
		if _, ignores := tt.files[".pkgignore"]; ignores {
			continue // archive.Tar alone does not read .pkgignore
		}
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := write(t, ptr(validYAML), tt.files)
			report, err := Check(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			linted := slices.ContainsFunc(report.Findings, func(f api.Finding) bool { return f.Rule == "content-symlink" })
			_, err = archive.Tar(dir, io.Discard, archive.PackOptions{})
			if linted != (err != nil) {
				t.Errorf("lint found a content-symlink error: %v; publishing refused the content: %v", linted, err)
			}
		})
	}
}

// TestBinLinkOutNeverAdvisesChmod: chmod follows symlinks, so advising it for an entry
// that leads out of the package would have the user change the file outside.
func TestBinLinkOutNeverAdvisesChmod(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		entry string
		files map[string]fixture
	}{
		{"bin/link-out", map[string]fixture{"bin/link-out": {mode: fs.ModeSymlink, link: "/etc/passwd"}}},
		// Relative, climbing past the root: resolves to /etc/passwd wherever the test runs.
		{"bin/up", map[string]fixture{"bin/up": {mode: fs.ModeSymlink, link: strings.Repeat("../", 64) + "etc/passwd"}}},
		{"etc/passwd", map[string]fixture{"etc": {mode: fs.ModeSymlink, link: "/etc"}}},
	} {
		report, err := Check(write(t, ptr(edit(12, "  bin: ["+tt.entry+"]")), tt.files), Options{})
		if err != nil {
			t.Fatal(err)
		}
		var bin []string
		for _, f := range report.Findings {
			if f.Rule == "bin" {
				bin = append(bin, f.Message)
			}
		}
		if len(bin) != 1 || !strings.Contains(bin[0], "out of the package content") || strings.Contains(bin[0], "chmod") {
			t.Errorf("%s: bin findings = %q, want one saying it leads out of the package content, without chmod", tt.entry, bin)
		}
	}
}

// TestCredentialsNeverEchoed: findings reach CI logs and GitHub annotations, so a
// credential in package.yaml must not appear in any message, whichever rule quotes the
// value.
func TestCredentialsNeverEchoed(t *testing.T) {
	t.Parallel()
	for _, yaml := range []string{
		edit(9, "  source: https://me:secret@github.com/org/hello"),
		edit(8, "  homepage: https://secret@example.com/hello"),
		edit(8, "  homepage: http://me:secret@@example.com"),
		edit(8, "  homepage: ftp://me:secret@example.com/hello"),
		edit(8, "  homepage: https://me:secret@/hello"),
		edit(17, `    - {ref: "https://me:secret@ghcr.io/org/fonts"}`),
		edit(14, `    - {name: PATH, op: prepend, value: "https://me:secret@example.com/${prefix}"}`),
		edit(12, "  bin: https://me:secret@example.com/x"),
		edit(6, "  https://me:secret@example.com/x: 1"),
	} {
		report, err := Check(write(t, &yaml, nil), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(report.Findings) == 0 {
			t.Errorf("no finding for\n%s", yaml)
		}
		for _, f := range report.Findings {
			if strings.Contains(f.Message, "secret") {
				t.Errorf("%s finding repeats the credential: %s", f.Rule, f.Message)
			}
		}
	}
}

func TestRedactURLs(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`"https://user:pw@github.com/x"`:               `"https://***@github.com/x"`,
		"https://TOKEN@github.com":                     "https://***@github.com",
		"oci+https://a@b:c@host:5000/r?q=@#@":          "oci+https://***@host:5000/r?q=@#@",
		"see https://github.com/x and write to me@x.y": "see https://github.com/x and write to me@x.y",
		"https://a:b@h/x, http://c@h2":                 "https://***@h/x, http://***@h2",
		"no url here: user@host":                       "no url here: user@host",
	} {
		if got := redactURLs(in); got != want {
			t.Errorf("redactURLs(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEveryRuleHasAFailingFixture keeps lintCases honest: each rule id is the expected
// finding of at least one case, and every case's rules exist.
func TestEveryRuleHasAFailingFixture(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{}
	for _, tt := range lintCases {
		for _, w := range tt.want {
			if !slices.ContainsFunc(Rules, func(r Rule) bool { return r.ID == w.rule }) {
				t.Errorf("case %q expects unknown rule %q", tt.name, w.rule)
			}
			covered[w.rule] = true
		}
	}
	for _, r := range Rules {
		if !covered[r.ID] {
			t.Errorf("rule %q has no failing fixture in lintCases", r.ID)
		}
	}
}

func TestRules(t *testing.T) {
	t.Parallel()
	id := regexp.MustCompile(`^[a-z]+(-[a-z]+)*$`)
	seen := map[string]bool{}
	for _, r := range Rules {
		if !id.MatchString(r.ID) || seen[r.ID] {
			t.Errorf("rule id %q is not unique kebab-case", r.ID)
		}
		seen[r.ID] = true
		if r.Severity != api.SeverityError && r.Severity != api.SeverityWarning {
			t.Errorf("rule %s: severity %q", r.ID, r.Severity)
		}
	}
}

// TestRulesDocumented checks docs/lint-rules.md has a section for every rule and no
// section for a rule that does not exist.
func TestRulesDocumented(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "lint-rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile("(?m)^### `([a-z-]+)` \\((error|warning)\\)$")
	documented := map[string]string{}
	for _, m := range heading.FindAllStringSubmatch(string(data), -1) {
		documented[m[1]] = m[2]
	}
	for _, r := range Rules {
		if sev, ok := documented[r.ID]; !ok {
			t.Errorf("docs/lint-rules.md has no \"### `%s` (%s)\" section", r.ID, r.Severity)
		} else if sev != r.Severity {
			t.Errorf("docs/lint-rules.md says %s is a %s; it is a %s", r.ID, sev, r.Severity)
		}
		delete(documented, r.ID)
	}
	for id := range documented {
		t.Errorf("docs/lint-rules.md documents %q, which is not a rule", id)
	}
}

// The --to layout inside the package is skipped as publishing leaves it out: its blobs
// must not count against the package's limits (or be linted at all).
func TestLeaveOutSkipsTheLayout(t *testing.T) {
	t.Parallel()
	files := map[string]fixture{"registry/tool/blobs/sha256/a": {content: "a"}, "registry/tool/blobs/sha256/b": {content: "b"}, "registry/tool/index.json": {content: "{}"}}
	dir := write(t, ptr(validYAML), files)
	count := func(opts Options) int {
		report, err := Check(dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range report.Findings {
			if f.Rule == "content-size" {
				n++
			}
		}
		return n
	}
	if count(Options{MaxFiles: 6}) != 1 {
		t.Fatalf("the fixture does not go over the limit with the layout in it")
	}
	if n := count(Options{MaxFiles: 6, LeaveOut: []string{"registry/tool"}}); n != 0 {
		t.Errorf("%d content-size findings with the layout left out, want none", n)
	}
}

func TestDefaultLimitsMatchInstall(t *testing.T) {
	t.Parallel()
	if DefaultMaxTotalSize != archive.DefaultLimits.MaxBytes || DefaultMaxFiles != archive.DefaultLimits.MaxFiles {
		t.Errorf("lint limits %d bytes, %d files; archive.DefaultLimits %d, %d",
			DefaultMaxTotalSize, DefaultMaxFiles, archive.DefaultLimits.MaxBytes, archive.DefaultLimits.MaxFiles)
	}
}

func TestCheckDirErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := Check(filepath.Join(dir, "nope"), Options{})
	if fault.KindOf(err) != fault.NotFound || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing dir: %v (kind %v)", err, fault.KindOf(err))
	}
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o644)
	_, err = Check(file, Options{})
	if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("file: %v", err)
	}
}

// TestCheckNeverPanics runs lint on mangled versions of a valid package.yaml.
func TestCheckNeverPanics(t *testing.T) {
	t.Parallel()
	inputs := []string{
		"", "~", "[]", "{", "a: *b", "&a [*a]", "apiVersion: [x]\nkind: {}",
		"<<: {apiVersion: longshore.dev/v1alpha1, kind: Package}\nmetadata: {name: a, version: 1.0.0}",
		"metadata: &m {name: a, version: 1.0.0}\nspec: {env: *m}",
		"spec: {platforms: [a], bin: {a: b}, env: [1, [2], null], dependencies: [~, x]}",
		"metadata: {keywords: {a: b}, name: [1]}", "metadata: &m {<<: *m, name: a}", "spec: &s {<<: [*s, *s]}", "metadata: &k {keywords: [*k]}", "\xff\xfe", "metadata:\n  name: \"\\uD800\"",
	}
	for i := 0; i < len(validYAML); i += 7 {
		inputs = append(inputs, validYAML[:i], validYAML[i:])
	}
	for i, in := range inputs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			dir := write(t, &in, nil)
			if _, err := Check(dir, Options{}); err != nil {
				t.Errorf("Check(%q): %v", in, err)
			}
		})
	}
}

func TestLicense(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"MIT", ""},
		{"Apache-2.0 OR MIT", ""},
		{"(MIT OR Apache-2.0) AND BSD-3-Clause", ""},
		{"GPL-2.0-or-later WITH Classpath-exception-2.0", ""},
		{"GPL-2.0+", "deprecated"},
		{"LicenseRef-Proprietary", ""},
		{"DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2", ""},
		{"mit", `spells "mit" differently from SPDX: write "MIT"`},
		{"Foo-1.0", "not a known SPDX license id"},
		{"MIT WITH Nope-exception", "unknown exception"},
		{"MIT AND", "ends where a license id"},
		{"(MIT", "not closed"},
		{"MIT)", `unexpected ")"`},
		{"AND MIT", "needs a license id before"},
		{"MIT WITH", "WITH needs an exception"},
		{"LicenseRef-", "not LicenseRef-ID"},
		{"M!T", `did you mean "MIT"?`},
		{"M!T AND (X)", "not a license id"},
		{"MIT and Apache-2.0", "must be written AND"},
		{strings.Repeat("(", 100) + "MIT" + strings.Repeat(")", 100), "nest too deeply"},
	}
	for _, tt := range tests {
		got := checkLicense(tt.in)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("checkLicense(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSanitizeName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"hello": "hello", "Hello World": "hello-world", "__x__": "x", "a..b-": "a-b", "my.tool_v2": "my.tool_v2",
		"---": "", "日本": "", "A--B": "a-b", strings.Repeat("a", 200): strings.Repeat("a", 128),
	} {
		if got := SanitizeName(in); got != want {
			t.Errorf("SanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReportSortedAndDeterministic(t *testing.T) {
	t.Parallel()
	dir := write(t, ptr(edit(4, "  name: Bad Name")), map[string]fixture{
		".pkgignore": {content: "[\n"}, "z/fifo": {mode: fs.ModeNamedPipe}, "a/link": {mode: fs.ModeSymlink, link: "/x"},
	})
	first, err := Check(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range first.Findings {
		files = append(files, f.File)
	}
	if want := []string{"package.yaml", ".pkgignore", "a/link", "z/fifo"}; !slices.Equal(files, want) {
		t.Errorf("finding files in order %q, want %q", files, want)
	}
	for range 3 {
		again, _ := Check(dir, Options{})
		if !slices.Equal(again.Findings, first.Findings) {
			t.Fatal("findings differ between runs")
		}
	}
	if first.Package != "Bad Name" || first.Version != "1.2.3" || first.Dir != dir {
		t.Errorf("report header = %q %q %q", first.Package, first.Version, first.Dir)
	}
}

func TestIgnoreErrorIsFindingNotError(t *testing.T) {
	t.Parallel()
	dir := write(t, ptr(validYAML), map[string]fixture{".pkgignore": {mode: fs.ModeDir}})
	report, err := Check(dir, Options{})
	if err != nil || errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	if len(report.Findings) != 1 || report.Findings[0].Rule != "ignore" {
		t.Errorf("findings = %+v, want one ignore finding", report.Findings)
	}
}

func FuzzCheck(f *testing.F) {
	f.Add(validYAML)
	f.Add(multiPlatform)
	f.Add("metadata: &m {<<: *m}")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, yaml string) {
		if err := os.WriteFile(filepath.Join(dir, "package.yaml"), []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Check(dir, Options{}); err != nil {
			t.Fatalf("Check: %v", err)
		}
	})
}
