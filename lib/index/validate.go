package index

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"longshore.dev/lib/api"
	"longshore.dev/lib/artifact"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/stream"
	"longshore.dev/lib/version"
)

// problem is what is wrong with an entry, and where in it.
type problem struct {
	pkg     string // "hello", "hello@1.2.3" for a field of one version, "" without a name
	version int    // the index in Versions of the version at fault, -1 for a package field
	path    []any  // the field below the package or version: "dependencies", 1, "ref"
	err     error  // what is wrong, naming the field
}

// Validate checks an entry before it is published: what every reader of the index
// relies on, and that its fields are what a package.yaml may hold (platforms with Go's
// names, dependencies in package.yaml's syntax, an http(s) homepage, an SPDX licence).
// Whether a dependency exists is not checked: see UnlistedDependencies. where names
// the entry in errors ("entries/hello.yaml:3"); errors are Usage faults naming the
// package, the version and the field.
func (p *Package) Validate(where string) error {
	if pr := p.check(true); pr != nil {
		return pr.fault(where)
	}
	return nil
}

// validateLogged checks an entry read from the entry log: only what readers rely on.
// The field rules of Validate are the publisher's to apply; an entry that an older
// publisher logged and merges itself must not be dropped by a newer one merging the
// same log.
func (p *Package) validateLogged(where string) error {
	if pr := p.check(false); pr != nil {
		return pr.fault(where)
	}
	return nil
}

// validateDoc is Validate for p as decoded from d: the error names the line of the
// field at fault when the document has it, else the document's first line. Call it
// before Normalize, which reorders versions, platforms and dependencies.
func validateDoc(p *Package, d stream.Doc) error {
	pr := p.check(true)
	if pr == nil {
		return nil
	}
	path := pr.path
	if pr.version >= 0 && d.Kind != "Published" { // a Published document is one version, at its top level
		path = append([]any{"versions", pr.version}, path...)
	}
	return pr.fault(atLine(d.Source, lineOf(d.Raw, path)))
}

func (pr *problem) fault(where string) error {
	at := ""
	if where != "" {
		at = where + ": "
	}
	if pr.pkg == "" {
		return fault.Errorf(fault.Usage, "%s%v", at, pr.err)
	}
	return fault.Errorf(fault.Usage, "%spackage %s: %v", at, pr.pkg, pr.err)
}

// check returns the first problem of p, or nil. strict adds the field rules of
// Validate to what readers rely on.
func (p *Package) check(strict bool) *problem {
	bad := func(path []any, format string, args ...any) *problem {
		return &problem{pkg: p.Name, version: -1, path: path, err: fmt.Errorf(format, args...)}
	}
	if p.Name == "" {
		return &problem{version: -1, path: []any{"name"}, err: errors.New("package has no name")}
	}
	if !pkgspec.ValidName(p.Name) {
		return &problem{version: -1, path: []any{"name"}, err: fmt.Errorf("package name %q is invalid: use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit", p.Name)}
	}
	if err := ValidRepository(p.Repository); err != nil {
		return bad([]any{"repository"}, "%w", err)
	}
	if strict && p.Homepage != "" {
		if err := pkgspec.CheckURL("homepage", p.Homepage); err != nil {
			return bad([]any{"homepage"}, "%w", err)
		}
	}
	if strict && p.License != "" {
		if err := pkgspec.CheckLicense("license", p.License); err != nil {
			return bad([]any{"license"}, "%w", err)
		}
	}
	if len(p.Versions) == 0 {
		return &problem{version: -1, path: []any{"versions"}, err: fmt.Errorf("package %s has no versions", p.Name)}
	}
	seen := map[string]bool{}
	for i, v := range p.Versions {
		if !pkgspec.ValidVersion(v.Version) {
			pr := bad([]any{"version"}, "version %q is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.2.3, no leading v)", v.Version)
			pr.version = i
			return pr
		}
		if seen[v.Version] {
			pr := bad([]any{"version"}, "version %s is listed twice", v.Version)
			pr.version = i
			return pr
		}
		seen[v.Version] = true
		if path, err := v.check(strict); err != nil {
			return &problem{pkg: p.Name + "@" + v.Version, version: i, path: path, err: err}
		}
	}
	return nil
}

// check returns the first problem of one version's fields and the path to it.
func (v *Version) check(strict bool) ([]any, error) {
	if err := api.CheckDigest(v.Digest); err != nil {
		return []any{"digest"}, fmt.Errorf("digest: %w", err)
	}
	for j, pl := range v.Platforms {
		field := fmt.Sprintf("platforms[%d]", j)
		if err := pkgspec.CheckPlatform(field+".platform", pl.Platform); err != nil && (strict || !isPlatformShape(pl.Platform)) {
			return []any{"platforms", j, "platform"}, err
		}
		if err := api.CheckDigest(pl.Digest); err != nil {
			return []any{"platforms", j, "digest"}, fmt.Errorf("%s.digest (%s): %w", field, pl.Platform, err)
		}
	}
	for k, d := range v.Dependencies {
		field := fmt.Sprintf("dependencies[%d]", k)
		path := []any{"dependencies", k}
		switch {
		case (d.Name == "") == (d.Ref == ""):
			return path, fmt.Errorf("%s needs exactly one of name and ref: {name: libgreet, version: \"^1.0\"} resolves through taps, {ref: ghcr.io/org/libgreet, version: \"^1.0\"} uses a repository's tags", field)
		case !strict:
			continue
		case d.Name != "":
			if err := pkgspec.CheckDependencyName(field+".name", d.Name); err != nil {
				return append(path, "name"), err
			}
		default:
			if err := checkDependencyRef(field+".ref", d.Ref); err != nil {
				return append(path, "ref"), err
			}
		}
		if _, err := version.ParseConstraint(d.Version); err != nil {
			return append(path, "version"), fmt.Errorf("%s.version: %w", field, err)
		}
	}
	return nil, nil
}

