package lint

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"longshore.dev/lib/internal/textdist"
)

var (
	//go:embed spdx-licenses.txt
	spdxLicenseList string
	//go:embed spdx-exceptions.txt
	spdxExceptionList string

	spdxLicenses   = loadIDs(spdxLicenseList)
	spdxExceptions = loadIDs(spdxExceptionList)
)

// deprecatedLicenses are valid but deprecated SPDX ids, with what to write instead.
var deprecatedLicenses = map[string]string{
	"GPL-2.0":  "GPL-2.0-only or GPL-2.0-or-later",
	"GPL-3.0":  "GPL-3.0-only or GPL-3.0-or-later",
	"LGPL-2.0": "LGPL-2.0-only or LGPL-2.0-or-later",
	"LGPL-2.1": "LGPL-2.1-only or LGPL-2.1-or-later",
	"LGPL-3.0": "LGPL-3.0-only or LGPL-3.0-or-later",
	"AGPL-3.0": "AGPL-3.0-only or AGPL-3.0-or-later",
}

// loadIDs maps the lowercased ids of a list (one per line, # comments) to their
// canonical spelling.
func loadIDs(list string) map[string]string {
	ids := map[string]string{}
	for _, line := range strings.Split(list, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			ids[strings.ToLower(line)] = line
		}
	}
	return ids
}

var (
	idString   = regexp.MustCompile(`^[A-Za-z0-9.-]+$`)
	licenseRef = regexp.MustCompile(`^(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$`)
)

// checkLicense checks an SPDX license expression: ids, LicenseRef-…, "+", AND, OR,
// WITH and parentheses. It returns "" when the expression is fine, else what to fix.
func checkLicense(expr string) string {
	p := &spdxParser{toks: tokenizeSPDX(expr)}
	if len(p.toks) == 0 {
		return "is empty: write an SPDX id such as MIT"
	}
	p.expression()
	if p.problem == "" && p.pos < len(p.toks) {
		p.fail("unexpected %q", p.toks[p.pos])
	}
	if p.problem != "" {
		if s := closestLicense(expr); s != "" && !strings.ContainsAny(expr, "()") {
			return fmt.Sprintf("is not an SPDX license id or expression: did you mean %q? (ids are listed at https://spdx.org/licenses/)", s)
		}
		return p.problem
	}
	return strings.Join(p.notes, "; ")
}

func tokenizeSPDX(s string) []string {
	var toks []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r':
			flush()
		case '(', ')':
			flush()
			toks = append(toks, string(r))
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return toks
}

// spdxParser is a recursive-descent parser of SPDX license expressions (SPDX 2.3,
// annex D): OR binds loosest, then AND, then WITH.
type spdxParser struct {
	toks    []string
	pos     int
	problem string   // the syntax error, fatal
	notes   []string // unknown or deprecated ids, reported together
	depth   int
}

const spdxSyntax = "write an SPDX expression such as MIT, Apache-2.0 OR MIT, GPL-2.0-or-later WITH Classpath-exception-2.0"

func (p *spdxParser) fail(format string, args ...any) {
	if p.problem == "" {
		p.problem = fmt.Sprintf("is not a valid SPDX expression: %s; %s", fmt.Sprintf(format, args...), spdxSyntax)
	}
}

func (p *spdxParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *spdxParser) operator(op string) bool {
	t := p.peek()
	if t == op {
		p.pos++
		return true
	}
	if strings.EqualFold(t, op) {
		p.fail("operator %q must be written %s", t, op)
	}
	return false
}

func (p *spdxParser) expression() {
	p.and()
	for p.problem == "" && p.operator("OR") {
		p.and()
	}
}

func (p *spdxParser) and() {
	p.with()
	for p.problem == "" && p.operator("AND") {
		p.with()
	}
}

func (p *spdxParser) with() {
	p.primary()
	if p.problem == "" && p.operator("WITH") {
		t := p.peek()
		if t == "" || t == "(" || t == ")" {
			p.fail("WITH needs an exception id after it")
			return
		}
		p.pos++
		if canonical, ok := spdxExceptions[strings.ToLower(t)]; !ok {
			p.notes = append(p.notes, fmt.Sprintf("uses the unknown exception %q: check its spelling at https://spdx.org/licenses/exceptions-index.html", t))
		} else if canonical != t {
			p.notes = append(p.notes, fmt.Sprintf("spells %q differently from SPDX: write %q", t, canonical))
		}
	}
}

func (p *spdxParser) primary() {
	t := p.peek()
	switch {
	case p.problem != "":
		return
	case t == "":
		p.fail("it ends where a license id is expected")
	case t == "(":
		p.depth++
		if p.depth > 50 {
			p.fail("parentheses nest too deeply")
			return
		}
		p.pos++
		p.expression()
		if p.problem == "" && !p.closing() {
			p.fail("a '(' is not closed")
		}
		p.depth--
	case t == ")":
		p.fail("unexpected ')'")
	case t == "AND" || t == "OR" || t == "WITH":
		p.fail("%s needs a license id before it", t)
	default:
		p.pos++
		p.license(t)
	}
}

func (p *spdxParser) closing() bool {
	if p.peek() == ")" {
		p.pos++
		return true
	}
	return false
}

func (p *spdxParser) license(t string) {
	id := strings.TrimSuffix(t, "+")
	switch {
	case licenseRef.MatchString(id):
		return
	case strings.HasPrefix(strings.ToLower(id), "licenseref-") || strings.HasPrefix(strings.ToLower(id), "documentref-"):
		p.fail("%q is not LicenseRef-ID (letters, digits, '.' and '-')", t)
		return
	case !idString.MatchString(id):
		p.fail("%q is not a license id (letters, digits, '.' and '-')", t)
		return
	}
	canonical, known := spdxLicenses[strings.ToLower(id)]
	switch {
	case !known:
		note := fmt.Sprintf("uses %q, which is not a known SPDX license id", id)
		if s := closestLicense(id); s != "" {
			note += fmt.Sprintf(" (did you mean %q?)", s)
		}
		p.notes = append(p.notes, note+": check https://spdx.org/licenses/, or write LicenseRef-"+id+" for a license of your own")
	case canonical != id:
		p.notes = append(p.notes, fmt.Sprintf("spells %q differently from SPDX: write %q", id, canonical))
	case deprecatedLicenses[id] != "":
		p.notes = append(p.notes, fmt.Sprintf("uses the deprecated SPDX id %q: write %s", id, deprecatedLicenses[id]))
	}
}

// closestLicense suggests a known id for a misspelt one ("Apache 2" → "Apache-2.0").
func closestLicense(id string) string {
	norm := func(s string) string {
		return strings.NewReplacer("-", "", ".", "", " ", "", "_", "").Replace(strings.ToLower(s))
	}
	n := norm(id)
	best, bestDist := "", 3
	ids := make([]string, 0, len(spdxLicenses))
	for _, c := range spdxLicenses {
		ids = append(ids, c)
	}
	slices.Sort(ids)
	for _, c := range ids {
		cn := norm(c)
		if cn == n || cn == n+"0" || cn == n+"00" {
			return c
		}
		if d := textdist.Levenshtein(n, cn); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}
