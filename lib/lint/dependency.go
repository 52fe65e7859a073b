package lint

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/Masterminds/semver/v3"

	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/ref"
)

// depName returns the name a dependency is known by in ${deps.NAME.installPath}: the
// package name without its tap, or the last component of a ref's repository.
func depName(d depEntry) string {
	if d.name.Value != "" {
		_, bare, tapped := strings.Cut(d.name.Value, "/")
		if !tapped {
			return d.name.Value
		}
		return bare
	}
	if r, err := ref.ParseArtifact(d.ref.Value); err == nil && r.Kind == ref.Remote {
		return path.Base(r.Repository)
	}
	return ""
}

func (l *linter) checkDependencies() {
	const file = pkgspec.FileName
	seen := map[string]int{} // "name:tap/x" or "ref:registry/repo" → line
	for i, d := range l.m.deps {
		where := fmt.Sprintf("spec.dependencies[%d]", i)
		var key string
		switch {
		case d.name.Value != "" && d.ref.Value != "":
			l.add("dependency", file, d.line, "%s has both name (%s) and ref (%s): keep name to resolve through taps, or ref to use a repository's tags, not both", where, d.name.Value, d.ref.Value)
			continue
		case d.name.Value == "" && d.ref.Value == "":
			l.add("dependency", file, d.line, "%s has neither name nor ref: write {name: libgreet, version: \"^1.0\"} or {ref: ghcr.io/org/libgreet, version: \"^1.0\"}", where)
			continue
		case d.name.Value != "":
			if problem := depNameProblem(d.name.Value); problem != "" {
				l.add("dependency", file, d.name.Line, "%s.name %q %s", where, d.name.Value, problem)
				continue
			}
			key = "name:" + d.name.Value
			if self := l.m.name.Value; self != "" && depName(d) == self {
				l.add("dependency", file, d.name.Line, "%s names the package itself (%s): remove it; a package cannot depend on itself", where, self)
				continue
			}
		default:
			r, err := ref.ParseArtifact(d.ref.Value)
			switch {
			case err != nil:
				reason := err.Error()
				var se *ref.SyntaxError
				if errors.As(err, &se) {
					reason = se.Reason
				}
				l.add("dependency", file, d.ref.Line, "%s.ref %q is not a repository: %s", where, d.ref.Value, reason)
				continue
			case r.Kind != ref.Remote:
				l.add("dependency", file, d.ref.Line, "%s.ref %q is a local layout: a published package can only depend on a registry repository such as ghcr.io/org/libgreet", where, d.ref.Value)
				continue
			case r.Tag != "" || r.Digest != "":
				l.add("dependency", file, d.ref.Line, "%s.ref %q names a tag or digest: give the repository only (%s) and the versions in version", where, d.ref.Value, r.Locator())
				continue
			}
			key = "ref:" + r.Locator()
		}
		if first, dup := seen[key]; dup {
			l.add("dependency", file, d.line, "%s repeats the dependency on line %d: merge them into one entry with one version constraint", where, first)
			continue
		}
		seen[key] = d.line
		if v := strings.TrimSpace(d.version.Value); v != "" {
			if _, err := semver.NewConstraint(v); err != nil {
				l.add("dependency", file, d.version.Line, "%s.version %q is not a version constraint (%v): write e.g. \"^1.2\", \"~1.2.3\", \">=2 <3\" or \"1.2.3\"", where, d.version.Value, err)
			}
		}
	}
}

// depNameProblem says what is wrong with a dependency's name: NAME or TAP/NAME.
func depNameProblem(name string) string {
	if strings.Contains(name, "@") {
		return "has '@': put the constraint in version, e.g. {name: " + strings.SplitN(name, "@", 2)[0] + ", version: \"" + strings.SplitN(name, "@", 2)[1] + "\"}"
	}
	parts := strings.Split(name, "/")
	if len(parts) > 2 {
		return "has more than one '/': a name is NAME or TAP/NAME; for a repository use ref: instead of name:"
	}
	if len(parts) == 2 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		return "starts with a registry host: write ref: " + name + " for a repository, or name: TAP/NAME for a package from a tap"
	}
	for _, p := range parts {
		if !pkgspec.ValidName(p) {
			return "is not NAME or TAP/NAME: names use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit"
		}
	}
	return ""
}
