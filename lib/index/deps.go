package index

import (
	"slices"
	"strings"
)

// Unlisted is a dependency by name that an index does not list.
type Unlisted struct {
	Name string   // the dependency's name
	By   []string // name@version of the versions that depend on it, sorted
}

// UnlistedDependencies returns the dependencies by bare name of pkgs that neither pkgs
// nor listed (the rest of the index; nil for none) have, sorted by name. They are not
// errors: a consumer resolves a bare name in its other taps too, so the dependency may
// come from another index. But when it was meant to be in this one, every install of
// its dependents fails, and only a consumer would find out. A dependency by TAP/NAME
// names one of the consumer's taps, and one by ref a repository: neither can be
// checked against an index.
func UnlistedDependencies(pkgs []Package, listed func(name string) bool) []Unlisted {
	have := map[string]bool{}
	for _, p := range pkgs {
		have[p.Name] = true
	}
	by := map[string][]string{}
	for _, p := range pkgs {
		for _, v := range p.Versions {
			for _, d := range v.Dependencies {
				if d.Name == "" || strings.Contains(d.Name, "/") || have[d.Name] {
					continue
				}
				if listed != nil && listed(d.Name) {
					continue
				}
				by[d.Name] = append(by[d.Name], p.Name+"@"+v.Version)
			}
		}
	}
	out := make([]Unlisted, 0, len(by))
	for name, dependents := range by {
		slices.Sort(dependents)
		out = append(out, Unlisted{Name: name, By: slices.Compact(dependents)})
	}
	slices.SortFunc(out, func(a, b Unlisted) int { return strings.Compare(a.Name, b.Name) })
	return out
}
