package resolve

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"longshore.dev/lib/fault"
)

func TestSolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		universe []string
		requests []string
		want     string
	}{
		{
			name:     "simplest",
			universe: []string{"app 1.0.0"},
			requests: []string{"app"},
			want:     "app 1.0.0",
		},
		{
			name: "transitive",
			universe: []string{
				"app 1.0.0 -> libx ^1",
				"libx 1.0.0", "libx 1.4.0 -> liby ~1.2",
				"liby 1.2.0", "liby 1.2.7", "liby 1.3.0",
			},
			requests: []string{"app"},
			want:     "app 1.0.0, libx 1.4.0, liby 1.2.7",
		},
		{
			name:     "prefer newest within the constraint",
			universe: []string{"app 1.0.0", "app 1.1.0", "app 1.2.0-rc.1", "app 2.0.0"},
			requests: []string{"app@^1"},
			want:     "app 1.1.0",
		},
		{
			name:     "prefer newest",
			universe: []string{"app 1.0.0", "app 1.1.0", "app 2.0.0", "app 3.0.0-beta.1"},
			requests: []string{"app"},
			want:     "app 2.0.0",
		},
		{
			name:     "backtracking: the newest app needs a b that does not exist",
			universe: []string{"app 2.0.0 -> b ^9", "app 1.0.0 -> b ^1", "b 1.0.0", "b 2.0.0"},
			requests: []string{"app"},
			want:     "app 1.0.0, b 1.0.0",
		},
		{
			name: "backtracking: the newest app needs two things that conflict deeper down",
			universe: []string{
				"app 2.0.0 -> b ^2; c ^1", "app 1.0.0 -> b ^1",
				"b 1.0.0", "b 2.0.0 -> d ^2",
				"c 1.0.0 -> d ^1",
				"d 1.0.0", "d 2.0.0",
			},
			requests: []string{"app"},
			want:     "app 1.0.0, b 1.0.0",
		},
		{
			name: "backtracking: a request caps a shared dependency",
			universe: []string{
				"app 1.0.0 -> b ^1", "app 1.1.0 -> b ^1", "app 2.0.0 -> b ^2",
				"b 1.0.0 -> c ^1", "b 2.0.0 -> c ^2",
				"c 1.0.0", "c 2.0.0",
			},
			requests: []string{"app@>=1", "c@<2"},
			want:     "app 1.1.0, b 1.0.0, c 1.0.0",
		},
		{
			name: "backtracking: the newest app depends on a missing package",
			universe: []string{
				"app 2.0.0 -> gone ^1", "app 1.0.0",
			},
			requests: []string{"app"},
			want:     "app 1.0.0",
		},
		{
			name: "backtracking: the newest app has an invalid constraint",
			universe: []string{
				"app 2.0.0 -> libx ^x.y", "app 1.0.0 -> libx ^1", "libx 1.0.0",
			},
			requests: []string{"app"},
			want:     "app 1.0.0, libx 1.0.0",
		},
		{
			name: "diamond",
			universe: []string{
				"app 1.0.0 -> b ^1; c ^1",
				"b 1.0.0 -> d ^1.1", "b 1.1.0 -> d ^1.3",
				"c 1.0.0 -> d <1.4", "c 1.1.0 -> d >=1.4",
				"d 1.0.0", "d 1.1.0", "d 1.2.0", "d 1.3.0", "d 1.3.1", "d 1.4.0",
			},
			requests: []string{"app"},
			want:     "app 1.0.0, b 1.1.0, c 1.1.0, d 1.4.0",
		},
		{
			name: "diamond with a pinned corner",
			universe: []string{
				"app 1.0.0 -> b ^1; c ^1",
				"b 1.0.0 -> d ^1.1", "b 1.1.0 -> d ^1.3",
				"c 1.0.0 -> d <1.4", "c 1.1.0 -> d >=1.4",
				"d 1.0.0", "d 1.1.0", "d 1.2.0", "d 1.3.0", "d 1.3.1", "d 1.4.0",
			},
			requests: []string{"app", "d@~1.2"},
			want:     "app 1.0.0, b 1.0.0, c 1.0.0, d 1.2.0",
		},
		{
			name:     "two requests of one package intersect",
			universe: []string{"app 1.0.0", "app 1.1.0", "app 1.2.0", "app 2.0.0"},
			requests: []string{"app@^1", "app@<1.2"},
			want:     "app 1.1.0",
		},
		{
			name:     "pre-releases only when asked: not by default",
			universe: []string{"libx 1.0.0", "libx 1.1.0-rc.1"},
			requests: []string{"libx"},
			want:     "libx 1.0.0",
		},
		{
			name:     "pre-releases only when asked: a range naming one",
			universe: []string{"libx 1.0.0", "libx 1.1.0-rc.1"},
			requests: []string{"libx@>=1.1.0-0"},
			want:     "libx 1.1.0-rc.1",
		},
		{
			name:     "pre-releases only when asked: by a dependency",
			universe: []string{"app 1.0.0 -> libx ^1.1.0-rc.1", "libx 1.0.0", "libx 1.1.0-rc.1", "libx 1.1.0-rc.2"},
			requests: []string{"app"},
			want:     "app 1.0.0, libx 1.1.0-rc.2",
		},
		{
			name:     "pre-releases only when asked: a release wins over them",
			universe: []string{"libx 1.1.0-rc.1", "libx 1.1.0"},
			requests: []string{"libx@>=1.1.0-0"},
			want:     "libx 1.1.0",
		},
		{
			name:     "yanked: skipped by a range",
			universe: []string{"libx 1.0.0", "libx 1.1.0 yanked"},
			requests: []string{"libx@^1"},
			want:     "libx 1.0.0",
		},
		{
			name:     "yanked: chosen when pinned",
			universe: []string{"libx 1.0.0", "libx 1.1.0 yanked"},
			requests: []string{"libx@=1.1.0"},
			want:     "libx 1.1.0",
		},
		{
			name:     "yanked: chosen when pinned by a dependency",
			universe: []string{"app 1.0.0 -> libx 1.1.0", "libx 1.0.0", "libx 1.1.0 yanked"},
			requests: []string{"app"},
			want:     "app 1.0.0, libx 1.1.0",
		},
		{
			name: "a cycle is avoided when an older version breaks it",
			universe: []string{
				"a 2.0.0 -> b ^1", "a 1.0.0",
				"b 1.0.0 -> a *",
			},
			requests: []string{"a"},
			want:     "a 1.0.0",
		},
		{
			name: "a cycle is avoided: longer",
			universe: []string{
				"a 1.0.0 -> b ^1",
				"b 1.0.0 -> c ^1", "b 1.1.0 -> c ^1",
				"c 1.0.0", "c 1.1.0 -> a ^1",
			},
			requests: []string{"a"},
			want:     "a 1.0.0, b 1.1.0, c 1.0.0",
		},
		{
			name:     "packages only an abandoned version needed are left out",
			universe: []string{"app 2.0.0 -> x ^1; y ^9", "app 1.0.0", "x 1.0.0", "y 1.0.0"},
			requests: []string{"app"},
			want:     "app 1.0.0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sol, err := Solve(context.Background(), universe(tt.universe...), reqs(tt.requests...), Options{})
			if err != nil {
				t.Fatalf("Solve: %v", err)
			}
			if got := picked(sol); got != tt.want {
				t.Fatalf("Solve = %s\nwant    %s", got, tt.want)
			}
		})
	}
}

func TestSolveFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		universe []string
		requests []Request
		kind     fault.Kind
		hint     string
		want     string
	}{
		{
			name: "two requesters disagree",
			universe: []string{
				"app 1.0.0 -> libx ^2", "tool 3.1.0 -> libx <2",
				"libx 1.0.0", "libx 2.0.0",
			},
			requests: reqs("app", "tool"),
			kind:     fault.Conflict,
			want: `Because app 1.0.0 depends on libx ^2 and tool 3.1.0 depends on libx <2, app 1.0.0 is incompatible with tool 3.1.0.
So, because you requested app and tool, version solving failed.`,
		},
		{
			name: "two requesters disagree, every version of each",
			universe: []string{
				"app 1.0.0 -> libx ^2", "app 1.1.0 -> libx ^2",
				"tool 3.0.0 -> libx <2", "tool 3.1.0 -> libx <2",
				"libx 1.0.0", "libx 2.0.0",
			},
			requests: reqs("app@^1", "tool@^3"),
			kind:     fault.Conflict,
			want: `Because every version of app depends on libx ^2 and every version of tool depends on libx <2, app is incompatible with tool.
So, because you requested app ^1 and tool ^3, version solving failed.`,
		},
		{
			name: "the chain of requirers on one side",
			universe: []string{
				"app 1.0.0 -> mid ^1", "mid 1.0.0 -> libx ^2",
				"tool 3.1.0 -> libx <2",
				"libx 1.0.0", "libx 2.0.0",
			},
			requests: reqs("app", "tool"),
			kind:     fault.Conflict,
			want: `Because app 1.0.0 depends on mid ^1 which depends on libx ^2, app 1.0.0 requires libx ^2.
And because tool 3.1.0 depends on libx <2, app 1.0.0 is incompatible with tool 3.1.0.
So, because you requested app and tool, version solving failed.`,
		},
		{
			name: "the chain of requirers on both sides",
			universe: []string{
				"app 1.0.0 -> mid ^1", "mid 1.0.0 -> libx ^2",
				"tool 3.1.0 -> helper ^4", "helper 4.2.0 -> libx <2",
				"libx 1.0.0", "libx 2.0.0",
			},
			requests: reqs("app", "tool"),
			kind:     fault.Conflict,
			want: `Because app 1.0.0 depends on mid ^1 which depends on libx ^2, app 1.0.0 requires libx ^2.
And because tool 3.1.0 depends on helper ^4 which depends on libx <2, app 1.0.0 is incompatible with tool 3.1.0.
So, because you requested app and tool, version solving failed.`,
		},
		{
			name: "ranges of versions",
			universe: []string{
				"app 1.0.0 -> libx ^2", "app 1.1.0 -> libx ^2", "app 2.0.0 -> libx ^3", "app 2.1.0 -> libx ^3", "app 3.0.0 -> libx ^2",
				"tool 1.0.0 -> libx <2",
				"libx 1.0.0", "libx 2.0.0",
			},
			requests: reqs("app@<3", "tool"),
			kind:     fault.Conflict,
			want: `Because tool 1.0.0 depends on libx <2 and app <=1.1.0 depends on libx ^2, tool 1.0.0 is incompatible with app <=1.1.0.
And because app >=2.0.0 <=2.1.0 depends on libx ^3, which matches no version of libx (it has 1.0.0 and 2.0.0), tool 1.0.0 is incompatible with app <=2.1.0.
So, because you requested app <3 and tool, version solving failed.`,
		},
		{
			name:     "no version matches a request",
			universe: []string{"libx 1.0.0", "libx 2.0.0"},
			requests: reqs("libx@^3"),
			kind:     fault.Conflict,
			want:     `Because you requested libx ^3, which matches no version of libx (it has 1.0.0 and 2.0.0), version solving failed.`,
		},
		{
			name:     "no version matches a dependency",
			universe: []string{"app 1.0.0 -> libx >=3", "libx 1.0.0", "libx 2.0.0", "libx 2.1.0", "libx 2.2.0", "libx 2.3.0"},
			requests: reqs("app"),
			kind:     fault.Conflict,
			want:     `Because you requested app which depends on libx >=3, which matches no version of libx (it has 5 versions from 1.0.0 to 2.3.0), version solving failed.`,
		},
		{
			name:     "only a pre-release would match",
			universe: []string{"libx 1.0.0", "libx 2.1.0-rc.1"},
			requests: reqs("libx@^2"),
			kind:     fault.Conflict,
			want:     `Because you requested libx ^2, which matches no version of libx (it has 1.0.0 and 2.1.0-rc.1; pre-releases such as 2.1.0-rc.1 match only a constraint that names a pre-release), version solving failed.`,
		},
		{
			name:     "only a pre-release of the lowest version would match",
			universe: []string{"tool 1.1.0", "tool 2.0.0-beta.1"},
			requests: reqs("tool@^2"),
			kind:     fault.Conflict,
			want:     `Because you requested tool ^2, which matches no version of tool (it has 1.1.0 and 2.0.0-beta.1; 2.0.0-beta.1 is a pre-release, which comes before 2.0.0: ^2 does not include it, =2.0.0-beta.1 does), version solving failed.`,
		},
		{
			name:     "only a yanked version would match",
			universe: []string{"libx 1.0.0", "libx 2.0.0 yanked"},
			requests: reqs("libx@^2"),
			kind:     fault.Conflict,
			want:     `Because you requested libx ^2, which matches no version of libx (it has 1.0.0 and 2.0.0; 2.0.0 would match but is yanked, and only an exact constraint selects a yanked version), version solving failed.`,
		},
		{
			name:     "a requested package is missing everywhere",
			universe: []string{"app 1.0.0"},
			requests: reqs("nope@^1"),
			kind:     fault.NotFound,
			hint:     "check the name, or run pkg-tap update",
			want:     `Because you requested nope ^1, which doesn't exist (no tap has a package named nope; looked in main, extra), version solving failed.`,
		},
		{
			name:     "a dependency is missing everywhere",
			universe: []string{"app 1.0.0 -> gone ^1", "app 1.1.0 -> gone ^1"},
			requests: reqs("app"),
			kind:     fault.NotFound,
			hint:     "check the name, or run pkg-tap update",
			want:     `Because you requested app which depends on gone ^1, which doesn't exist (no tap has a package named gone; looked in main, extra), version solving failed.`,
		},
		{
			name:     "cycle",
			universe: []string{"a 1.0.0 -> b ^2", "b 2.0.0 -> a ^1"},
			requests: reqs("a"),
			kind:     fault.Conflict,
			want: `Because a 1.0.0 depends on b ^2 and a 1.0.0 and b 2.0.0 depend on each other (cycle: a 1.0.0 -> b 2.0.0 -> a 1.0.0), a 1.0.0 is forbidden.
So, because you requested a, version solving failed.`,
		},
		{
			name:     "cycle of three",
			universe: []string{"a 1.0.0 -> b ^1", "b 1.0.0 -> c ^1", "c 1.0.0 -> a ^1"},
			requests: reqs("a"),
			kind:     fault.Conflict,
			want: `Because b 1.0.0 depends on c ^1 and a 1.0.0, b 1.0.0 and c 1.0.0 depend on each other (cycle: a 1.0.0 -> b 1.0.0 -> c 1.0.0 -> a 1.0.0), b 1.0.0 is incompatible with a 1.0.0.
So, because you requested a which depends on b ^1, version solving failed.`,
		},
		{
			name:     "a package depends on itself",
			universe: []string{"a 1.0.0 -> a ^1"},
			requests: reqs("a"),
			kind:     fault.Conflict,
			want:     `Because you requested a which depends on itself (cycle: a 1.0.0 -> a 1.0.0), version solving failed.`,
		},
		{
			name: "a patch companion conflicts",
			universe: []string{
				"hello 1.0.0 -> libssl ^3",
				"ca 1.0.0 -> libssl ^1",
				"libssl 1.1.0", "libssl 3.0.0",
			},
			requests: []Request{{Name: "hello"}, {Name: "ca", Constraint: "^1", PatchOf: "hello"}},
			kind:     fault.Conflict,
			want: `Because ca 1.0.0 depends on libssl ^1 and hello 1.0.0 depends on libssl ^3, ca 1.0.0 is incompatible with hello 1.0.0.
So, because a patch for hello adds ca ^1 and you requested hello, version solving failed.`,
		},
		{
			name:     "a patch rule asks for what does not exist",
			universe: []string{"hello 1.0.0", "cabundle 1.0.0"},
			requests: []Request{{Name: "hello"}, {Name: "cabundle", Constraint: "^9", PatchOf: "hello", Rule: "rule 0 of _global"}},
			kind:     fault.Conflict,
			want:     `Because a patch for hello (rule 0 of _global) adds cabundle ^9, which matches no version of cabundle (it has 1.0.0), version solving failed.`,
		},
		{
			name:     "a request is named as written",
			universe: []string{"app 1.0.0"},
			requests: []Request{{Name: "greeter", Written: "nosuchtap/greeter"}},
			kind:     fault.NotFound,
			want:     `Because you requested nosuchtap/greeter, which doesn't exist (no tap has a package named greeter; looked in main, extra), version solving failed.`,
		},
		{
			name:     "requests written with their tap conflict",
			universe: []string{"app 1.0.0 -> libx ^2", "tool 3.1.0 -> libx <2", "libx 1.0.0", "libx 2.0.0"},
			requests: []Request{{Name: "app", Written: "core/app"}, {Name: "tool", Constraint: "^3", Written: "core/tool"}},
			kind:     fault.Conflict,
			want: `Because app 1.0.0 depends on libx ^2 and tool 3.1.0 depends on libx <2, app 1.0.0 is incompatible with tool 3.1.0.
So, because you requested core/app and core/tool ^3, version solving failed.`,
		},
		{
			name:     "a request written with its tap depends on what is missing",
			universe: []string{"app 1.0.0 -> gone ^1"},
			requests: []Request{{Name: "app", Written: "core/app"}},
			kind:     fault.NotFound,
			want:     `Because you requested core/app which depends on gone ^1, which doesn't exist (no tap has a package named gone; looked in main, extra), version solving failed.`,
		},
		{
			name:     "an installed package's source is gone",
			universe: []string{"app 1.0.0"},
			requests: []Request{{Name: "libgreet", Constraint: "=1.1.0", Written: "demo/libgreet", Installed: true}},
			kind:     fault.NotFound,
			want:     `Because the installed packages include demo/libgreet =1.1.0, which doesn't exist (no tap has a package named libgreet; looked in main, extra), version solving failed.`,
		},
		{
			name:     "installed packages conflict",
			universe: []string{"app 1.0.0 -> libx ^2", "tool 3.1.0 -> libx <2", "libx 1.0.0", "libx 2.0.0"},
			requests: []Request{{Name: "app", Constraint: "=1.0.0", Installed: true}, {Name: "tool", Constraint: "=3.1.0", Installed: true}},
			kind:     fault.Conflict,
			want: `Because app 1.0.0 depends on libx ^2 and tool 3.1.0 depends on libx <2, app 1.0.0 is incompatible with tool 3.1.0.
So, because the installed packages include app =1.0.0 and tool =3.1.0, version solving failed.`,
		},
		{
			name:     "a request conflicts with an installed package",
			universe: []string{"app 1.0.0 -> libx ^2", "tool 3.1.0 -> libx <2", "libx 1.0.0", "libx 2.0.0"},
			requests: []Request{{Name: "app"}, {Name: "tool", Constraint: "=3.1.0", Installed: true}},
			kind:     fault.Conflict,
			want: `Because app 1.0.0 depends on libx ^2 and tool 3.1.0 depends on libx <2, app 1.0.0 is incompatible with tool 3.1.0.
So, because you requested app and the installed packages include tool =3.1.0, version solving failed.`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sol, err := Solve(context.Background(), universe(tt.universe...), tt.requests, Options{})
			if err == nil {
				t.Fatalf("Solve = %s, want an error", picked(sol))
			}
			if err.Error() != tt.want {
				t.Fatalf("error:\n%s\nwant:\n%s", err, tt.want)
			}
			var f *Failure
			if !errors.As(err, &f) {
				t.Errorf("error is %T, want a *Failure in its chain", err)
			}
			if k := fault.KindOf(err); k != tt.kind {
				t.Errorf("kind = %v, want %v", k, tt.kind)
			}
			if tt.hint != "" && fault.HintOf(err) != tt.hint {
				t.Errorf("hint = %q, want %q", fault.HintOf(err), tt.hint)
			}
			// The explanation does not depend on the order the source answers in.
			shuffled := universe(tt.universe...)
			shuffled.seed = 42
			if _, again := Solve(context.Background(), shuffled, tt.requests, Options{}); again == nil || again.Error() != err.Error() {
				t.Errorf("with candidates shuffled: %v", again)
			}
		})
	}
}