// isPlatformShape reports whether key is "any" or os/arch[/variant] with any names:
// what readers of the index need to match a platform.
func isPlatformShape(key string) bool {
	if key == pkgspec.AnyPlatform {
		return true
	}
	_, err := artifact.ParsePlatform(key)
	return err == nil
}

// checkDependencyRef checks a dependency's ref: a repository, as ValidRepository.
func checkDependencyRef(field, s string) error {
	r, err := ref.ParseArtifact(s)
	switch {
	case err != nil:
		return fmt.Errorf("%s %q is not a repository reference: %s", field, ref.Redact(s), syntaxReason(err))
	case r.Tag != "" || r.Digest != "":
		return fmt.Errorf("%s %q names a tag or digest: give the repository only (%s) and the versions in version", field, s, r.Locator())
	case r.Kind == ref.Layout && !strings.HasPrefix(r.Path, "/"):
		return fmt.Errorf("%s %q is a relative layout path: use an absolute ocidir:// path", field, s)
	}
	return nil
}

// syntaxReason is what is wrong with a reference, without the grammar that a
// *ref.SyntaxError's message ends with.
func syntaxReason(err error) string {
	var se *ref.SyntaxError
	if errors.As(err, &se) {
		return se.Reason
	}
	return err.Error()
}

// ValidRepository checks that s is where a package lives: a remote repository
// (REGISTRY/REPO, no tag or digest) or a local layout (ocidir://ABSPATH).
func ValidRepository(s string) error {
	if s == "" {
		return fmt.Errorf("repository is empty")
	}
	r, err := ref.ParseArtifact(s)
	if err != nil {
		return fmt.Errorf("repository %q is not a valid reference: %s", ref.Redact(s), syntaxReason(err))
	}
	if r.Tag != "" || r.Digest != "" {
		return fmt.Errorf("repository %q names a tag or digest: give the repository alone", s)
	}
	if r.Kind == ref.Layout && !strings.HasPrefix(r.Path, "/") {
		return fmt.Errorf("repository %q is a relative layout path: use an absolute ocidir:// path", s)
	}
	return nil
}

// lineOf returns the line of the field at path ("versions", 0, "platforms", 1,
// "platform") in a decoded document, or of the deepest part of the path the document
// has (a missing field is reported at its parent), or 0.
func lineOf(doc *yaml.Node, path []any) int {
	n := doc
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, step := range path {
		n = stream.Deref(n)
		if n == nil {
			break
		}
		var next *yaml.Node
		switch s := step.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if k := stream.Deref(n.Content[i]); k != nil && k.Value == s {
						next = n.Content[i+1]
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && s < len(n.Content) {
				next = n.Content[s]
			}
		}
		if next == nil {
			break
		}
		n, line = next, next.Line
	}
	return line
}

// atLine replaces the line of a stream source ("entries/hello.yaml:1") with line,
// when there is one.
func atLine(source string, line int) string {
	i := strings.LastIndexByte(source, ':')
	if line <= 0 || i < 0 {
		return source
	}
	if _, err := strconv.Atoi(source[i+1:]); err != nil {
		return source
	}
	return source[:i+1] + strconv.Itoa(line)
}

// checkPortable refuses entries that only this machine can install from when the index
// is in a registry: other machines read it, and a layout path means nothing there. An
// index in a layout may point at layouts.
func checkPortable(index ref.Ref, pkgs []Package) error {
	if index.Kind != ref.Remote {
		return nil
	}
	refuse := func(what, layout string) error {
		return fault.New(fault.Usage,
			fmt.Errorf("%s is the local OCI layout %s, and the index %s is in a registry: no other machine can install from it", what, layout, index.Locator()),
			"push the package to a registry and add what pkg-push prints (pkg-push DIR --to REGISTRY/REPO -o yaml | pkg-tap index add -f - --to "+index.Locator()+"), or publish this index to a layout too (--to ocidir://PATH)")
	}
	for _, p := range pkgs {
		if strings.HasPrefix(p.Repository, "ocidir://") {
			return refuse("package "+p.Name+": repository", p.Repository)
		}
		for _, v := range p.Versions {
			for k, d := range v.Dependencies {
				if strings.HasPrefix(d.Ref, "ocidir://") {
					return refuse(fmt.Sprintf("package %s@%s: dependencies[%d].ref", p.Name, v.Version, k), d.Ref)
				}
			}
		}
	}
	return nil
}
