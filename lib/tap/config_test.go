package tap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
)

func writeConfig(t *testing.T, home, text string) {
	t.Helper()
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ConfigFile), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadMissingIsEmpty(t *testing.T) {
	t.Parallel()
	c, err := Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Taps) != 0 || c.DefaultTap() != "" {
		t.Errorf("a missing config.yaml gave %+v", c.Taps)
	}
}

func TestLoadValid(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	writeConfig(t, home, `apiVersion: longshore.dev/v1alpha1
kind: Config
taps:
  - name: core
    source: localhost:5000/org/index
    default: true
  - {name: extra, source: "ocidir:///srv/index"}
`)
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Taps) != 2 || c.DefaultTap() != "core" || c.Taps[1].Source != "ocidir:///srv/index" {
		t.Errorf("loaded %+v", c.Taps)
	}
	if _, ok := c.Tap("extra"); !ok {
		t.Error("Tap(extra) not found")
	}
}

func TestLoadStrict(t *testing.T) {
	t.Parallel()
	const head = "apiVersion: longshore.dev/v1alpha1\nkind: Config\n"
	tests := []struct {
		name, text, want string
	}{
		{"unknown top-level field", head + "tapz: []\n", `config.yaml:3: unknown field "tapz"`},
		{"unknown tap field", head + "taps:\n  - name: core\n    source: x.io/i\n    defualt: true\n", `config.yaml:6: unknown field "defualt"`},
		{"wrong type", head + "taps: yes\n", "config.yaml:3"},
		{"another kind", "apiVersion: longshore.dev/v1alpha1\nkind: Published\nname: x\n", `kind "Published"`},
		{"two documents", head + "---\n" + head, "a second document"},
		{"invalid tap name", head + "taps: [{name: Core, source: x.io/i}]\n", `tap name "Core" is invalid`},
		{"reserved tap name", head + "taps: [{name: localhost, source: x.io/i}]\n", `tap name "localhost" is reserved`},
		{"duplicate tap", head + "taps: [{name: core, source: x.io/i}, {name: core, source: y.io/i}]\n", `tap "core" is configured twice`},
		{"two defaults", head + "taps: [{name: a, source: x.io/i, default: true}, {name: b, source: y.io/i, default: true}]\n", `taps "a" and "b" are both marked default`},
		{"no source", head + "taps: [{name: core}]\n", `tap "core" has no source`},
		{"not yaml", "taps: [\n", "config.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			writeConfig(t, home, tt.text)
			_, err := Load(home)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load: %v; want an error containing %q", err, tt.want)
			}
			if cli.ExitCode(err) != cli.ExitUsage {
				t.Errorf("exit code %d, want %d", cli.ExitCode(err), cli.ExitUsage)
			}
			if !strings.Contains(fault.HintOf(err), filepath.Join(home, ConfigFile)) {
				t.Errorf("hint %q does not name the file", fault.HintOf(err))
			}
		})
	}
}

