package lint

import "longshore.dev/lib/api"

// Rule is one check: a stable id (kebab-case; scripts and docs may rely on it), the
// severity of its findings, and what it checks. docs/lint-rules.md describes each.
type Rule struct {
	ID       string
	Severity string
	Checks   string
}

// Rules lists every rule, in the order docs/lint-rules.md describes them.
var Rules = []Rule{
	{"manifest", api.SeverityError, "package.yaml exists and holds one Package document: apiVersion longshore.dev/v1alpha1, kind Package"},
	{"yaml", api.SeverityError, "package.yaml is valid YAML"},
	{"schema", api.SeverityError, "only known fields, each of the right type, no key twice"},
	{"required-field", api.SeverityError, "metadata.name and metadata.version are set"},
	{"recommended-field", api.SeverityWarning, "metadata.description, license, homepage and source are set"},
	{"placeholder", api.SeverityWarning, "metadata.description, homepage and source are not what pkg-push init wrote in their place"},
	{"name", api.SeverityError, "metadata.name is lower-case letters and digits separated by ., _, __ or dashes, at most 128 characters"},
	{"version", api.SeverityError, "metadata.version is a SemVer 2.0.0 version without a leading v"},
	{"license", api.SeverityWarning, "metadata.license is a known SPDX license id or expression"},
	{"url", api.SeverityError, "metadata.homepage and source are absolute http(s) URLs without credentials"},
	{"keyword", api.SeverityWarning, "metadata.keywords are non-empty single words, each once"},
	{"dependency", api.SeverityError, "each dependency has exactly one of name and ref, a valid version constraint, is not the package itself and is listed once"},
	{"platform", api.SeverityError, "spec.platforms keys are any or os/arch[/variant] and name existing content directories"},
	{"bin", api.SeverityError, "spec.bin entries exist in every platform's content, are files inside it and are executable"},
	{"env", api.SeverityError, "spec.env entries have valid names, known ops and only known ${…} variables"},
	{"ignore", api.SeverityError, ".pkgignore holds valid patterns"},
	{"content-path", api.SeverityError, "no path leaves the package directory; content names are printable"},
	{"content-symlink", api.SeverityError, "no symlink in the content is absolute or points outside it"},
	{"content-broken-symlink", api.SeverityWarning, "every symlink in the content points at something the package holds"},
	{"content-case", api.SeverityWarning, "no two content names differ only in case, where a platform installs on a filesystem that folds case"},
	{"content-special", api.SeverityError, "no device files, named pipes or sockets in the content"},
	{"content-setuid", api.SeverityError, "no setuid or setgid bits in the content"},
	{"content-size", api.SeverityError, "files, total content and entry counts stay within the limits"},
}

// severity returns the severity of rule's findings; an id missing from Rules is a
// programming mistake that the tests catch, reported as an error meanwhile.
func severity(rule string) string {
	for _, r := range Rules {
		if r.ID == rule {
			return r.Severity
		}
	}
	return api.SeverityError
}
