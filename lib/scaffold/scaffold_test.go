package scaffold

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/lint"
	"longshore.dev/lib/pkgspec"
)

func TestWrite(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "new", "hello")
	written, err := Write(dir, Options{Name: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"package.yaml", "README.md", "bin/hello", ".pkgignore", ".github/workflows/publish.yml"}
	if !slices.Equal(written, want) {
		t.Errorf("written = %q, want %q", written, want)
	}
	for _, p := range want {
		st, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		wantMode := fs.FileMode(0o644)
		if p == "bin/hello" {
			wantMode = 0o755
		}
		if st.Mode().Perm() != wantMode {
			t.Errorf("%s has mode %v, want %v", p, st.Mode().Perm(), wantMode)
		}
	}
	p, err := pkgspec.Load(dir)
	if err != nil {
		t.Fatalf("the scaffold's package.yaml does not load: %v", err)
	}
	if p.Metadata.Name != "hello" || p.Metadata.Version != DefaultVersion || !slices.Equal(p.Spec.Bin, []string{"bin/hello"}) {
		t.Errorf("package = %+v", p.Metadata)
	}
}

// TestScaffoldIsLintClean: no errors, and no warnings but the placeholders init leaves
// for the publisher (description, homepage, source), so it publishes unchanged; with
// them filled in, it passes lint --strict.
func TestScaffoldIsLintClean(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{{Name: "hello"}, {Name: "my-tool.v2", Version: "1.0.0-rc.1+b5"}, {Name: "0x"}} {
		dir := t.TempDir()
		if _, err := Write(dir, o); err != nil {
			t.Fatal(err)
		}
		report, err := lint.Check(dir, lint.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var placeholders []int
		for _, f := range report.Findings {
			if f.Rule == "placeholder" && f.Severity == "warning" {
				placeholders = append(placeholders, f.Line)
				continue
			}
			t.Errorf("%s: %s %s %s:%d: %s", o.Name, f.Rule, f.Severity, f.File, f.Line, f.Message)
		}
		if len(placeholders) != 3 {
			t.Errorf("%s: placeholder warnings on lines %v, want description, homepage and source", o.Name, placeholders)
		}
		fillIn(t, dir, o.Name)
		if report, err = lint.Check(dir, lint.Options{}); err != nil || len(report.Findings) != 0 {
			t.Errorf("%s, filled in: %v %+v", o.Name, err, report.Findings)
		}
	}
}

// fillIn does what the scaffold's README asks of the publisher: a description, and the
// real owner in the URLs.
func fillIn(t *testing.T, dir, name string) {
	t.Helper()
	p := filepath.Join(dir, "package.yaml")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.ReplaceAll(data, []byte("/"+pkgspec.PlaceholderOwner+"/"), []byte("/example-org/"))
	data = bytes.Replace(data, []byte(pkgspec.PlaceholderDescription(name)), []byte("Greets whoever runs it"), 1)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCommentedEnvLineIsValid: the commented-out env example, once uncommented, passes
// lint, whatever the package is called (a name may start with a digit; a variable may not).
func TestCommentedEnvLineIsValid(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, variable string }{
		{"hello", "HELLO_HOME"},
		{"my-tool.v2", "MY_TOOL_V2_HOME"},
		{"9lives", "PKG_9LIVES_HOME"},
		{"0x", "PKG_0X_HOME"},
	} {
		dir := t.TempDir()
		if _, err := Write(dir, Options{Name: tt.name}); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "package.yaml")
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		commented := "    # - {name: " + tt.variable + ", op: set,"
		if !bytes.Contains(data, []byte(commented)) {
			t.Fatalf("%s: package.yaml lacks %q:\n%s", tt.name, commented, data)
		}
		data = bytes.Replace(data, []byte("    # - {name: "+tt.variable), []byte("    - {name: "+tt.variable), 1)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		fillIn(t, dir, tt.name)
		report, err := lint.Check(dir, lint.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range report.Findings {
			t.Errorf("%s, env line uncommented: %s %s:%d: %s", tt.name, f.Rule, f.File, f.Line, f.Message)
		}
	}
}

// TestPackageYAMLShowsEveryField: every field of the manifest appears, set or in a comment.
func TestPackageYAMLShowsEveryField(t *testing.T) {
	t.Parallel()
	files, err := Render(Options{Name: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	text := string(files["package.yaml"])
	for _, field := range []string{"apiVersion:", "kind: Package", "metadata:", "name:", "version:", "description:", "license:",
		"homepage:", "source:", "keywords:", "spec:", "platforms:", "linux/amd64:", "bin:", "env:", "op: prepend", "op: set",
		"dependencies:", "{name: libgreet", "{ref: ghcr.io/org/fonts"} {
		if !strings.Contains(text, field) {
			t.Errorf("package.yaml lacks %q", field)
		}
	}
}

func TestWorkflow(t *testing.T) {
	t.Parallel()
	files, err := Render(Options{Name: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		On struct {
			Push struct {
				Tags []string `yaml:"tags"`
			} `yaml:"push"`
		} `yaml:"on"`
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			Steps []struct {
				Uses string            `yaml:"uses"`
				Run  string            `yaml:"run"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	data := files[".github/workflows/publish.yml"]
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("publish.yml: %v", err)
	}
	if !slices.Equal(wf.On.Push.Tags, []string{"v*"}) {
		t.Errorf("tags = %q", wf.On.Push.Tags)
	}
	if wf.Permissions["packages"] != "write" || wf.Permissions["contents"] != "read" {
		t.Errorf("permissions = %v", wf.Permissions)
	}
	var uses []string
	for _, s := range wf.Jobs["publish"].Steps {
		uses = append(uses, s.Uses)
		if strings.Contains(s.Run, "${{") {
			t.Errorf("a run script holds ${{ }}: %q (pass values through env:)", s.Run)
		}
		switch {
		case strings.HasPrefix(s.Uses, "docker/login-action@"):
			if s.With["registry"] != "ghcr.io" || s.With["password"] != "${{ secrets.GITHUB_TOKEN }}" {
				t.Errorf("login step with = %v", s.With)
			}
		case s.Uses == "longshore-dev/longshore@v0":
			if s.With["repository"] != "ghcr.io/${{ github.repository_owner }}/hello" || s.With["cascade"] != "true" || s.With["package-dir"] != "." {
				t.Errorf("publish step with = %v", s.With)
			}
		}
	}
	for _, u := range []string{"actions/checkout@v4", "docker/login-action@v3", "longshore-dev/longshore@v0"} {
		if !slices.Contains(uses, u) {
			t.Errorf("workflow steps %q lack %s", uses, u)
		}
	}
}

func TestEntryPointRuns(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	if _, err := Write(dir, Options{Name: "hello"}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sh, "-n", filepath.Join(dir, "bin", "hello")).CombinedOutput()
	if err != nil {
		t.Fatalf("sh -n: %v\n%s", err, out)
	}
	out, err = exec.Command(filepath.Join(dir, "bin", "hello"), "you").Output()
	if err != nil || !bytes.Contains(out, []byte("Hello, you!")) {
		t.Errorf("bin/hello you = %q, %v", out, err)
	}
}

func TestWriteRefusesExistingFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		existing []string
	}{
		{name: "one file", existing: []string{"README.md"}},
		{name: "several", existing: []string{"package.yaml", "bin/hello", ".github/workflows/publish.yml"}},
		{name: "a directory in the way", existing: []string{".pkgignore/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var names []string
			for _, e := range tt.existing {
				p := filepath.Join(dir, filepath.FromSlash(e))
				os.MkdirAll(filepath.Dir(p), 0o755)
				if strings.HasSuffix(e, "/") {
					os.Mkdir(p, 0o755)
				} else if err := os.WriteFile(p, []byte("mine"), 0o644); err != nil {
					t.Fatal(err)
				}
				names = append(names, strings.TrimSuffix(e, "/"))
			}
			before := tree(t, dir)
			_, err := Write(dir, Options{Name: "hello"})
			if fault.KindOf(err) != fault.Conflict {
				t.Fatalf("err = %v, want a conflict", err)
			}
			for _, n := range names {
				if !strings.Contains(err.Error(), n) {
					t.Errorf("error %q does not name %s", err, n)
				}
			}
			if after := tree(t, dir); !slices.Equal(before, after) {
				t.Errorf("Write changed the directory:\nbefore %q\nafter  %q", before, after)
			}
		})
	}
}

func TestOptionsErrors(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{{}, {Name: "Hello"}, {Name: "-x"}, {Name: "ok", Version: "v1.0.0"}, {Name: "ok", Version: "1.0"}} {
		if _, err := Write(t.TempDir(), o); fault.KindOf(err) != fault.Usage {
			t.Errorf("Write(%+v) = %v, want a usage error", o, err)
		}
	}
}

func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel)
		return err
	})
	return out
}

// TestWriteIntoAFile: a DIR that is a regular file, or lies below one, is a usage
// error that says so, where it used to be a raw "lstat …: not a directory".
func TestWriteIntoAFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "package.yaml")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]string{
		file:                          file + " is a file, not a directory",
		filepath.Join(file, "a", "b"): file + " is a file, so " + filepath.Join(file, "a", "b") + " cannot be a directory",
	} {
		_, err := Write(dir, Options{Name: "hello"})
		if fault.KindOf(err) != fault.Usage || err.Error() != want || !strings.Contains(fault.HintOf(err), "give a directory") {
			t.Errorf("Write(%s) = %v (hint %q), want a usage error %q", dir, err, fault.HintOf(err), want)
		}
	}
}

// TestVersionErrorNamesTheProblem: an invalid --version is refused naming what is
// wrong with it, not a generic "(no leading v)".
func TestVersionErrorNamesTheProblem(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]string{
		"01.0.0": `version "01.0.0" is not a semantic version: 01 has a leading zero, which SemVer does not allow in a number: write 1.0.0`,
		"v1.0.0": `version "v1.0.0" is not a semantic version: drop the leading v: write 1.0.0`,
		"1.0":    `version "1.0" is not a semantic version: it has 2 numbers where SemVer has three, MAJOR.MINOR.PATCH: write 1.0.0`,
	} {
		if _, err := Write(t.TempDir(), Options{Name: "hello", Version: v}); fault.KindOf(err) != fault.Usage || err.Error() != want {
			t.Errorf("version %s: %v, want %q", v, err, want)
		}
	}
}
