// Package pkgspec owns package.yaml, the authoring side of a package: its Go form,
// loading with line-numbered errors, defaults, and the checks a push cannot do without.
package pkgspec

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/stream"
)

// FileName is the manifest's name inside a package directory.
const FileName = "package.yaml"

// AnyPlatform is the platform key of platform-independent content.
const AnyPlatform = "any"

// Package is package.yaml.
type Package struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	Metadata        Metadata `json:"metadata" yaml:"metadata"`
	Spec            Spec     `json:"spec" yaml:"spec"`
}

// Metadata describes the package.
type Metadata struct {
	Name        string   `json:"name" yaml:"name"`
	Version     string   `json:"version" yaml:"version"`
	Description string   `json:"description,omitempty" yaml:"description,omitempty"`
	License     string   `json:"license,omitempty" yaml:"license,omitempty"`
	Homepage    string   `json:"homepage,omitempty" yaml:"homepage,omitempty"`
	Source      string   `json:"source,omitempty" yaml:"source,omitempty"`
	Keywords    []string `json:"keywords,omitempty" yaml:"keywords,omitempty"`
}

// Spec is what the package holds and needs.
type Spec struct {
	// Platforms maps "os/arch[/variant]" (or "any") to a content directory relative to
	// the package directory. Omitted means {any: .}.
	Platforms    map[string]string `json:"platforms,omitempty" yaml:"platforms,omitempty"`
	Bin          []string          `json:"bin,omitempty" yaml:"bin,omitempty"`
	Env          []EnvVar          `json:"env,omitempty" yaml:"env,omitempty"`
	Dependencies []Dependency      `json:"dependencies,omitempty" yaml:"dependencies,omitempty"`
}

// EnvVar is one environment entry: set, prepend or append Value to Name.
type EnvVar struct {
	Name  string `json:"name" yaml:"name"`
	Op    string `json:"op" yaml:"op"`
	Value string `json:"value" yaml:"value"`
}

// Dependency is a package this one needs: by name through taps, or by repository.
type Dependency struct {
	Name    string `json:"name,omitempty" yaml:"name,omitempty"`
	Ref     string `json:"ref,omitempty" yaml:"ref,omitempty"`
	Version string `json:"version,omitempty" yaml:"version,omitempty"`
}

// Kinds is the stream registry that reads package.yaml.
var Kinds = stream.Kinds{"Package": func() any { return new(Package) }}

var (
	// nameRE is a path component of an OCI repository name (the distribution spec's
	// grammar): a package's name becomes one in patch descriptors' repositories
	// (REGISTRY/NAME), and a separator at an end or two in a row ("x-", "a..b") is
	// refused there.
	nameRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	// semverRE is the regular expression semver.org publishes for SemVer 2.0.0.
	// envNameRE is an environment variable name as shells take it in an assignment:
	// anything else would be shell syntax in `pkg-pull env`'s output.
	envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	semverRE  = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
)

// ValidName reports whether s is a package name: lower-case letters and digits,
// separated by one '.', one or two '_', or dashes, at most 128 characters.
func ValidName(s string) bool { return len(s) <= 128 && nameRE.MatchString(s) }

// MaxTapNameLength bounds a tap name: it is a directory name and the first half of
// TAP/NAME.
const MaxTapNameLength = 64

var tapNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// ValidTapName reports whether s has a tap name's form: lower-case letters, digits and
// '-', not starting with '-', at most MaxTapNameLength characters. (lib/tap also keeps
// some such names reserved.)
func ValidTapName(s string) bool { return len(s) <= MaxTapNameLength && tapNameRE.MatchString(s) }

// ValidEnvName reports whether s is an environment variable name: letters, digits and
// '_', not starting with a digit.
func ValidEnvName(s string) bool { return envNameRE.MatchString(s) }

// ValidEnvValue reports whether s can be an environment variable's value: any bytes
// but NUL, which no environment holds (execve refuses it; shells drop it, or what
// follows it).
func ValidEnvValue(s string) bool { return !strings.Contains(s, "\x00") }