func TestSaveRoundTrip(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	err := edit(home, func(c *Config) error {
		c.Taps = append(c.Taps, Spec{Name: "core", Source: "localhost:5000/org/index", Default: true}, Spec{Name: "b", Source: "/srv/entries"})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(home, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	want := `---
apiVersion: longshore.dev/v1alpha1
kind: Config
taps:
  - name: core
    source: localhost:5000/org/index
    default: true
  - name: b
    source: /srv/entries
`
	if string(data) != want {
		t.Errorf("config.yaml:\n%s\nwant:\n%s", data, want)
	}
	c, err := Load(home)
	if err != nil || len(c.Taps) != 2 {
		t.Fatalf("reloading: %v, %+v", err, c)
	}
	// An edit that fails leaves the file alone.
	if err := edit(home, func(c *Config) error {
		c.Taps = nil
		return fault.Errorf(fault.Conflict, "no")
	}); err == nil {
		t.Fatal("edit returned nil")
	}
	if after, _ := os.ReadFile(filepath.Join(home, ConfigFile)); string(after) != want {
		t.Errorf("a failed edit changed config.yaml:\n%s", after)
	}
}

func TestValidateName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ok   bool
	}{
		{"core", true},
		{"my-tap", true},
		{"0day", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{"-x", false},
		{"Core", false},
		{"my_tap", false},
		{"my.tap", false},
		{"org/tap", false},
		{"localhost", false},
		{"all", false},
		{"ocidir", false},
	}
	for _, tt := range tests {
		err := ValidateName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && fault.KindOf(err) != fault.Usage {
			t.Errorf("ValidateName(%q): kind %v, want usage", tt.name, fault.KindOf(err))
		}
	}
}

func TestLoadPatches(t *testing.T) {
	t.Parallel()
	const head = "apiVersion: longshore.dev/v1alpha1\nkind: Config\n"
	tests := []struct {
		name, text string
		registry   string
		required   bool
		wantErr    string
	}{
		{name: "none", text: head, required: true},
		{name: "required by default", text: head + "patches:\n  registry: registry.corp.example/patches\n", registry: "registry.corp.example/patches", required: true},
		{name: "not required", text: head + "patches: {registry: \"ocidir:///srv/patches\", required: false}\n", registry: "ocidir:///srv/patches"},
		{name: "explicitly required", text: head + "patches: {registry: localhost:5000, required: true}\n", registry: "localhost:5000", required: true},
		{name: "unknown field", text: head + "patches:\n  registry: x.io/p\n  requried: false\n", wantErr: `config.yaml:5: unknown field "requried"`},
		{name: "empty registry", text: head + "patches: {required: false}\n", wantErr: "patches.registry is empty"},
		{name: "not a registry", text: head + "patches: {registry: \"https://x.io/p\"}\n", wantErr: `patches.registry "https://x.io/p" is not a registry root`},
		{name: "a tag", text: head + "patches: {registry: \"x.io/p:v1\"}\n", wantErr: "names a tag or digest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			writeConfig(t, home, tt.text)
			c, err := Load(home)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load: %v; want an error containing %q", err, tt.wantErr)
				}
				if cli.ExitCode(err) != cli.ExitUsage {
					t.Errorf("exit code %d, want %d", cli.ExitCode(err), cli.ExitUsage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if c.Patches != nil {
				got = c.Patches.Registry
			}
			if got != tt.registry || c.Patches.IsRequired() != tt.required {
				t.Errorf("patches %+v: registry %q required %v, want %q %v", c.Patches, got, c.Patches.IsRequired(), tt.registry, tt.required)
			}
		})
	}
}

func TestSetPatches(t *testing.T) {
	// Not parallel: it changes the working directory.
	home := t.TempDir()
	writeConfig(t, home, "apiVersion: longshore.dev/v1alpha1\nkind: Config\ntaps:\n  - {name: core, source: localhost:5000/org/index}\n")
	no := false
	if err := SetPatches(home, &Patches{Registry: "registry.corp.example/patches/", Required: &no}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(home, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	want := `---
apiVersion: longshore.dev/v1alpha1
kind: Config
taps:
  - name: core
    source: localhost:5000/org/index
patches:
  registry: registry.corp.example/patches
  required: false
`
	if string(data) != want {
		t.Errorf("config.yaml:\n%s\nwant:\n%s", data, want)
	}
	// A relative layout is made absolute; a bad registry changes nothing.
	dir := t.TempDir()
	t.Chdir(dir)
	if err := SetPatches(home, &Patches{Registry: "ocidir://patches"}); err != nil {
		t.Fatal(err)
	}
	c, err := Load(home)
	if err != nil || c.Patches.Registry != "ocidir://"+filepath.Join(dir, "patches") || !c.Patches.IsRequired() || len(c.Taps) != 1 {
		t.Fatalf("after setting a layout: %v %+v", err, c)
	}
	if err := SetPatches(home, &Patches{Registry: "https://x"}); err == nil || fault.KindOf(err) != fault.Usage {
		t.Errorf("a bad registry: %v", err)
	}
	if err := SetPatches(home, nil); err != nil {
		t.Fatal(err)
	}
	if c, err := Load(home); err != nil || c.Patches != nil || len(c.Taps) != 1 {
		t.Errorf("after removing: %v %+v", err, c)
	}
}
