package pkgspec

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// The checks of this file are the package.yaml field rules that a document other than
// package.yaml must follow too: an index entry carries a package's platforms,
// dependencies, licence and homepage, and a wrong one there breaks installs the same
// way. Each takes the field's name as the message should show it ("license",
// "versions[0].platforms[1].platform") and returns nil or an error naming the field.

// knownOS and knownArch are Go's GOOS and GOARCH values, which OCI platforms use.
var (
	knownOS = []string{"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js",
		"linux", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos"}
	knownArch = []string{"386", "amd64", "arm", "arm64", "loong64", "mips", "mips64", "mips64le", "mipsle",
		"ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm"}
)

var (
	// osAliases and archAliases are names other tools use, with Go's name for them.
	osAliases   = map[string]string{"macos": "darwin", "osx": "darwin", "mac": "darwin", "win": "windows", "win32": "windows", "win64": "windows"}
	archAliases = map[string]string{"x86_64": "amd64", "x86-64": "amd64", "x64": "amd64", "amd": "amd64", "aarch64": "arm64",
		"armv8": "arm64", "i386": "386", "i686": "386", "x86": "386", "armhf": "arm", "armv7": "arm/v7", "armv7l": "arm/v7", "armv6": "arm/v6"}
	variantRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.]*$`)
)

// CheckPlatform checks a platform key: "any", or os/arch[/variant] in lowercase with
// Go's names (linux/amd64, not linux/x86_64).
func CheckPlatform(field, key string) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s %q %s", field, key, fmt.Sprintf(format, args...))
	}
	if key == AnyPlatform {
		return nil
	}
	parts := strings.Split(key, "/")
	if len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
		return bad("is not os/arch[/variant]: write e.g. linux/amd64, linux/arm64, linux/arm/v7, or %s for platform-independent content", AnyPlatform)
	}
	if lower := strings.ToLower(key); lower != key {
		return bad("has upper-case letters: write %s", lower)
	}
	osName, arch := parts[0], parts[1]
	if !slices.Contains(knownOS, osName) {
		if alias, ok := osAliases[osName]; ok {
			return bad("uses %q for the operating system: OCI platforms use Go's names, write %s", osName, strings.Replace(key, osName, alias, 1))
		}
		return bad("has an unknown operating system %q: use one of %s", osName, strings.Join(knownOS, ", "))
	}
	if !slices.Contains(knownArch, arch) {
		if alias, ok := archAliases[arch]; ok {
			return bad("uses %q for the architecture: OCI platforms use Go's names, write %s/%s", arch, osName, alias)
		}
		return bad("has an unknown architecture %q: use one of %s", arch, strings.Join(knownArch, ", "))
	}
	if len(parts) == 3 && !variantRE.MatchString(parts[2]) {
		return bad("has an invalid variant %q: variants are like v7 (arm), v8 (arm64), v2 (amd64)", parts[2])
	}
	return nil
}

// CheckDependencyName checks a dependency's name: NAME or TAP/NAME, without a
// constraint and without a registry host (a repository goes in ref).
func CheckDependencyName(field, name string) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s %q %s", field, name, fmt.Sprintf(format, args...))
	}
	if before, after, ok := strings.Cut(name, "@"); ok {
		return bad("has '@': put the constraint in version, e.g. {name: %s, version: %q}", before, after)
	}
	parts := strings.Split(name, "/")
	if len(parts) > 2 {
		return bad("has more than one '/': a name is NAME or TAP/NAME; for a repository use ref instead of name")
	}
	if len(parts) == 2 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		return bad("starts with a registry host: write ref: %s for a repository, or name: TAP/NAME for a package from a tap", name)
	}
	for _, p := range parts {
		if !ValidName(p) {
			return bad("is not NAME or TAP/NAME: names use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit")
		}
	}
	return nil
}

// CheckURL checks a homepage or source URL: absolute http(s), with a host, no spaces
// and no credentials. A URL with credentials is not repeated in the error.
func CheckURL(field, s string) error {
	bad := func(why string) error { return fmt.Errorf("%s %q %s", field, s, why) }
	u, err := url.Parse(s)
	switch {
	case err == nil && u.User != nil:
		return fmt.Errorf("%s has credentials in it (USER:PASSWORD@): remove them, the URL is published", field)
	case err != nil || u.Scheme == "" || u.Opaque != "":
		return bad("is not an absolute http(s) URL: write e.g. https://github.com/org/hello")
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("uses the " + u.Scheme + ": scheme: write an http:// or https:// URL")
	case strings.ContainsFunc(s, unicode.IsSpace):
		return bad("contains spaces: percent-encode them (%20) or remove them")
	case u.Hostname() == "":
		return bad("has no host: write https://HOST/PATH")
	}
	return nil
}

// spdxIDRE and spdxRefRE are the shapes of an SPDX license id and a LicenseRef.
var (
	spdxIDRE  = regexp.MustCompile(`^[A-Za-z0-9.-]+\+?$`)
	spdxRefRE = regexp.MustCompile(`^(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$`)
)

// CheckLicense checks that expr reads as an SPDX license expression (SPDX 2.3 annex
// D): ids and LicenseRef-… joined by AND, OR and WITH, in parentheses. Only the shape
// is checked, not that an id is on the SPDX list: "MIT" and "Proprietary" pass,
// "Not A License" and "MIT or Apache" do not.
func CheckLicense(field, expr string) error {
	p := &spdxShape{toks: strings.Fields(strings.NewReplacer("(", " ( ", ")", " ) ").Replace(expr))}
	if len(p.toks) == 0 {
		return fmt.Errorf("%s is empty: write an SPDX id such as MIT, or leave it out", field)
	}
	p.expression(0)
	if p.problem == "" && p.pos < len(p.toks) {
		p.problem = fmt.Sprintf("unexpected %q", p.toks[p.pos])
	}
	if p.problem != "" {
		return fmt.Errorf("%s %q is not an SPDX license expression: %s; write e.g. MIT, Apache-2.0 OR MIT, GPL-2.0-or-later WITH Classpath-exception-2.0, or LicenseRef-NAME for a license of your own", field, expr, p.problem)
	}
	return nil
}

// spdxShape is a recursive-descent reader of the SPDX expression grammar: OR binds
// loosest, then AND, then WITH.
type spdxShape struct {
	toks    []string
	pos     int
	problem string
}

func (p *spdxShape) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

// operator consumes op if it is next; the operators are upper case.
func (p *spdxShape) operator(op string) bool {
	switch t := p.peek(); {
	case t == op:
		p.pos++
		return true
	case strings.EqualFold(t, op) && p.problem == "":
		p.problem = fmt.Sprintf("operator %q must be written %s", t, op)
	}
	return false
}

func (p *spdxShape) expression(depth int) {
	for p.term(depth); p.problem == "" && p.operator("OR"); {
		p.term(depth)
	}
}

func (p *spdxShape) term(depth int) {
	for p.with(depth); p.problem == "" && p.operator("AND"); {
		p.with(depth)
	}
}

func (p *spdxShape) with(depth int) {
	p.primary(depth)
	if p.problem == "" && p.operator("WITH") {
		if t := p.peek(); !spdxIDRE.MatchString(t) || strings.HasSuffix(t, "+") {
			p.problem = "WITH needs an exception id after it"
			return
		}
		p.pos++
	}
}

func (p *spdxShape) primary(depth int) {
	t := p.peek()
	switch {
	case p.problem != "":
	case t == "":
		p.problem = "it ends where a license id is expected"
	case t == "(":
		if depth >= 50 {
			p.problem = "parentheses nest too deeply"
			return
		}
		p.pos++
		p.expression(depth + 1)
		if p.problem == "" {
			if p.peek() != ")" {
				p.problem = "a '(' is not closed"
				return
			}
			p.pos++
		}
	case t == ")":
		p.problem = "unexpected ')'"
	case t == "AND" || t == "OR" || t == "WITH":
		p.problem = t + " needs a license id before it"
	case spdxRefRE.MatchString(t), spdxIDRE.MatchString(t) && !strings.HasPrefix(strings.ToLower(t), "licenseref-"):
		p.pos++
	default:
		p.problem = fmt.Sprintf("%q is not a license id (letters, digits, '.' and '-') or LicenseRef-NAME", t)
	}
}
