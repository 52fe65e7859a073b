package lint

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"longshore.dev/lib/pkgspec"
)

const maxNameLength = 128

func (l *linter) checkMetadata() {
	m := l.m
	if m.metadataLine == 0 {
		return // reported once as a missing metadata
	}
	const file = pkgspec.FileName
	switch {
	case m.name.Bad:
	case m.name.Value == "":
		l.add("required-field", file, lineOr(m.name, m.metadataLine), "metadata.name is missing: add name: %s (lowercase letters, digits, '.', '_' and '-')", suggestName(l.dir))
	default:
		l.checkName(m.name)
	}
	switch {
	case m.version.Bad:
	case m.version.Value == "":
		l.add("required-field", file, lineOr(m.version, m.metadataLine), "metadata.version is missing: add version: 0.1.0 (SemVer: MAJOR.MINOR.PATCH)")
	case !pkgspec.ValidVersion(m.version.Value):
		hint := "write MAJOR.MINOR.PATCH with optional -prerelease and +build, e.g. 1.2.3, 1.2.3-rc.1"
		if v := strings.TrimPrefix(strings.TrimPrefix(m.version.Value, "v"), "V"); v != m.version.Value && pkgspec.ValidVersion(v) {
			hint = "drop the leading v: version: " + v
		} else if parts := strings.Split(m.version.Value, "."); len(parts) < 3 && pkgspec.ValidVersion(m.version.Value+strings.Repeat(".0", 3-len(parts))) {
			hint = "SemVer needs three numbers: version: " + m.version.Value + strings.Repeat(".0", 3-len(parts)) + ` (quote it if YAML reads it as a number)`
		}
		l.add("version", file, m.version.Line, "metadata.version %q is not a semantic version: %s", m.version.Value, hint)
	}
	for _, f := range []struct {
		name string
		s    scalar
		why  string
	}{
		{"description", m.description, "one line shown by search and in the index"},
		{"license", m.license, "an SPDX id such as MIT or Apache-2.0, so users know the terms"},
		{"homepage", m.homepage, "an https:// URL where users read about the package"},
		{"source", m.source, "the https:// URL of the source repository"},
	} {
		if strings.TrimSpace(f.s.Value) == "" && !f.s.Bad {
			l.add("recommended-field", file, lineOr(f.s, m.metadataLine), "metadata.%s is missing: add %s", f.name, f.why)
		}
	}
	l.checkPlaceholders(m.name.Value, []placeholderField{{"description", m.description}, {"homepage", m.homepage}, {"source", m.source}})
	if m.license.Value != "" {
		if problem := checkLicense(m.license.Value); problem != "" {
			l.add("license", file, m.license.Line, "metadata.license %q %s", m.license.Value, problem)
		}
	}
	l.checkURL("homepage", m.homepage)
	l.checkURL("source", m.source)
	l.checkKeywords()
}

type placeholderField struct {
	name string
	s    scalar
}

// checkPlaceholders warns of what pkg-push init wrote for the publisher to replace:
// the stock description, and OWNER in the GitHub URLs. Published as is, they are what
// search results and every index show.
func (l *linter) checkPlaceholders(name string, fields []placeholderField) {
	for _, f := range fields {
		switch {
		case f.name == "description" && name != "" && f.s.Value == pkgspec.PlaceholderDescription(name):
			l.add("placeholder", pkgspec.FileName, f.s.Line, "metadata.description is still the one pkg-push init wrote: say in one line what %s does", name)
		case f.name != "description" && slices.Contains(strings.Split(f.s.Value, "/"), pkgspec.PlaceholderOwner):
			l.add("placeholder", pkgspec.FileName, f.s.Line, "metadata.%s %q still holds the placeholder %s from pkg-push init: write the real URL", f.name, f.s.Value, pkgspec.PlaceholderOwner)
		}
	}
}

// lineOr is the line of s when it is in the file, else fallback.
func lineOr(s scalar, fallback int) int {
	if s.Set {
		return s.Line
	}
	return fallback
}

func (l *linter) checkName(s scalar) {
	name := s.Value
	if pkgspec.ValidName(name) {
		return
	}
	var hint string
	switch {
	case len(name) > maxNameLength:
		hint = "it has " + itoa(len(name)) + " characters; shorten it to at most 128"
	case sanitizeName(name) != "":
		hint = "use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, e.g. name: " + sanitizeName(name)
	default:
		hint = "use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit"
	}
	l.add("name", pkgspec.FileName, s.Line, "metadata.name %q is not a valid package name: %s", name, hint)
}

// SanitizeName turns s into a valid package name (lowercase, invalid characters
// replaced by '-', trimmed to start with a letter or digit), or "" when nothing is
// left. pkg-push init uses it to name a package after its directory.
func SanitizeName(s string) string { return sanitizeName(s) }

func sanitizeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	// Runs of separators become one dash; none at either end.
	out := separatorRun.ReplaceAllString(b.String(), "-")
	out = strings.Trim(out, "._-")
	if len(out) > maxNameLength {
		out = strings.TrimRight(out[:maxNameLength], "._-")
	}
	if !pkgspec.ValidName(out) {
		return ""
	}
	return out
}

var separatorRun = regexp.MustCompile(`[._-]{2,}`)

func suggestName(dir string) string {
	if n := sanitizeName(baseName(dir)); n != "" {
		return n
	}
	return "hello"
}

func (l *linter) checkURL(field string, s scalar) {
	if s.Value == "" {
		return
	}
	bad := func(why string) {
		l.add("url", pkgspec.FileName, s.Line, "metadata.%s %q %s", field, s.Value, why)
	}
	if strings.ContainsFunc(s.Value, unicode.IsSpace) {
		bad("contains spaces: percent-encode them (%20) or remove them")
		return
	}
	u, err := url.Parse(s.Value)
	if err == nil && u.User != nil {
		// Reported whatever else is wrong with the URL: package.yaml is published as
		// is, in the package's annotations and in every index that lists it. The
		// message shows the URL masked (see add).
		bad("holds credentials (user:password@ or TOKEN@): credentials do not belong in package metadata, which anyone who can pull the package reads; remove them, and revoke them if the file was ever committed or published")
	}
	switch {
	case err != nil:
		bad("is not a URL: write an absolute https:// URL, e.g. https://github.com/org/hello")
	case u.Scheme != "http" && u.Scheme != "https":
		if u.Scheme == "" {
			bad("is not an absolute URL: start it with https://")
		} else {
			bad("uses the " + u.Scheme + ": scheme: write an http:// or https:// URL")
		}
	case u.Host == "" || u.Hostname() == "":
		bad("has no host: write https://HOST/PATH")
	}
}

func (l *linter) checkKeywords() {
	seen := map[string]int{}
	for i, k := range l.m.keywords {
		switch {
		case strings.TrimSpace(k.Value) == "":
			l.add("keyword", pkgspec.FileName, k.Line, "metadata.keywords[%d] is empty: remove it", i)
		case strings.ContainsFunc(k.Value, unicode.IsSpace):
			l.add("keyword", pkgspec.FileName, k.Line, "metadata.keywords[%d] %q contains spaces: keywords are single words; split it or join the words with '-'", i, k.Value)
		default:
			key := strings.ToLower(k.Value)
			if first, dup := seen[key]; dup {
				l.add("keyword", pkgspec.FileName, k.Line, "metadata.keywords lists %q twice (first on line %d): remove one", k.Value, first)
				continue
			}
			seen[key] = k.Line
		}
	}
}
