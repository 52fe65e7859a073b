package pkgspec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/fault"
)

func TestParse(t *testing.T) {
	t.Parallel()
	const head = "apiVersion: longshore.dev/v1alpha1\nkind: Package\n"
	tests := []struct {
		name, yaml string
		kind       fault.Kind
		want       string
	}{
		{"minimal gets the any platform", head + "metadata:\n  name: hello\n  version: 1.0.0\n", 0, ""},
		{"syntax error names the line", head + "metadata:\n  name: [oops\n", fault.Usage, "package.yaml:4"},
		{"unknown field names the line", head + "metadata:\n  name: hello\n  version: 1.0.0\n  verison: 2\n", fault.Usage, `package.yaml:6: unknown field "verison"`},
		{"missing name", head + "metadata:\n  version: 1.0.0\n", fault.Usage, "metadata.name is required"},
		{"bad name", head + "metadata:\n  name: Hello\n  version: 1.0.0\n", fault.Usage, "metadata.name \"Hello\" is invalid"},
		{"missing version", head + "metadata:\n  name: hello\n", fault.Usage, "metadata.version is required"},
		{"leading v", head + "metadata:\n  name: hello\n  version: v1.0.0\n", fault.Usage, "not a semantic version"},
		{"wrong kind", "apiVersion: longshore.dev/v1alpha1\nkind: Published\nname: x\n", fault.Usage, `kind "Published"`},
		{"two documents", head + "metadata: {name: a, version: 1.0.0}\n---\n" + head + "metadata: {name: b, version: 1.0.0}\n", fault.Usage, "expected one Package document, found 2"},
		{"empty platform dir", head + "metadata: {name: a, version: 1.0.0}\nspec:\n  platforms:\n    linux/amd64: \"\"\n", fault.Usage, "names no directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Parse([]byte(tc.yaml), "hello/package.yaml")
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if p.Spec.Platforms[AnyPlatform] != "." {
					t.Errorf("default platforms: %v", p.Spec.Platforms)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || fault.KindOf(err) != tc.kind {
				t.Fatalf("got %v (kind %v), want %v containing %q", err, fault.KindOf(err), tc.kind, tc.want)
			}
		})
	}
}

func TestLoadMissing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := Load(dir)
	if fault.KindOf(err) != fault.NotFound || !strings.Contains(err.Error(), "no package.yaml in "+dir) {
		t.Fatalf("got %v", err)
	}
	_, err = Load(filepath.Join(dir, "nope"))
	if fault.KindOf(err) != fault.NotFound || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(fault.HintOf(err), "pkg-push init") {
		t.Fatalf("got %v (hint %q)", err, fault.HintOf(err))
	}
	os.WriteFile(filepath.Join(dir, "package.yaml"), []byte("apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata: {name: ok, version: 0.1.0-rc.1+b.2}\n"), 0o644)
	if p, err := Load(dir); err != nil || p.Metadata.Version != "0.1.0-rc.1+b.2" {
		t.Fatalf("pre-release with build metadata: %v", err)
	}
	// The file, not its directory: a usage error that says to give the directory.
	_, err = Load(filepath.Join(dir, "package.yaml"))
	if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), "package.yaml is not a directory") ||
		!strings.Contains(fault.HintOf(err), "give the directory that holds package.yaml") {
		t.Fatalf("package.yaml as the directory: %v (hint %q)", err, fault.HintOf(err))
	}
}

// A package name is a path component of an OCI repository name: patch descriptors live
// at REGISTRY/NAME, so a name the registry refuses there is refused here.
func TestValidName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"hello": true, "my.tool_v2": true, "a__b": true, "a--b": true, "9lives": true, "x": true,
		"x-": false, "x.": false, "a..b": false, "a___b": false, "-x": false, "_x": false, "a._b": false, "Hello": false, "": false,
		strings.Repeat("a", 128): true, strings.Repeat("a", 129): false,
	} {
		if got := ValidName(name); got != want {
			t.Errorf("ValidName(%q) = %v, want %v", name, got, want)
		}
	}
}
