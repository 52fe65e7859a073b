package resolve

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"longshore.dev/lib/version"
)

// benchSeed makes the generated universe of the benchmarks (docs/BENCHMARKS.md).
const benchSeed = 2024

// generated is a seeded universe of packages and a request reaching a given number
// of them, served from memory as a tap's cached index would be.
type generated struct {
	*fakeSource
	requests []Request
}

// generate makes n packages of per versions each. Versions move by patch, minor or
// (rarely) major steps; each package depends on up to four packages later in the
// list (a DAG, as ecosystems mostly are) with caret, tilde, range, "||" and open
// constraints written against a version of the dependency from about the same
// time; consecutive versions mostly keep their dependencies, sometimes moving a
// constraint forward or adding or dropping one. The request is packages taken in
// seeded order until the solution holds about 300 packages.
func generate(seed uint64, n, per int) *generated {
	r := rand.New(rand.NewPCG(seed, 1))
	names := make([]string, n)
	vers := make([][]*version.Version, n)
	for i := range n {
		names[i] = fmt.Sprintf("pkg-%04d", i)
		major, minor, patch := uint64(r.IntN(2)), uint64(r.IntN(5)), uint64(0)
		for range per {
			vers[i] = append(vers[i], version.MustParse(fmt.Sprintf("%d.%d.%d", major, minor, patch)))
			switch x := r.IntN(100); {
			case x < 60:
				patch++
			case x < 90:
				minor, patch = minor+1, 0
			default:
				major, minor, patch = major+1, 0, 0
			}
		}
	}
	constraint := func(v *version.Version) string {
		s := v.String()
		var maj, min, pat int
		fmt.Sscanf(s, "%d.%d.%d", &maj, &min, &pat)
		switch x := r.IntN(100); {
		case x < 60:
			if maj == 0 {
				return fmt.Sprintf("^0.%d", min)
			}
			return fmt.Sprintf("^%d.%d", maj, min)
		case x < 70:
			return fmt.Sprintf("~%d.%d", maj, min)
		case x < 75:
			return "~" + s
		case x < 85:
			return fmt.Sprintf(">=%d.%d <%d", maj, min, maj+2)
		case x < 93:
			return fmt.Sprintf("^%d || ^%d", maj, maj+1)
		case x < 97:
			return fmt.Sprintf(">=%d", maj)
		}
		return "*"
	}
	pick := func(i int) int {
		// Mostly close by, sometimes a popular low-level package near the end.
		if r.IntN(4) == 0 {
			return max(i+1, n-1-r.IntN(max(1, n/20)))
		}
		return min(n-1, i+1+r.IntN(max(1, n/8)))
	}
	target := func(vi, j int) *version.Version {
		tj := vi*len(vers[j])/per + r.IntN(3) - 2
		return vers[j][max(0, min(len(vers[j])-1, tj))]
	}
	g := &generated{fakeSource: &fakeSource{pkgs: map[string][]Candidate{}}}
	for i := range n {
		var deps []Requirement
		for vi, v := range vers[i] {
			switch {
			case vi == 0 && i < n-1:
				for range r.IntN(5) {
					j := pick(i)
					if !slices.ContainsFunc(deps, func(d Requirement) bool { return d.Name == names[j] }) {
						deps = append(deps, Requirement{Name: names[j], Constraint: constraint(target(vi, j))})
					}
				}
			case vi > 0 && len(deps) > 0 && r.IntN(10) < 3:
				deps = slices.Clone(deps)
				k := r.IntN(len(deps))
				switch x := r.IntN(10); {
				case x < 7:
					j := slices.Index(names, deps[k].Name)
					deps[k].Constraint = constraint(target(vi, j))
				case x < 9 && i < n-1:
					j := pick(i)
					if !slices.ContainsFunc(deps, func(d Requirement) bool { return d.Name == names[j] }) {
						deps = append(deps, Requirement{Name: names[j], Constraint: constraint(target(vi, j))})
					}
				default:
					deps = slices.Delete(deps, k, k+1)
				}
			}
			g.pkgs[names[i]] = append(g.pkgs[names[i]], Candidate{
				Version:      v,
				Dependencies: deps,
				Origin:       Origin{Tap: "bench", Repository: "registry.example/" + names[i], Digest: fakeDigest(names[i] + v.String())},
			})
		}
	}
	// Requests: packages in seeded order until the solution holds about 300.
	reached := map[string]bool{}
	var reach func(name string)
	reach = func(name string) {
		if reached[name] {
			return
		}
		reached[name] = true
		c := g.pkgs[name]
		for _, d := range c[len(c)-1].Dependencies {
			reach(d.Name)
		}
	}
	for _, i := range r.Perm(n) {
		if reached[names[i]] {
			continue
		}
		reach(names[i])
		g.requests = append(g.requests, Request{Name: names[i]})
		if len(reached) < 300 {
			continue
		}
		if sol, err := Solve(context.Background(), g, g.requests, Options{}); err == nil && len(sol.Packages) >= 300 {
			break
		}
	}
	return g
}

