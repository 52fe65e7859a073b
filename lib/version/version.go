// Package version owns semantic versions and version constraints: the one wrapper over
// github.com/Masterminds/semver/v3, so every binary parses, matches and sorts versions
// the same way.
//
// Versions are strict SemVer 2.0.0 ("1.2.3", "1.2.3-rc.1+build.5"; no "v", no missing
// parts). OCI tags cannot hold '+', so a version's tag writes it as '_' (FromTag, Tag).
//
// Constraints are Masterminds' syntax: exact ("1.2.3", "=1.2.3"), comparisons
// (">=1.2 <2"), caret ("^1.2"), tilde ("~1.2.3"), wildcards ("1.x"), hyphen ranges
// ("1.2 - 1.4") and alternatives ("^1 || ^2"). A pre-release matches only a
// constraint that names a pre-release in the same "||" alternative (">=1.0.0-0" lets
// pre-releases of the range in; "^1" never matches 1.5.0-rc.1).
package version

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Version is a strict semantic version.
type Version struct {
	sv *semver.Version
}

// Parse reads a strict SemVer 2.0.0 version.
func Parse(s string) (*Version, error) {
	sv, err := semver.StrictNewVersion(s)
	if err != nil {
		return nil, fmt.Errorf("version %q is not semantic (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], e.g. 1.2.3): %w", s, err)
	}
	return &Version{sv: sv}, nil
}

// Problem says what keeps s from being a strict SemVer 2.0.0 version, and how to write
// it where that is clear, for messages: "01 has a leading zero…: write 1.0.0". It is
// "" when s is a version.
func Problem(s string) string {
	const syntax = "write MAJOR.MINOR.PATCH with optional -PRERELEASE and +BUILD, e.g. 1.2.3 or 1.2.3-rc.1"
	if _, err := Parse(s); err == nil {
		return ""
	}
	if s == "" {
		return "it is empty: " + syntax
	}
	if t := s[1:]; (s[0] == 'v' || s[0] == 'V') && Problem(t) == "" {
		return "drop the leading v: write " + t
	}
	rest, build, hasBuild := strings.Cut(s, "+")
	core, pre, hasPre := strings.Cut(rest, "-")
	nums := strings.Split(core, ".")
	for _, n := range nums {
		if n == "" || strings.Trim(n, "0123456789") != "" {
			return fmt.Sprintf("MAJOR.MINOR.PATCH are numbers, and %q is not: %s", n, syntax)
		}
	}
	if len(nums) != 3 {
		hint := syntax
		if padded := core + strings.Repeat(".0", max(0, 3-len(nums))) + s[len(core):]; len(nums) < 3 && Problem(padded) == "" {
			hint = "write " + padded
		}
		count := fmt.Sprintf("%d numbers", len(nums))
		if len(nums) == 1 {
			count = "one number"
		}
		return fmt.Sprintf("it has %s where SemVer has three, MAJOR.MINOR.PATCH: %s", count, hint)
	}
	for _, n := range nums {
		if len(n) > 1 && n[0] == '0' {
			fixed := make([]string, 3)
			for i, m := range nums {
				if fixed[i] = strings.TrimLeft(m, "0"); fixed[i] == "" {
					fixed[i] = "0"
				}
			}
			hint := ""
			if f := strings.Join(fixed, ".") + s[len(core):]; Problem(f) == "" {
				hint = ": write " + f
			}
			return fmt.Sprintf("%s has a leading zero, which SemVer does not allow in a number%s", n, hint)
		}
	}
	if hasPre {
		for id := range strings.SplitSeq(pre, ".") {
			switch {
			case id == "":
				return fmt.Sprintf("the pre-release %q has an empty part (a dot at an end, or two together)", pre)
			case strings.Trim(id, identChars) != "":
				return fmt.Sprintf("the pre-release %q holds characters other than letters, digits, '-' and '.'", pre)
			case len(id) > 1 && id[0] == '0' && strings.Trim(id, "0123456789") == "":
				return fmt.Sprintf("the pre-release part %s is a number with a leading zero, which SemVer does not allow", id)
			}
		}
	}
	if hasBuild {
		for id := range strings.SplitSeq(build, ".") {
			switch {
			case id == "":
				return fmt.Sprintf("the build metadata %q has an empty part (a dot at an end, or two together)", build)
			case strings.Trim(id, identChars) != "":
				return fmt.Sprintf("the build metadata %q holds characters other than letters, digits, '-' and '.'", build)
			}
		}
	}
	return syntax
}

// identChars are the characters of a pre-release or build identifier.
const identChars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-"

// MustParse is Parse for constants and tests; it panics on an invalid version.
func MustParse(s string) *Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// FromTag reads a version from an OCI tag, where '+' is written as '_'.
func FromTag(tag string) (*Version, error) {
	return Parse(strings.ReplaceAll(tag, "_", "+"))
}

