package resolve

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"longshore.dev/lib/version"
)

// TestComplete checks the solver against brute force on many small random
// universes (cycles and missing packages included): it finds a solution exactly
// when one exists, and what it finds is valid.
func TestComplete(t *testing.T) {
	t.Parallel()
	const universes = 1000
	r := rand.New(rand.NewPCG(7, 11))
	solved, failed := 0, 0
	for n := range universes {
		lines, requests := randomUniverse(r)
		src := universe(lines...)
		sol, err := Solve(context.Background(), src, reqs(requests...), Options{})
		exists := bruteForce(src, reqs(requests...))
		var f *Failure
		switch {
		case err != nil && !errors.As(err, &f):
			t.Fatalf("universe %d: %v\n%q %q", n, err, lines, requests)
		case err != nil && exists != nil:
			t.Fatalf("universe %d: the solver found no solution, but %v is one\n%q %q\n%v", n, exists, lines, requests, err)
		case err == nil && exists == nil:
			t.Fatalf("universe %d: brute force found no solution, but the solver returned %s\n%q %q", n, picked(sol), lines, requests)
		case err == nil:
			chosen := map[string]*version.Version{}
			for _, p := range sol.Packages {
				chosen[p.Name] = p.Version
			}
			if why := invalid(src, reqs(requests...), chosen); why != "" {
				t.Fatalf("universe %d: the solution %s is invalid: %s\n%q %q", n, picked(sol), why, lines, requests)
			}
			solved++
		default:
			failed++
		}
	}
	t.Logf("%d universes solved, %d proven unsolvable", solved, failed)
	if solved < universes/10 || failed < universes/10 {
		t.Fatalf("the random universes are lopsided: %d solved, %d failed", solved, failed)
	}
}

// randomUniverse makes up to 5 packages of up to 4 versions with random
// dependencies, and 1–2 requests.
func randomUniverse(r *rand.Rand) (lines, requests []string) {
	names := []string{"a", "b", "c", "d", "e"}
	constraint := func() string {
		major := 1 + r.IntN(3)
		switch r.IntN(5) {
		case 0:
			return fmt.Sprintf("^%d", major)
		case 1:
			return fmt.Sprintf(">=%d.1", major)
		case 2:
			return fmt.Sprintf("<%d", major+1)
		case 3:
			return fmt.Sprintf("=%d.0.0", major)
		}
		return "*"
	}
	n := 2 + r.IntN(4)
	for i := range n {
		for v := range 1 + r.IntN(4) {
			line := fmt.Sprintf("%s %d.%d.0", names[i], 1+v/2, v%2)
			var deps []string
			for range r.IntN(3) {
				// Mostly later packages, sometimes earlier ones (cycles) or a missing one.
				j := r.IntN(n + 1)
				if r.IntN(4) > 0 && i+1 < n {
					j = i + 1 + r.IntN(n-i-1)
				}
				name := "zz-missing"
				if j < n {
					name = names[j]
				}
				deps = append(deps, name+" "+constraint())
			}
			if len(deps) > 0 {
				line += " -> " + strings.Join(deps, "; ")
			}
			lines = append(lines, line)
		}
	}
	requests = append(requests, "a@"+constraint())
	if r.IntN(2) == 0 {
		requests = append(requests, names[r.IntN(n)]+"@"+constraint())
	}
	return lines, requests
}

// bruteForce tries every combination of versions (or absence) and returns a valid
// one, or nil.
func bruteForce(src *fakeSource, requests []Request) map[string]*version.Version {
	var names []string
	for name := range src.pkgs {
		names = append(names, name)
	}
	chosen := map[string]*version.Version{}
	var try func(i int) bool
	try = func(i int) bool {
		if i == len(names) {
			return invalid(src, requests, chosen) == ""
		}
		delete(chosen, names[i])
		if try(i + 1) {
			return true
		}
		for _, c := range src.pkgs[names[i]] {
			chosen[names[i]] = c.Version
			if try(i + 1) {
				return true
			}
		}
		delete(chosen, names[i])
		return false
	}
	if try(0) {
		return chosen
	}
	return nil
}

// invalid says what is wrong with a choice of versions, looking only at what the
// requests reach: an unmet constraint or a dependency cycle. "" means valid.
func invalid(src *fakeSource, requests []Request, chosen map[string]*version.Version) string {
	deps := func(name string) []Requirement {
		for _, c := range src.pkgs[name] {
			if c.Version.Equal(chosen[name]) {
				return c.Dependencies
			}
		}
		return nil
	}
	meets := func(r Requirement) bool {
		v, ok := chosen[r.Name]
		return ok && version.MustParseConstraint(r.Constraint).Matches(v)
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var visit func(name string) string
	visit = func(name string) string {
		switch state[name] {
		case visiting:
			return "cycle through " + name
		case done:
			return ""
		}
		state[name] = visiting
		for _, d := range deps(name) {
			if !meets(d) {
				return fmt.Sprintf("%s %s needs %s %s", name, chosen[name], d.Name, d.Constraint)
			}
			if why := visit(d.Name); why != "" {
				return why
			}
		}
		state[name] = done
		return ""
	}
	for _, r := range requests {
		if !meets(Requirement{Name: r.Name, Constraint: r.Constraint}) {
			return "request " + r.String() + " unmet"
		}
		if why := visit(r.Name); why != "" {
			return why
		}
	}
	return ""
}