func TestGenerated(t *testing.T) {
	t.Parallel()
	g := generate(benchSeed, 1000, 10)
	sol, err := Solve(context.Background(), g, g.requests, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(sol.Packages); n < 250 || n > 400 {
		t.Fatalf("the request reaches %d packages, want about 300", n)
	}
	t.Logf("%d requests reach %d packages in %d steps", len(g.requests), len(sol.Packages), sol.Steps)
}

// BenchmarkResolve solves a request reaching ~300 packages of a generated universe
// of 1,000 packages × 10 versions.
func BenchmarkResolve(b *testing.B) {
	g := generate(benchSeed, 1000, 10)
	sol, err := Solve(context.Background(), g, g.requests, Options{})
	if err != nil {
		b.Fatal(err)
	}
	if n := len(sol.Packages); n < 250 || n > 400 {
		b.Fatalf("the request reaches %d packages, want about 300", n)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Solve(context.Background(), g, g.requests, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(sol.Packages)), "packages")
	b.ReportMetric(float64(sol.Steps), "steps")
}

// BenchmarkResolveLock adds building the Lock and writing it as YAML.
func BenchmarkResolveLock(b *testing.B) {
	g := generate(benchSeed, 1000, 10)
	b.ReportAllocs()
	for b.Loop() {
		sol, err := Solve(context.Background(), g, g.requests, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := NewLock(g.requests, sol); err != nil {
			b.Fatal(err)
		}
	}
}

// backtrackTrap is "many versions each conflicting with the next": app's n versions
// each pin a different lib, and every lib but the first needs a dep that does not
// exist, so the solver must walk down through every version of app.
func backtrackTrap(n int) *fakeSource {
	var lines []string
	for k := 1; k <= n; k++ {
		lines = append(lines, fmt.Sprintf("app %d.0.0 -> lib =%d.0.0", k, k))
		dep := fmt.Sprintf("dep =%d.0.0", k)
		lines = append(lines, fmt.Sprintf("lib %d.0.0 -> %s", k, dep))
	}
	lines = append(lines, "dep 1.0.0")
	return universe(lines...)
}

func TestBacktrackTrap(t *testing.T) {
	t.Parallel()
	sol, err := Solve(context.Background(), backtrackTrap(300), reqs("app"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := picked(sol); got != "app 1.0.0, dep 1.0.0, lib 1.0.0" {
		t.Fatalf("Solve = %s", got)
	}
	t.Logf("%d steps", sol.Steps)
}

// BenchmarkBacktrack: the solution is at the bottom of 1,000 versions.
func BenchmarkBacktrack(b *testing.B) {
	src := backtrackTrap(1000)
	b.ReportAllocs()
	var steps int
	for b.Loop() {
		sol, err := Solve(context.Background(), src, reqs("app"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		steps = sol.Steps
	}
	b.ReportMetric(float64(steps), "steps")
}

// BenchmarkPigeonhole: 10 pigeons, 9 holes. No solution exists and proving it takes
// exponentially many steps; the solve stops at the default budget with its message.
func BenchmarkPigeonhole(b *testing.B) {
	lines, requests := pigeonhole(9)
	src := universe(lines...)
	b.ReportAllocs()
	for b.Loop() {
		_, err := Solve(context.Background(), src, reqs(requests...), Options{})
		if !errors.Is(err, ErrBudget) {
			b.Fatalf("error = %v, want the budget to run out", err)
		}
	}
	b.ReportMetric(DefaultMaxSteps, "steps")
}
