// Package scaffold owns what `pkg-push init` writes: a package directory that passes
// `pkg-push lint --strict` and publishes unchanged, with a GitHub workflow that
// publishes it on a version tag. The files come from embedded templates.
package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/internal/fsx"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/version"
)

//go:embed templates
var templates embed.FS

// DefaultVersion is the version of a new package.
const DefaultVersion = "0.1.0"

// Options say what to scaffold.
type Options struct {
	Name    string // package name; required
	Version string // "" means DefaultVersion
}

// file is one file of the scaffold: its path (slash-separated, relative to the package
// directory, "{name}" standing for the package name), template and mode.
type file struct {
	path     string
	template string
	mode     fs.FileMode
}

var files = []file{
	{"package.yaml", "package.yaml.tmpl", 0o644},
	{"README.md", "README.md.tmpl", 0o644},
	{"bin/{name}", "bin.sh.tmpl", 0o755},
	{pkgspec.IgnoreFileName, "pkgignore.tmpl", 0o644},
	{".github/workflows/publish.yml", "publish.yml.tmpl", 0o644},
}

// Files returns the paths Write creates for a package called name, slash-separated
// and relative to the package directory, in the order it writes them.
func Files(name string) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = strings.ReplaceAll(f.path, "{name}", name)
	}
	return out
}

// Render returns the scaffold's files (path → content) without writing anything.
func Render(o Options) (map[string][]byte, error) {
	o, err := o.check()
	if err != nil {
		return nil, err
	}
	data := struct {
		Name, Version, Description, EnvName string
	}{
		Name:        o.Name,
		Version:     o.Version,
		Description: pkgspec.PlaceholderDescription(o.Name),
		EnvName:     envName(o.Name),
	}
	out := map[string][]byte{}
	for i, f := range files {
		text, err := templates.ReadFile("templates/" + f.template)
		if err != nil {
			return nil, err
		}
		// The workflow template holds GitHub's ${{ … }}, so ours are <% … %>.
		t, err := template.New(f.template).Delims("<%", "%>").Option("missingkey=error").Parse(string(text))
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", f.template, err)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return nil, fmt.Errorf("template %s: %w", f.template, err)
		}
		out[Files(o.Name)[i]] = buf.Bytes()
	}
	return out, nil
}

func (o Options) check() (Options, error) {
	if o.Version == "" {
		o.Version = DefaultVersion
	}
	switch {
	case o.Name == "":
		return o, fault.Errorf(fault.Usage, "a package name is required: pass --name NAME")
	case !pkgspec.ValidName(o.Name):
		return o, fault.Errorf(fault.Usage, "package name %q is invalid: use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit (at most 128)", o.Name)
	case !pkgspec.ValidVersion(o.Version):
		problem := version.Problem(o.Version)
		if problem == "" { // only past the limits of the semver library (a huge number)
			problem = "write MAJOR.MINOR.PATCH such as 0.1.0"
		}
		return o, fault.Errorf(fault.Usage, "version %q is not a semantic version: %s", o.Version, problem)
	}
	return o, nil
}

// Write creates the scaffold in dir (creating dir if needed) and returns the paths it
// wrote, relative to dir. It writes nothing when any of the files already exists: the
// fault.Conflict error names every one of them.
func Write(dir string, o Options) ([]string, error) {
	rendered, err := Render(o)
	if err != nil {
		return nil, err
	}
	if file := fsx.FileOnPath(dir); file != "" {
		const hint = "give a directory for the new package (init creates it if it does not exist)"
		if file == dir {
			return nil, fault.New(fault.Usage, fmt.Errorf("%s is a file, not a directory", dir), hint)
		}
		return nil, fault.New(fault.Usage, fmt.Errorf("%s is a file, so %s cannot be a directory", file, dir), hint)
	}
	paths := Files(o.Name)
	var existing []string
	for _, p := range paths {
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(p))); err == nil {
			existing = append(existing, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("checking %s: %w", filepath.Join(dir, p), err)
		}
	}
	if len(existing) > 0 {
		return nil, fault.New(fault.Conflict,
			fmt.Errorf("%s already has %s: init writes only new files", dir, strings.Join(existing, ", ")),
			"move those files away, or run init in a new directory")
	}
	var written []string
	undo := func() {
		for _, p := range written {
			os.Remove(filepath.Join(dir, filepath.FromSlash(p)))
		}
		for _, d := range []string{"bin", ".github/workflows", ".github"} {
			os.Remove(filepath.Join(dir, filepath.FromSlash(d))) // only if empty
		}
	}
	for i, p := range paths {
		target := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			undo()
			return nil, fmt.Errorf("creating %s: %w", filepath.Dir(target), err)
		}
		if err := writeNew(target, rendered[p], files[i].mode); err != nil {
			undo()
			if errors.Is(err, fs.ErrExist) {
				return nil, fault.New(fault.Conflict, fmt.Errorf("%s appeared while init was writing: %w", target, err), "")
			}
			return nil, fmt.Errorf("writing %s: %w", target, err)
		}
		written = append(written, p)
	}
	return written, nil
}

// writeNew creates path with data, failing if it exists, with exactly mode (not
// narrowed by the umask, so bin/NAME is executable for everyone).
func writeNew(path string, data []byte, mode fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(path, mode)
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// envName is name as an environment variable prefix: HELLO for hello, MY_TOOL for
// my-tool, PKG_9LIVES for 9lives (a package name may start with a digit, a variable
// name may not; PKG_ keeps the whole name recognisable where dropping digits would not).
func envName(name string) string {
	upper := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, name)
	if upper != "" && upper[0] >= '0' && upper[0] <= '9' {
		return "PKG_" + upper
	}
	return upper
}
