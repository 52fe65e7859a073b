package suggest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/index"
	"longshore.dev/lib/stream"
	"longshore.dev/lib/tap"
)

// home is a LONGSHORE_HOME with tap core (hello, zlib), and hello installed.
func home(t *testing.T) *cli.Env {
	t.Helper()
	dir, src := t.TempDir(), t.TempDir()
	for _, p := range []index.Package{
		{Name: "hello", Repository: "localhost:5000/hello", Description: "say hello", Versions: []index.Version{{Version: "1.2.0", Digest: "sha256:" + strings.Repeat("a", 64)}}},
		{Name: "zlib", Repository: "localhost:5000/zlib", Versions: []index.Version{{Version: "1.3.0", Digest: "sha256:" + strings.Repeat("b", 64)}}},
	} {
		var buf bytes.Buffer
		if err := stream.WriteYAML(&buf, index.ToEntry(p)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, p.Name+".yaml"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tap.Add(context.Background(), dir, tap.Spec{Name: "core", Source: src}, tap.Options{}); err != nil {
		t.Fatal(err)
	}
	inst := api.NewInstalled()
	inst.Name, inst.Tap, inst.Version, inst.Reason, inst.Platform = "hello", "core", "1.2.0", api.ReasonExplicit, "any"
	inst.Digest = "sha256:" + strings.Repeat("c", 64)
	inst.Source = "localhost:5000/hello@" + inst.Digest
	inst.Path = "pkgs/sha256/" + strings.Repeat("c", 64)
	dep := api.NewInstalled()
	dep.Name, dep.Tap, dep.Version, dep.Reason, dep.Platform = "zlib", "core", "1.3.0", api.ReasonDependency, "any"
	dep.Digest = "sha256:" + strings.Repeat("d", 64)
	dep.Source = "localhost:5000/zlib@" + dep.Digest
	dep.Path = "pkgs/sha256/" + strings.Repeat("d", 64)
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, inst, dep); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "installed.yaml"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return &cli.Env{Getenv: func(k string) string {
		if k == "LONGSHORE_HOME" {
			return dir
		}
		return ""
	}}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	env := home(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		fn   cli.Completer
		c    cli.Completion
		want string
	}{
		{"installed", Installed, cli.Completion{}, "hello\t1.2.0 (explicit)|zlib\t1.3.0 (dependency)"},
		{"installed, not twice", Installed, cli.Completion{Args: []string{"hello"}}, "zlib\t1.3.0 (dependency)"},
		{"explicit", Explicit, cli.Completion{}, "hello\t1.2.0 (explicit)"},
		{"taps", Taps, cli.Completion{}, "core\t"},
		{"packages", Packages, cli.Completion{}, "hello\t1.2.0 say hello|core/hello\t1.2.0 say hello|zlib\t1.3.0|core/zlib\t1.3.0"},
		{"--tap of a package verb", Packages, cli.Completion{Flag: "tap"}, "core\t"},
		{"another flag", Packages, cli.Completion{Flag: "platform"}, ""},
		{"only --tap", OnlyFlag("tap", Taps), cli.Completion{Args: []string{"x"}}, ""},
	} {
		got, _ := tc.fn(ctx, env, tc.c)
		joined := strings.Join(got, "|")
		if tc.name == "taps" || tc.name == "--tap of a package verb" {
			joined, _, _ = strings.Cut(joined, "\t")
			joined += "\t"
		}
		if joined != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, joined, tc.want)
		}
	}
	// A home that does not exist answers nothing, and is not created.
	missing := filepath.Join(t.TempDir(), "nohome")
	env = &cli.Env{Getenv: func(k string) string {
		if k == "LONGSHORE_HOME" {
			return missing
		}
		return ""
	}}
	for _, fn := range []cli.Completer{Installed, Taps, Packages} {
		if got, _ := fn(ctx, env, cli.Completion{}); len(got) != 0 {
			t.Errorf("a missing home suggested %q", got)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("completion created %s", missing)
	}
}

// --update offers the packages of the lock -f names, less those already named.
func TestResolveUpdateSuggestsTheLocksPackages(t *testing.T) {
	t.Parallel()
	env := home(t)
	lock := filepath.Join(t.TempDir(), "tools.lock.yaml")
	doc := "apiVersion: longshore.dev/v1alpha1\nkind: Lock\nrequests: [{name: hello}]\npackages:\n" +
		"  - {name: hello, tap: core, version: 1.2.0, repository: localhost:5000/hello, digest: 'sha256:" + strings.Repeat("a", 64) + "', platforms: [], reason: requested, dependencies: [zlib]}\n" +
		"  - {name: zlib, tap: core, version: 1.3.0, repository: localhost:5000/zlib, digest: 'sha256:" + strings.Repeat("b", 64) + "', platforms: [], reason: dependency, requiredBy: [hello]}\n" +
		"order: [zlib, hello]\n"
	if err := os.WriteFile(lock, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	got, _ := Resolve(context.Background(), env, cli.Completion{Flag: "update", Flags: map[string][]string{"filename": {lock}, "update": {"zlib"}}})
	if strings.Join(got, "|") != "hello\t1.2.0 (requested)" {
		t.Errorf("--update offers %q", got)
	}
	// stdin cannot be read twice; arguments are the taps' packages.
	if got, _ := Resolve(context.Background(), env, cli.Completion{Flag: "update", Flags: map[string][]string{"filename": {"-"}}}); len(got) != 0 {
		t.Errorf("--update with -f - offers %q", got)
	}
	if got, _ := Resolve(context.Background(), env, cli.Completion{}); len(got) != 4 {
		t.Errorf("arguments: %q, want the 4 names of the taps' packages", got)
	}
}
