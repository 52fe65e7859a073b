// Package resolve owns version selection: the solver (PubGrub) that picks one version of
// every package a set of requests reaches, the explanation when no choice works, the
// topological order packages install and compose in, and the Lock that records it all.
//
// The solver is complete (it finds a solution whenever one exists, an acyclic one: a
// dependency cycle is a conflict like any other), prefers the newest versions,
// is deterministic (the same inputs give the same solution whatever order a Source
// returns candidates in) and bounded (Options.MaxSteps). See docs/resolution.md.
package resolve

import (
	"context"
	"slices"
	"strings"

	"longshore.dev/lib/api"
	"longshore.dev/lib/version"
)

// Source lists the versions of packages. Tap indexes implement it for names; a
// repository's tags implement it for "ref:" dependencies (the name is then the
// repository).
type Source interface {
	// Versions returns every version of name with its dependencies, in any order.
	// When no source has the package it returns a fault.NotFound error whose message
	// says where it looked; the solver carries that message into its explanation and
	// may still succeed with another version of the dependent. Any other error stops
	// the solve.
	Versions(ctx context.Context, name string) ([]Candidate, error)
}

// Candidate is one version of a package.
type Candidate struct {
	Version      *version.Version
	Dependencies []Requirement
	// Yanked versions are chosen only when a constraint pins them exactly ("=1.2.3").
	Yanked bool
	// Origin is where the version lives; the solver passes it through to the Lock.
	Origin Origin
}

// Requirement is a dependency: a package and a version constraint ("" for any release).
type Requirement struct {
	Name       string
	Constraint string
}

// Origin is where a version lives, as the Lock records it so that installing from a
// lock needs no resolution and no tag lookup.
type Origin struct {
	// Tap is the tap the version was found through; empty for a repository's tags.
	Tap string
	// Repository is REGISTRY/REPO or ocidir://ABS.
	Repository string
	// Digest is the root: the image manifest, or the image index of several platforms.
	Digest string
	// Platforms is each platform's manifest.
	Platforms []api.Platform
}

// Request is what the user asked for: a package and a version constraint.
type Request struct {
	Name       string
	Constraint string
	// Platform is recorded in the Lock; the solution is the same for every platform.
	Platform string
	// PatchOf, when set, makes the request a patch companion of that package (added
	// by the patch registry, not by the user).
	PatchOf string
	// Rule, for a patch companion, names the rule that adds it as explanations write
	// it ("rule 0 of _global"): a constraint a site's rule imposes is not one the user
	// can relax, so the explanation says whose it is.
	Rule string
	// Written is the name as the user wrote it when the Source knows the package by
	// another (core/hello, solved as hello): explanations name the request so, since
	// that is what the user typed. "" means Name.
	Written string
	// Installed marks a request that holds an installed package at its version (the
	// installed packages solved again, or held while others are added): nobody asked
	// for it now, so explanations say "the installed packages include hello =1.1.0"
	// rather than "you requested".
	Installed bool
	// Locked marks a request that holds a package of a lock at its locked version
	// while others of it are updated: explanations say "the lock holds hello =1.1.0".
	Locked bool
}

// String is the request as a user types it: name@constraint.
func (r Request) String() string {
	if r.Constraint == "" {
		return r.written()
	}
	return r.written() + "@" + r.Constraint
}

// written is the request's name as the user wrote it.
func (r Request) written() string {
	if w := strings.TrimSpace(r.Written); w != "" {
		return w
	}
	return strings.TrimSpace(r.Name)
}

// DefaultMaxSteps is the budget Solve uses when Options.MaxSteps is 0. A realistic
// request reaching hundreds of packages takes well under a thousand steps; the
// budget lets a hard search run for about a second before giving up
// (docs/BENCHMARKS.md).
const DefaultMaxSteps = 50_000

// Options tune Solve.
type Options struct {
	// MaxSteps bounds the work: one step is a decision (picking a version), a
	// derivation (a version range forced by what is already chosen) or one round of
	// conflict resolution. Past it, Solve gives up with an error naming the packages
	// that kept conflicting. 0 means DefaultMaxSteps.
	MaxSteps int
}

// Solution is one version of every package the requests reach.
type Solution struct {
	// Packages is sorted by name.
	Packages []Selected
	// Steps is the work the solve took (see Options.MaxSteps).
	Steps int
}

// Selected is a package of a solution and the version chosen.
type Selected struct {
	Name string
	Candidate
}

// Get returns the selected version of name.
func (s *Solution) Get(name string) (Selected, bool) {
	i, ok := slices.BinarySearchFunc(s.Packages, name, func(p Selected, name string) int {
		return strings.Compare(p.Name, name)
	})
	if !ok {
		return Selected{}, false
	}
	return s.Packages[i], true
}