// String is the version as semver writes it ("1.2.3+build").
func (v *Version) String() string { return v.sv.String() }

// Tag is the version as an OCI tag ("1.2.3_build").
func (v *Version) Tag() string { return strings.ReplaceAll(v.sv.String(), "+", "_") }

// Prerelease reports whether v is a pre-release (1.0.0-rc.1).
func (v *Version) Prerelease() bool { return v.sv.Prerelease() != "" }

// Release is the release v leads up to: 2.0.0 for 2.0.0-beta.1 and 2.0.0+b1.
func (v *Version) Release() *Version {
	sv := semver.New(v.sv.Major(), v.sv.Minor(), v.sv.Patch(), "", "")
	return &Version{sv: sv}
}

// Compare orders versions by semver precedence, then by build metadata as text so
// that versions differing only in metadata still sort the same way every time.
func (v *Version) Compare(o *Version) int {
	if c := v.sv.Compare(o.sv); c != 0 {
		return c
	}
	return cmp.Compare(v.sv.Metadata(), o.sv.Metadata())
}

// ComparePrecedence orders versions by semver precedence alone: versions that differ
// only in build metadata (1.2.0, 1.2.0+build.7) compare equal, as SemVer 2.0.0 says.
func (v *Version) ComparePrecedence(o *Version) int { return v.sv.Compare(o.sv) }

// Equal reports whether v and o are the same version, build metadata included.
func (v *Version) Equal(o *Version) bool { return v.Compare(o) == 0 }

// Sort sorts versions in ascending order (Compare).
func Sort(vs []*Version) {
	slices.SortFunc(vs, (*Version).Compare)
}

// Constraint is a parsed version constraint.
type Constraint struct {
	text  string
	cs    *semver.Constraints
	exact *Version
}

// constraintSyntax is the hint given with a constraint that does not parse.
const constraintSyntax = `expected e.g. "1.2.3", "^1.2", "~1.2.3", ">=1.2 <2", "1.x", "1.2 - 1.4" or "^1 || ^2"`

// ParseConstraint reads a constraint; "" and "*" match every release.
func ParseConstraint(s string) (*Constraint, error) {
	text := strings.TrimSpace(s)
	src := text
	if src == "" {
		src = "*"
	}
	if strings.Contains(src, "||") && slices.ContainsFunc(strings.Split(src, "||"), func(alt string) bool { return strings.TrimSpace(alt) == "" }) {
		return nil, fmt.Errorf("version constraint %q has an empty alternative around \"||\"; %s", s, constraintSyntax)
	}
	cs, err := semver.NewConstraint(src)
	if err != nil {
		part, found := strings.CutPrefix(err.Error(), "improper constraint: ")
		switch {
		case !found:
			return nil, fmt.Errorf("version constraint %q: %w; %s", s, err, constraintSyntax)
		case strings.Trim(part, `"`) == strings.TrimSpace(src):
			return nil, fmt.Errorf("version constraint %q does not parse; %s", s, constraintSyntax)
		}
		return nil, fmt.Errorf("version constraint %q: %s does not parse; %s", s, part, constraintSyntax)
	}
	c := &Constraint{text: text, cs: cs}
	pin := strings.TrimSpace(strings.TrimPrefix(text, "="))
	if v, err := Parse(strings.TrimPrefix(pin, "v")); err == nil {
		c.exact = v
	}
	return c, nil
}

// MustParseConstraint is ParseConstraint for constants and tests.
func MustParseConstraint(s string) *Constraint {
	c, err := ParseConstraint(s)
	if err != nil {
		panic(err)
	}
	return c
}

// String is the constraint as written (trimmed).
func (c *Constraint) String() string { return c.text }

// Exact returns the version an exact constraint ("1.2.3", "=1.2.3") pins, or nil.
// Only an exact constraint may select a yanked version.
func (c *Constraint) Exact() *Version { return c.exact }

// Matches reports whether v satisfies the constraint. A pre-release matches only when
// the constraint names a pre-release in the alternative that admits it.
func (c *Constraint) Matches(v *Version) bool {
	if c.exact != nil {
		// "1.2.3" pins every build of 1.2.3; "1.2.3+b1" pins that build.
		if c.exact.sv.Metadata() != "" {
			return v.Equal(c.exact)
		}
		return v.sv.Compare(c.exact.sv) == 0
	}
	return c.cs.Check(v.sv)
}

// MatchesPrerelease reports whether v would match if the constraint let pre-releases
// in: it tells a user that a pre-release exists they did not ask for.
func (c *Constraint) MatchesPrerelease(v *Version) bool {
	cs := *c.cs
	cs.IncludePrerelease = true
	return cs.Check(v.sv)
}