// ReservedBinPrefix begins the names in $LONGSHORE_HOME/bin that the store keeps for
// itself (a link it is switching into place is .longshore-link-RANDOM): no entry point
// is linked under one, so that the store never takes an entry point for its own.
const ReservedBinPrefix = ".longshore-"

// ReservedBinName reports whether name, the last name of an entry point (its link in
// bin/), begins with ReservedBinPrefix.
func ReservedBinName(name string) bool { return strings.HasPrefix(name, ReservedBinPrefix) }

// ValidVersion reports whether s is a SemVer 2.0.0 version (no leading "v").
func ValidVersion(s string) bool { return semverRE.MatchString(s) }

// Load reads dir/package.yaml, applies defaults and checks what publishing needs.
func Load(dir string) (*Package, error) {
	file := filepath.Join(dir, FileName)
	data, err := os.ReadFile(file)
	if err == nil {
		return Parse(data, file)
	}
	st, serr := os.Stat(dir)
	switch {
	case serr == nil && !st.IsDir():
		// hello/package.yaml for hello: said as pkg-push lint says it, not as
		// "open hello/package.yaml/package.yaml: not a directory".
		return nil, fault.New(fault.Usage, fmt.Errorf("%s is not a directory", dir),
			"give the directory that holds package.yaml, not the file")
	case errors.Is(err, fs.ErrNotExist) && serr != nil:
		// The hint pkg-push lint gives: pkg-push DIR said nothing more.
		return nil, fault.New(fault.NotFound, fmt.Errorf("package directory %s does not exist", dir),
			"give the directory that holds package.yaml, or create one with pkg-push init")
	case errors.Is(err, fs.ErrNotExist):
		return nil, fault.New(fault.NotFound, fmt.Errorf("no %s in %s", FileName, dir),
			"a package directory needs a package.yaml: see docs/package-format.md")
	}
	return nil, err
}

// Parse decodes package.yaml bytes; name is used in messages ("hello/package.yaml:3: …").
func Parse(data []byte, name string) (*Package, error) {
	docs, err := stream.Decode(bytes.NewReader(data), name, Kinds)
	if err != nil {
		return nil, fault.New(fault.Usage, err, "")
	}
	if err := stream.Unknown(docs, "Package"); err != nil {
		return nil, fault.New(fault.Usage, err, "")
	}
	if len(docs) != 1 {
		return nil, fault.Errorf(fault.Usage, "%s: expected one Package document, found %d", name, len(docs))
	}
	p := docs[0].Value.(*Package)
	if err := p.check(name); err != nil {
		return nil, fault.New(fault.Usage, err, "")
	}
	if len(p.Spec.Platforms) == 0 {
		p.Spec.Platforms = map[string]string{AnyPlatform: "."}
	}
	return p, nil
}

// check holds the rules without which a package cannot be published at all; lint
// (pkg-push lint) adds the rest.
func (p *Package) check(file string) error {
	m := p.Metadata
	switch {
	case m.Name == "":
		return fmt.Errorf("%s: metadata.name is required", file)
	case !ValidName(m.Name):
		return fmt.Errorf("%s: metadata.name %q is invalid: use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit", file, m.Name)
	case m.Version == "":
		return fmt.Errorf("%s: metadata.version is required", file)
	case !ValidVersion(m.Version):
		return fmt.Errorf("%s: metadata.version %q is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.2.3, no leading v)", file, m.Version)
	}
	for platform, dir := range p.Spec.Platforms {
		if dir == "" {
			return fmt.Errorf("%s: spec.platforms[%q] names no directory", file, platform)
		}
	}
	return nil
}

// PlatformKeys returns the platform keys in order.
func (p *Package) PlatformKeys() []string {
	keys := make([]string, 0, len(p.Spec.Platforms))
	for k := range p.Spec.Platforms {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// PlaceholderOwner stands in pkg-push init's homepage and source URLs for the GitHub
// owner the publisher fills in (https://github.com/OWNER/NAME); lint warns while it is
// there.
const PlaceholderOwner = "OWNER"

// PlaceholderDescription is the description pkg-push init writes for a package, which
// lint warns about until the publisher says what the package does.
func PlaceholderDescription(name string) string {
	return name + ", a package published with longshore"
}
