package version

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want, tag string
		pre           bool
		err           string
	}{
		{in: "1.2.3", want: "1.2.3", tag: "1.2.3"},
		{in: "0.0.0", want: "0.0.0", tag: "0.0.0"},
		{in: "1.0.0-rc.1", want: "1.0.0-rc.1", tag: "1.0.0-rc.1", pre: true},
		{in: "1.0.0+build.5", want: "1.0.0+build.5", tag: "1.0.0_build.5"},
		{in: "1.0.0-beta+exp.sha.5114f85", want: "1.0.0-beta+exp.sha.5114f85", tag: "1.0.0-beta_exp.sha.5114f85", pre: true},
		{in: "v1.2.3", err: `version "v1.2.3" is not semantic`},
		{in: "1.2", err: `version "1.2" is not semantic`},
		{in: "01.2.3", err: `version "01.2.3" is not semantic`},
		{in: "", err: `version "" is not semantic`},
		{in: "1.2.3.4", err: `not semantic`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			v, err := Parse(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Parse(%q) error = %v, want it to contain %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.String() != tt.want || v.Tag() != tt.tag || v.Prerelease() != tt.pre {
				t.Fatalf("Parse(%q) = %s tag %s pre %v, want %s tag %s pre %v", tt.in, v, v.Tag(), v.Prerelease(), tt.want, tt.tag, tt.pre)
			}
			back, err := FromTag(v.Tag())
			if err != nil || !back.Equal(v) {
				t.Fatalf("FromTag(%q) = %v, %v; want %s", v.Tag(), back, err, v)
			}
		})
	}
}

func TestSort(t *testing.T) {
	t.Parallel()
	in := []string{"2.0.0", "1.0.0+b", "1.0.0-rc.1", "1.10.0", "1.0.0", "1.2.0", "1.0.0-alpha", "1.0.0+a", "0.9.9"}
	vs := make([]*Version, len(in))
	for i, s := range in {
		vs[i] = MustParse(s)
	}
	Sort(vs)
	var got []string
	for _, v := range vs {
		got = append(got, v.String())
	}
	want := "0.9.9 1.0.0-alpha 1.0.0-rc.1 1.0.0 1.0.0+a 1.0.0+b 1.2.0 1.10.0 2.0.0"
	if strings.Join(got, " ") != want {
		t.Fatalf("Sort = %s\nwant   %s", strings.Join(got, " "), want)
	}
}

func TestConstraint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		constraint string
		match      []string
		miss       []string
		exact      string
	}{
		{constraint: "", match: []string{"0.0.1", "1.0.0", "99.0.0"}, miss: []string{"1.0.0-rc.1"}},
		{constraint: "*", match: []string{"1.0.0"}, miss: []string{"2.0.0-beta"}},
		{constraint: "^1.2", match: []string{"1.2.0", "1.9.9"}, miss: []string{"1.1.9", "2.0.0", "1.5.0-rc.1"}},
		{constraint: "^0.2.3", match: []string{"0.2.3", "0.2.9"}, miss: []string{"0.3.0", "0.2.2"}},
		{constraint: "~1.2.3", match: []string{"1.2.3", "1.2.9"}, miss: []string{"1.3.0", "1.2.2"}},
		{constraint: ">=1.2 <2", match: []string{"1.2.0", "1.99.0"}, miss: []string{"2.0.0", "1.1.0"}},
		{constraint: ">=1.2, <2", match: []string{"1.5.0"}, miss: []string{"2.0.0"}},
		{constraint: "1.2 - 1.4", match: []string{"1.2.0", "1.4.0"}, miss: []string{"1.5.0"}},
		{constraint: "1.x", match: []string{"1.0.0", "1.9.0"}, miss: []string{"2.0.0"}},
		{constraint: "^1 || ^3", match: []string{"1.0.0", "3.4.0"}, miss: []string{"2.0.0", "4.0.0"}},
		{constraint: "1.2.3", match: []string{"1.2.3", "1.2.3+build"}, miss: []string{"1.2.4", "1.2.3-rc.1"}, exact: "1.2.3"},
		{constraint: "=1.2.3", match: []string{"1.2.3"}, miss: []string{"1.2.4"}, exact: "1.2.3"},
		{constraint: "1.2.3+b1", match: []string{"1.2.3+b1"}, miss: []string{"1.2.3+b2", "1.2.3"}, exact: "1.2.3+b1"},
		{constraint: "2.0.0-rc.1", match: []string{"2.0.0-rc.1"}, miss: []string{"2.0.0"}, exact: "2.0.0-rc.1"},
		// Naming a pre-release lets pre-releases of that alternative in.
		{constraint: ">=2.0.0-0", match: []string{"2.0.0-rc.1", "2.1.0", "2.2.0-beta"}, miss: []string{"1.9.0"}},
		{constraint: "^2.0.0-rc.1", match: []string{"2.0.0-rc.1", "2.0.0-rc.2", "2.1.0"}, miss: []string{"2.0.0-beta", "3.0.0"}},
		{constraint: "^1 || >=2.0.0-0", match: []string{"2.0.0-rc.1", "1.0.0"}, miss: []string{"1.1.0-rc.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.constraint, func(t *testing.T) {
			t.Parallel()
			c, err := ParseConstraint(tt.constraint)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.match {
				if !c.Matches(MustParse(s)) {
					t.Errorf("%q does not match %s, want a match", tt.constraint, s)
				}
			}
			for _, s := range tt.miss {
				if c.Matches(MustParse(s)) {
					t.Errorf("%q matches %s, want no match", tt.constraint, s)
				}
			}
			switch e := c.Exact(); {
			case tt.exact == "" && e != nil:
				t.Errorf("Exact() = %s, want nil", e)
			case tt.exact != "" && (e == nil || e.String() != tt.exact):
				t.Errorf("Exact() = %v, want %s", e, tt.exact)
			}
		})
	}
}

func TestConstraintErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"^1.x.y", "latest", ">>1", "1.2.3 ||", "|| ^1", "^1 ||| ^2"} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			_, err := ParseConstraint(in)
			if err == nil {
				t.Fatalf("ParseConstraint(%q) = nil error", in)
			}
			prefix := "version constraint " + `"` + in + `"`
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), `expected e.g. "1.2.3", "^1.2"`) {
				t.Fatalf("error %q: want it to start with %q and show the syntax", err, prefix)
			}
		})
	}
}

func TestMatchesPrerelease(t *testing.T) {
	t.Parallel()
	c := MustParseConstraint("^2")
	if c.Matches(MustParse("2.1.0-rc.1")) {
		t.Fatal("^2 matches 2.1.0-rc.1")
	}
	if !c.MatchesPrerelease(MustParse("2.1.0-rc.1")) {
		t.Fatal("MatchesPrerelease(^2, 2.1.0-rc.1) = false")
	}
	if c.MatchesPrerelease(MustParse("3.0.0-rc.1")) {
		t.Fatal("MatchesPrerelease(^2, 3.0.0-rc.1) = true")
	}
}

func TestRelease(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"2.0.0-beta.1": "2.0.0", "1.2.3+b1": "1.2.3", "1.0.0-rc.1+b": "1.0.0", "3.1.4": "3.1.4"} {
		if got := MustParse(in).Release().String(); got != want {
			t.Errorf("Release(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestComparePrecedence: build metadata does not count for precedence (SemVer 2.0.0
// §10), where Compare breaks the tie by it so that sorting is stable.
func TestComparePrecedence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"1.2.0", "1.2.0+build.7", 0},
		{"1.2.0+build.7", "1.2.0+build.8", 0},
		{"1.0.0-rc.1+a", "1.0.0-rc.1+b", 0},
		{"1.0.0-rc.1", "1.0.0", -1},
		{"1.2.1", "1.2.0+build.9", 1},
	}
	for _, tt := range tests {
		t.Run(tt.a+"/"+tt.b, func(t *testing.T) {
			t.Parallel()
			if got := MustParse(tt.a).ComparePrecedence(MustParse(tt.b)); got != tt.want {
				t.Errorf("ComparePrecedence = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestProblem: what is wrong with a version that does not parse, named for the user.
func TestProblem(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"1.2.3", ""},
		{"1.0.0-rc.1+b.05", ""},
		{"", "it is empty"},
		{"v1.2.3", "drop the leading v: write 1.2.3"},
		{"V1.2.3-rc.1", "drop the leading v: write 1.2.3-rc.1"},
		{"01.0.0", "01 has a leading zero, which SemVer does not allow in a number: write 1.0.0"},
		{"1.02.003+b", "02 has a leading zero, which SemVer does not allow in a number: write 1.2.3+b"},
		{"1.2", "it has 2 numbers where SemVer has three, MAJOR.MINOR.PATCH: write 1.2.0"},
		{"1-rc.1", "it has one number where SemVer has three, MAJOR.MINOR.PATCH: write 1.0.0-rc.1"},
		{"1.2.3.4", "it has 4 numbers where SemVer has three"},
		{"1.x.0", `MAJOR.MINOR.PATCH are numbers, and "x" is not`},
		{"latest", `MAJOR.MINOR.PATCH are numbers, and "latest" is not`},
		{"1.0.0-rc..1", `the pre-release "rc..1" has an empty part`},
		{"1.0.0-", `the pre-release "" has an empty part`},
		{"1.0.0-rc_1", `the pre-release "rc_1" holds characters other than`},
		{"1.0.0-rc.01", "the pre-release part 01 is a number with a leading zero"},
		{"1.0.0+", `the build metadata "" has an empty part`},
		{"1.0.0+b/1", `the build metadata "b/1" holds characters other than`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got := Problem(tt.in)
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("Problem(%q) = %q, want it to contain %q", tt.in, got, tt.want)
			}
		})
	}
}