// A Failure lists the requests its explanation rests on, so that a caller can say
// where each came from; requests the explanation does not need are left out.
func TestFailureRequests(t *testing.T) {
	t.Parallel()
	u := universe("hello 1.0.0 -> libssl ^3", "ca 1.0.0 -> libssl ^1", "libssl 1.1.0", "libssl 3.0.0", "tool 1.0.0")
	requests := []Request{{Name: "tool"}, {Name: "hello"}, {Name: "ca", Constraint: "^1", PatchOf: "hello", Rule: "rule 2 of hello"}}
	_, err := Solve(context.Background(), u, requests, Options{})
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("err = %v, want a *Failure", err)
	}
	var got []string
	for _, r := range f.Requests {
		got = append(got, r.String()+" "+r.PatchOf+" "+r.Rule)
	}
	if want := []string{"ca@^1 hello rule 2 of hello", "hello  "}; !slices.Equal(got, want) {
		t.Errorf("requests = %q, want %q", got, want)
	}
}

func TestSolveUsage(t *testing.T) {
	t.Parallel()
	u := universe("app 1.0.0")
	tests := []struct {
		requests []Request
		want     string
	}{
		{nil, "nothing to resolve: no package was requested"},
		{[]Request{{Name: " "}}, "request 1 names no package"},
		{reqs("app@^1.x.y"), `request app@^1.x.y: version constraint "^1.x.y" does not parse; expected e.g.`},
		{[]Request{{Name: "app", Constraint: "^1.x.y", Written: "core/app"}}, `request core/app@^1.x.y: version constraint "^1.x.y" does not parse`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			_, err := Solve(context.Background(), u, tt.requests, Options{})
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) || fault.KindOf(err) != fault.Usage {
				t.Fatalf("error = %v (kind %v), want a usage error starting %q", err, fault.KindOf(err), tt.want)
			}
		})
	}
}

// brokenSource fails with an error that is not NotFound.
type brokenSource struct{}

func (brokenSource) Versions(context.Context, string) ([]Candidate, error) {
	return nil, fault.Errorf(fault.Network, "registry.example: connection refused")
}

func TestSolveSourceError(t *testing.T) {
	t.Parallel()
	_, err := Solve(context.Background(), brokenSource{}, reqs("app"), Options{})
	if err == nil || err.Error() != "reading the versions of app: registry.example: connection refused" || fault.KindOf(err) != fault.Network {
		t.Fatalf("error = %v (kind %v), want the source's network error with context", err, fault.KindOf(err))
	}
}

func TestSolveBadSource(t *testing.T) {
	t.Parallel()
	u := universe("app 1.0.0", "app 1.0.0")
	_, err := Solve(context.Background(), u, reqs("app"), Options{})
	if err == nil || err.Error() != "the versions of app list 1.0.0 twice" || fault.KindOf(err) != fault.Verify {
		t.Fatalf("error = %v, want a verify fault about the duplicate", err)
	}
}

func TestSolveCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Solve(ctx, universe("app 1.0.0"), reqs("app"), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

// pigeonhole builds the classic input no resolution-based solver proves unsolvable
// quickly: n+1 pigeons, each at one of n holes, no two pigeons in one hole. Pigeon i
// at version h.0.0 sits in hole h, which it claims by requiring hole-h at exactly
// version i.0.0.
func pigeonhole(n int) ([]string, []string) {
	var lines, requests []string
	for i := 1; i <= n+1; i++ {
		for h := 1; h <= n; h++ {
			lines = append(lines, fmt.Sprintf("pigeon-%02d %d.0.0 -> hole-%02d =%d.0.0", i, h, h, i))
		}
		requests = append(requests, fmt.Sprintf("pigeon-%02d", i))
	}
	for h := 1; h <= n; h++ {
		for i := 1; i <= n+1; i++ {
			lines = append(lines, fmt.Sprintf("hole-%02d %d.0.0", h, i))
		}
	}
	return lines, requests
}

func TestSolveBudget(t *testing.T) {
	t.Parallel()
	lines, requests := pigeonhole(8)
	_, err := Solve(context.Background(), universe(lines...), reqs(requests...), Options{MaxSteps: 2000})
	want := "version solving gave up after 2000 steps (the limit) without finding a solution or proving that none exists; " +
		"the packages that kept conflicting: pigeon-08 (139 conflicts), pigeon-07 (126 conflicts), pigeon-06 (87 conflicts), hole-04 (61 conflicts), hole-03 (51 conflicts)"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant    %s", err, want)
	}
	if !errors.Is(err, ErrBudget) || fault.KindOf(err) != fault.Conflict || fault.HintOf(err) == "" {
		t.Fatalf("error %v: want ErrBudget, a conflict fault and a hint", err)
	}
	// The same input gives the same message, word for word.
	_, again := Solve(context.Background(), universe(lines...), reqs(requests...), Options{MaxSteps: 2000})
	if again == nil || again.Error() != err.Error() {
		t.Fatalf("second run: %v\nfirst run:  %v", again, err)
	}
}

func TestSolvePigeonholeSmall(t *testing.T) {
	t.Parallel()
	// Small enough to prove within the default budget: the answer is an explanation.
	lines, requests := pigeonhole(3)
	_, err := Solve(context.Background(), universe(lines...), reqs(requests...), Options{})
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("error = %v, want an explanation", err)
	}
	if !strings.HasSuffix(f.Explanation, "version solving failed.") {
		t.Fatalf("explanation does not conclude:\n%s", f.Explanation)
	}
}
